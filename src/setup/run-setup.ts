import { statSync } from 'node:fs'
import path from 'node:path'
import { printLine } from '../log.js'
import { runCommand, type CommandRunner } from './command-runner.js'
import { encodeConfigText } from './config-bytes.js'
import { computeChange, type ChangeInput, type ConfigChange } from './config-change.js'
import { DEFAULT_LOCK_OPTIONS, withFileLock, type LockOptions } from './file-lock.js'
import type { ProxySnapshotterName } from './proxy-snapshotters.js'
import { replaceConfigFile } from './replace-file.js'
import { restartContainerd } from './restart-containerd.js'
import { makeDirs } from '../make-dirs.js'
import { SetupError } from './setup-error.js'
import { describeChanged, describeUnchanged } from './setup-report.js'
import { resolveSetupTarget } from './setup-target.js'
import { formatUnifiedDiff } from './unified-diff.js'
import { resolveWritePath } from './write-path.js'

export interface SetupOptions {
  snapshotter: ProxySnapshotterName
  // The --config value, or undefined for the default path.
  config: string | undefined
  dryRun: boolean
  force: boolean
  restart: boolean
}

// The uid, environment, programs and clock that setup uses, passed in so
// tests can replace each of them.
export interface SetupEnvironment {
  uid: number
  env: NodeJS.ProcessEnv
  // process.arch
  arch: string
  run: CommandRunner
  now: () => Date
  lock: LockOptions
  writeStdout: (text: string) => void
  log: (line: string) => void
  restartCheckTimeoutMs?: number
  // Tells whether a path exists: systemd's marker directory and the user
  // manager's socket. Defaults to fs.existsSync.
  exists?: (file: string) => boolean
}

export function defaultSetupEnvironment(): SetupEnvironment {
  return {
    uid: process.geteuid?.() ?? 0,
    env: process.env,
    arch: process.arch,
    run: runCommand,
    now: () => new Date(),
    lock: DEFAULT_LOCK_OPTIONS,
    writeStdout: (text) => process.stdout.write(text),
    log: printLine,
  }
}

// Runs `rnerdctl setup` and returns its exit code: 0 when the config is set
// up (now or already), 1 when setup rejects or fails. Every rejection is
// one line on stderr.
export async function runSetup(options: SetupOptions, environment: SetupEnvironment): Promise<number> {
  try {
    await setUp(options, environment)
    return 0
  } catch (error) {
    if (error instanceof SetupError) {
      environment.log(error.message)
      return 1
    }
    // The editor walks tables and arrays recursively; a config nested
    // thousands of levels deep (no real config is) exhausts the stack.
    if (error instanceof RangeError) {
      environment.log(`${options.config ?? 'config.toml'} nests tables or arrays too deeply to edit safely; nothing was changed (add the block by hand: rnerdctl setup ${options.snapshotter} --dry-run shows it for a plain file)`)
      return 1
    }

    const code = (error as NodeJS.ErrnoException).code
    if (typeof code !== 'string') throw error
    environment.log(describeSystemError(error as NodeJS.ErrnoException))
    return 1
  }
}

async function setUp(options: SetupOptions, environment: SetupEnvironment): Promise<void> {
  const { uid, env, exists } = environment
  const target = resolveSetupTarget({ snapshotter: options.snapshotter, configPath: options.config, uid, env, exists })
  const input: ChangeInput = {
    file: resolveConfigFile(target.configPath, options.config),
    target,
    force: options.force,
    command: retryCommand(options),
    arch: environment.arch,
    run: environment.run,
    log: environment.log,
  }

  if (options.dryRun) {
    const change = await computeChange(input)
    if (change.kind === 'unchanged') environment.log(describeUnchanged(target, change.pluginKey))
    else environment.writeStdout(formatDiff(input.file, change))
    return
  }

  makeDirs(path.dirname(input.file))
  const change = await withFileLock(`${input.file}.lock`, () => applyChange(input, environment.now()), environment.lock)
  if (change.kind === 'unchanged') environment.log(describeUnchanged(target, change.pluginKey))
  else environment.log(describeChanged(target, change, change.backup))

  if (options.restart) {
    const pluginKey = change.pluginKey
    await restartContainerd({ target, pluginKey, run: environment.run, exists, checkTimeoutMs: environment.restartCheckTimeoutMs })
    environment.log(`containerd restarted and loaded proxy plugin "${pluginKey}"`)
  }
}

// Reads, plans and writes while the caller holds the lock, so a run that
// waited for another one reads the file that run wrote.
async function applyChange(input: ChangeInput, now: Date): Promise<ConfigChange & { backup: string | null }> {
  const change = await computeChange(input)
  if (change.kind === 'unchanged') return { ...change, backup: null }

  const data = encodeConfigText(change.after, change.original?.bom ?? false)
  const backup = replaceConfigFile({ file: input.file, data, original: change.original, now })
  return { ...change, backup }
}

function formatDiff(file: string, change: Extract<ConfigChange, { kind: 'changed' }>): string {
  return formatUnifiedDiff(change.before, change.edits, { old: change.original === null ? null : file, new: file })
}

// The file to edit, with its symlinks resolved. A directory is rejected
// here: the lock would go beside it (/tmp.lock for /tmp), where the user
// may not write, and the read would fail after the lock was taken.
function resolveConfigFile(configPath: string, option: string | undefined): string {
  const file = resolveWritePath(configPath)
  if (!isDirectory(file)) return file

  const example = path.join(configPath, 'config.toml')
  if (option !== undefined) throw new SetupError(`--config ${option} is a directory: name the file, such as --config ${example}`)
  throw new SetupError(`${configPath} is a directory, not a config file: move it away, or pass --config PATH`)
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory()
  } catch {
    return false
  }
}

function retryCommand(options: SetupOptions): string {
  const config = options.config === undefined ? '' : ` --config ${options.config}`
  return `rnerdctl setup ${options.snapshotter}${config}`
}

// Node's message names the call and the path ("EACCES: permission denied,
// open '/etc/containerd/config.toml'").
function describeSystemError(error: NodeJS.ErrnoException): string {
  if (error.code === 'EACCES' || error.code === 'EPERM') {
    return `${error.message}; run as the owner of that path or as root, or pass --config PATH`
  }
  return error.message
}
