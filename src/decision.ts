import type { RuntimeDirSource } from './runtime-dir.js'
import type { Candidate } from './snapshotter-chain.js'

export type SnapshotterSource = 'flag' | 'env' | 'nerdctl.toml' | 'detected' | 'none'

// Everything rnerdctl decided for one call, with reasons. `rnerdctl env
// --json` prints it, `doctor` explains it, and the plan turns it into
// nerdctl's environment and argv.
export interface Decision {
  rootless: boolean
  runtimeDir: { path: string | null; source: RuntimeDirSource }
  snapshotter: { name: string | null; source: SnapshotterSource; reason: string }
  candidates: Candidate[]
  bypass4netns: { enabled: boolean; reason: string }
  nerdctl: { path: string | null; version: string | null }
  env: Record<string, string>
  unset: string[]
  // Options inserted at `insertAt`, right after the subcommand path.
  args: string[]
  insertAt: number
  // Printed once per condition per boot.
  warnings: string[]
  // Printed on every call they apply to.
  notices: string[]
  // Each step and its reason, for RNERDCTL_DEBUG.
  log: string[]
}
