// Helpers that the end-to-end test files share for running rnerdctl with
// the stand-in nerdctl first on PATH, reading what the stand-in recorded,
// and reading `rnerdctl env --json`.
import { rmSync } from 'node:fs'
import path from 'node:path'
import { expect } from 'vitest'

import { USER_PATH } from './global-setup.js'
import {
  getE2E,
  makeRecordDir,
  readRecords,
  removeUserPath,
  restartContainerd,
  runAsUser,
  writeContainerdConfig,
  type RunOptions,
  type RunResult,
  type StandInRecord,
} from './harness.js'

/** Variables for RunOptions.env, where undefined removes one. */
export type Variables = NonNullable<RunOptions['env']>

/** One entry of `candidates` in `rnerdctl env --json`. */
export interface CandidateJson {
  name: string
  usable: boolean | null
  reason: string
}

/** The object that `rnerdctl env --json` prints, also `decision` in `rnerdctl doctor --json`. */
export interface DecisionJson {
  env: Record<string, string>
  unset: string[]
  runtimeDir: { path: string | null; source: string }
  snapshotter: { name: string | null; source: string; reason: string }
  candidates: CandidateJson[]
  bypass4netns: { enabled: boolean; reason: string }
  nerdctl: { path: string | null; version: string | null }
  args: string[]
  warnings: string[]
  rnerdctl: { version: string }
}

// rnerdctl runs the stand-in with `--version` and `run --help` and caches
// the output per binary. Those calls are not the one under test.
export function isProbe(record: StandInRecord): boolean {
  const words = record.args.join(' ')
  return words === '--version' || words === 'run --help'
}

// Removes what rnerdctl keeps between calls (probe cache, warnings already
// printed, last snapshotter), so each test starts as after a reboot.
export function clearProductState(): void {
  rmSync(path.join(getE2E().runtimeDir, 'rnerdctl'), { recursive: true, force: true })
  removeUserPath('.local/state/rnerdctl')
  removeUserPath('.cache/rnerdctl')
}

// Writes the default config.toml and restarts containerd, so containerd
// loads it and nothing counts as changed since containerd started.
export async function resetContainerd(): Promise<void> {
  writeContainerdConfig()
  await restartContainerd()
}

/** Returns a PATH with the directory of `nerdctlPath` (the stand-in by default) before USER_PATH. */
export function standInPath(nerdctlPath = getE2E().nerdctlPath): string {
  return `${path.dirname(nerdctlPath)}:${USER_PATH}`
}

/** Returns PATH, XDG_RUNTIME_DIR and STANDIN_RECORD_DIR for a run with the stand-in. */
export function standInEnvironment(recordDir: string, nerdctlPath?: string): Variables {
  return {
    PATH: standInPath(nerdctlPath),
    XDG_RUNTIME_DIR: getE2E().runtimeDir,
    STANDIN_RECORD_DIR: recordDir,
  }
}

export interface StandInRunOptions extends RunOptions {
  /** The nerdctl whose directory goes first on PATH, by default the stand-in. */
  nerdctlPath?: string
}

/**
 * Runs rnerdctl with `args` and standInEnvironment, to which `options.env`
 * adds or removes variables. Returns the result, every stand-in record,
 * and the records without probes as `calls`.
 */
export async function runWithStandIn(args: ReadonlyArray<string | Buffer>, options: StandInRunOptions = {}) {
  const { nerdctlPath, ...runOptions } = options
  const recordDir = makeRecordDir()
  const result = await runAsUser({
    ...runOptions,
    args,
    env: { ...standInEnvironment(recordDir, nerdctlPath), ...runOptions.env },
  })
  const records = readRecords(recordDir)
  return { result, records, calls: records.filter((record) => !isProbe(record)) }
}

/**
 * Runs `rnerdctl env --json -- ...nerdctlArgs` with the stand-in, checks
 * that it exits 0, and returns the result with the parsed decision.
 */
export async function readEnvJson(nerdctlArgs: string[], extra: Variables = {}): Promise<{ result: RunResult; decision: DecisionJson }> {
  const { result } = await runWithStandIn(['env', '--json', '--', ...nerdctlArgs], { env: extra })
  expect(result.code).toBe(0)
  return { result, decision: JSON.parse(result.stdout) as DecisionJson }
}
