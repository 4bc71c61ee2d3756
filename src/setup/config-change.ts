import type { CommandRunner } from './command-runner.js'
import { readConfigBytes, type ConfigBytes } from './config-bytes.js'
import { newConfigVersion, readContainerdMajor } from './containerd-version.js'
import type { PlannedAdditions } from './expected-table.js'
import { readImportedPlugins } from './imported-plugins.js'
import { planConfigEdit } from './plan-config-edit.js'
import type { SetupTarget } from './setup-target.js'
import type { TextEdit } from './text-edits.js'
import { hostPlatform } from './unpack-config.js'

export type OriginalConfig = Extract<ConfigBytes, { missing: false }>

export type ConfigChange =
  | { kind: 'unchanged'; pluginKey: string }
  | {
      kind: 'changed'
      pluginKey: string
      // The current text (empty for a missing file) and the new one, both
      // without a byte order mark.
      before: string
      after: string
      edits: TextEdit[]
      additions: PlannedAdditions
      original: OriginalConfig | null
    }

export interface ChangeInput {
  // The file to read: config.toml with its symlinks resolved.
  file: string
  target: SetupTarget
  force: boolean
  // The command that reruns this setup, suggested with --force.
  command: string
  arch: string
  run: CommandRunner
  log: (line: string) => void
}

// Reads the config and works out the change that sets up the plugin.
// A missing file starts as a minimal config ("version = 2", or 3 when
// `containerd --version` reports 2.x), and the whole new file is then one
// insertion into the empty text.
export async function computeChange(input: ChangeInput): Promise<ConfigChange> {
  const { target } = input
  const original = readOriginal(input.file)

  // containerd resolves relative imports against the path it was given,
  // which for a symlinked config.toml is the link's directory.
  const imported = original === null ? { plugins: [], warnings: [] } : readImportedPlugins(target.configPath)
  for (const warning of imported.warnings) input.log(`warning: ${warning}`)

  const text = original?.text ?? `version = ${newConfigVersion(await readContainerdMajor(input.run))}\n`
  const plan = planConfigEdit({
    text,
    file: target.configPath,
    request: target.request,
    matches: target.matches,
    imported: imported.plugins,
    platform: hostPlatform(input.arch),
    force: input.force,
    command: input.command,
  })
  if (plan.kind === 'unchanged') return plan

  return {
    kind: 'changed',
    pluginKey: plan.pluginKey,
    before: original?.text ?? '',
    after: plan.text,
    edits: original === null ? [{ offset: 0, length: 0, insert: plan.text }] : plan.edits,
    additions: plan.additions,
    original,
  }
}

function readOriginal(file: string): OriginalConfig | null {
  const read = readConfigBytes(file)
  return read.missing ? null : read
}
