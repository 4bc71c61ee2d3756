// Helpers for end-to-end tests that run as the unprivileged user prepared
// by global-setup.ts, against its real rootless containerd.
//
// The test user, its home, its runtime dir, containerd and /dev/fuse exist
// once per machine. A test that changes them (restartContainerd,
// writeContainerdConfig, withDevFuseMode, writeUserFile, listeners on the
// proxy plugin sockets) must not overlap with another test. Declare such
// tests inside describeE2E, which runs them in order, and run test files
// one at a time (vitest's fileParallelism: false).
//
// Call cleanUpHarness() in afterAll or afterEach: it stops the listeners
// and removes the temporary directories that these helpers created.
import { spawn, type ChildProcess, type IOType, type SpawnOptions } from 'node:child_process'
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, inject } from 'vitest'

import {
  asUser,
  baseUserEnvironment,
  containerdConfigText,
  isProcessAlive,
  startContainerd as startDaemon,
  stopContainerd as stopDaemon,
  proxyPluginAddresses,
  writeOwnedFile,
  type E2EEnvironment,
} from './global-setup.js'

export type { E2EEnvironment }

/** Why the end-to-end tests are skipped on this machine, or null. */
export const e2eSkipReason: string | null = inject('e2eSkipReason')

/** Returns what global setup prepared, and throws when the tests are skipped. */
export function getE2E(): E2EEnvironment {
  const env = inject('e2e')
  if (env === null) {
    throw new Error(`end-to-end environment unavailable: ${e2eSkipReason ?? 'global setup failed'}`)
  }

  return env
}

/**
 * Declares a suite whose tests run in order and need the end-to-end
 * environment. Where it is unavailable, the suite is skipped and its name
 * carries the reason.
 */
export function describeE2E(name: string, body: () => void): void {
  if (e2eSkipReason !== null) {
    describe.skip(`${name} (skipped: ${e2eSkipReason})`, body)
    return
  }

  describe.sequential(name, body)
}

// ---------------------------------------------------------------- running as the user

export interface RunOptions {
  args?: ReadonlyArray<string | Buffer>
  /**
   * Variables added to the test user's HOME, PATH, USER and LOGNAME, where
   * undefined removes one. Nothing else is inherited, so XDG_RUNTIME_DIR is
   * set only when given here.
   */
  env?: Record<string, string | Buffer | undefined>
  /** Working directory, by default the test user's home. */
  cwd?: string
  /** Bytes written to the child's stdin. Without them, stdin is /dev/null. */
  stdin?: string | Buffer
  /** Time limit, default 20 s, after which the process group gets SIGKILL. */
  timeoutMs?: number
  /**
   * argv[0] for the command. The child then starts through Node's uid and
   * gid spawn options instead of setpriv, so it has no supplementary
   * groups. Cannot be combined with Buffer arguments or values.
   */
  argv0?: string
}

export interface RunResult {
  code: number | null
  /** Name of the signal that ended the child, such as 'SIGTERM'. */
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  stdoutBytes: Buffer
  stderrBytes: Buffer
  timedOut: boolean
  durationMs: number
}

export interface RunningChild {
  pid: number
  result: Promise<RunResult>
  /** Sends a signal to the child alone. */
  kill(signal: NodeJS.Signals): void
  /** Sends a signal to the child's process group, as a terminal would. */
  killGroup(signal: NodeJS.Signals): void
}

const DEFAULT_TIMEOUT_MS = 20_000

// Shell variables that rebuild Buffer values start with this prefix.
const BYTES_VARIABLE = 'harness_bytes_'

/** Returns the test user's base environment: HOME, PATH, USER and LOGNAME. */
export function userEnvironment(): Record<string, string> {
  const env = getE2E()
  return baseUserEnvironment(env.user, env.home)
}

function mergeEnvironment(extra: RunOptions['env']): Map<string, string | Buffer> {
  const merged = new Map<string, string | Buffer>(Object.entries(userEnvironment()))
  for (const [name, value] of Object.entries(extra ?? {})) {
    if (name.startsWith(BYTES_VARIABLE)) throw new Error(`variable names starting ${BYTES_VARIABLE} are reserved`)

    if (value === undefined) merged.delete(name)
    else merged.set(name, value)
  }

  return merged
}

function quoteShell(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`
}

// Node encodes arguments and environment values as UTF-8, so raw bytes
// travel inside a /bin/sh script instead: printf rebuilds each Buffer from
// octal escapes, the trailing x keeps final newlines, and exec starts the
// command. dash exports PWD when it starts, so the script unsets it unless
// the caller's environment contains PWD.
function buildExecScript(
  command: string,
  args: ReadonlyArray<string | Buffer>,
  env: Map<string, string | Buffer>,
): string {
  const lines: string[] = []
  let count = 0

  const toWord = (value: string | Buffer): string => {
    if (typeof value === 'string') return quoteShell(value)

    const name = `${BYTES_VARIABLE}${count++}`
    const octal = [...value].map((byte) => `\\${byte.toString(8).padStart(3, '0')}`).join('')
    lines.push(`${name}="$(printf '${octal}x')"`, `${name}="\${${name}%x}"`)
    return `"$${name}"`
  }

  for (const [name, value] of env) {
    if (typeof value !== 'string' || name === 'PWD') lines.push(`export ${name}=${toWord(value)}`)
  }

  if (!env.has('PWD')) lines.push('unset PWD')

  const words = [command, ...args].map(toWord)
  lines.push(`exec ${words.join(' ')}`)
  return lines.join('\n')
}

function stringEntries(env: Map<string, string | Buffer>, skipPwd: boolean): Record<string, string> {
  const entries: Record<string, string> = {}
  for (const [name, value] of env) {
    if (typeof value === 'string' && !(skipPwd && name === 'PWD')) entries[name] = value
  }

  return entries
}

function spawnAsUser(command: string, options: RunOptions): ChildProcess {
  const env = getE2E()
  const merged = mergeEnvironment(options.env)
  const args = options.args ?? []
  const hasBytes = args.some(Buffer.isBuffer) || [...merged.values()].some(Buffer.isBuffer)
  const stdin: IOType = options.stdin === undefined ? 'ignore' : 'pipe'
  const common: SpawnOptions = { cwd: options.cwd ?? env.home, detached: true, stdio: [stdin, 'pipe', 'pipe'] }

  if (options.argv0 !== undefined) {
    if (hasBytes) throw new Error('argv0 cannot be combined with Buffer arguments or values')

    const stringArgs = args as readonly string[]
    const childEnv = stringEntries(merged, false)
    return spawn(command, stringArgs, { ...common, env: childEnv, uid: env.uid, gid: env.gid, argv0: options.argv0 })
  }

  if (hasBytes) {
    const script = buildExecScript(command, args, merged)
    const argv = asUser(env.uid, env.gid, '/bin/sh', ['-c', script])
    return spawn(argv[0]!, argv.slice(1), { ...common, env: stringEntries(merged, true) })
  }

  const argv = asUser(env.uid, env.gid, command, args as readonly string[])
  return spawn(argv[0]!, argv.slice(1), { ...common, env: stringEntries(merged, false) })
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // The group has already exited.
  }
}

function collectResult(child: ChildProcess, timeoutMs: number): Promise<RunResult> {
  const started = Date.now()
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  let timedOut = false

  child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk))
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk))

  const timer = setTimeout(() => {
    timedOut = true
    signalGroup(child.pid!, 'SIGKILL')
  }, timeoutMs)

  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      const stdoutBytes = Buffer.concat(stdout)
      const stderrBytes = Buffer.concat(stderr)
      resolve({
        code,
        signal,
        stdout: stdoutBytes.toString('utf8'),
        stderr: stderrBytes.toString('utf8'),
        stdoutBytes,
        stderrBytes,
        timedOut,
        durationMs: Date.now() - started,
      })
    })
  })
}

/** Starts a command as the test user with a clean environment (see RunOptions). */
export function startCommandAsUser(command: string, options: RunOptions = {}): RunningChild {
  const child = spawnAsUser(command, options)
  if (child.pid === undefined) throw new Error(`cannot start ${command} as the test user`)

  const pid = child.pid
  const result = collectResult(child, options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
  // A child that exits without reading its stdin makes the write fail
  // with EPIPE, which is no error of the harness.
  child.stdin?.on('error', () => {})
  child.stdin?.end(options.stdin)

  return {
    pid,
    result,
    kill: (signal) => child.kill(signal),
    killGroup: (signal) => signalGroup(pid, signal),
  }
}

/** Runs a command as the test user and returns its status and output. */
export function runCommandAsUser(command: string, options: RunOptions = {}): Promise<RunResult> {
  return startCommandAsUser(command, options).result
}

/** Starts `node <repoRoot>/bin/rnerdctl ...args` as the test user. */
export function startAsUser(options: RunOptions = {}): RunningChild {
  const env = getE2E()
  const args = [path.join(env.repoRoot, 'bin', 'rnerdctl'), ...(options.args ?? [])]
  return startCommandAsUser(env.nodePath, { ...options, args })
}

/** Runs `node <repoRoot>/bin/rnerdctl ...args` as the test user. */
export function runAsUser(options: RunOptions = {}): Promise<RunResult> {
  return startAsUser(options).result
}

/** Runs ctr as the test user against its rootless containerd. */
export function runCtr(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const env = getE2E()
  return runCommandAsUser('ctr', { ...options, args: ['--address', env.containerdSocket, ...args] })
}

// ---------------------------------------------------------------- stand-in records

/** One call of the stand-in nerdctl, as test/fixtures/stand-in-nerdctl.c records it. */
export interface StandInRecord {
  /** Call number within the record directory, starting at 1. */
  seq: number
  pid: number
  argv0: string
  /** argv with argv[0] included, decoded as UTF-8. */
  argv: string[]
  /** argv without argv[0]. */
  args: string[]
  argvBytes: Buffer[]
  /** The environment by name. When a name repeats, the last entry wins. */
  env: Map<string, string>
  envBytes: Map<string, Buffer>
  /** Every NAME=value entry in environ order, duplicates included. */
  envEntries: string[]
}

function splitNul(bytes: Buffer): Buffer[] {
  const parts: Buffer[] = []
  let start = 0
  for (let end = bytes.indexOf(0); end !== -1; end = bytes.indexOf(0, start)) {
    parts.push(bytes.subarray(start, end))
    start = end + 1
  }

  return parts
}

function readRecord(dir: string, seq: number): StandInRecord {
  const name = String(seq).padStart(6, '0')
  const argvBytes = splitNul(readFileSync(path.join(dir, `${name}.argv`)))
  const entryBytes = splitNul(readFileSync(path.join(dir, `${name}.env`)))
  const env = new Map<string, string>()
  const envBytes = new Map<string, Buffer>()

  for (const entry of entryBytes) {
    const equals = entry.indexOf(0x3d)
    const key = entry.subarray(0, equals === -1 ? entry.length : equals).toString('utf8')
    const value = equals === -1 ? Buffer.alloc(0) : entry.subarray(equals + 1)
    env.set(key, value.toString('utf8'))
    envBytes.set(key, value)
  }

  const argv = argvBytes.map((bytes) => bytes.toString('utf8'))
  return {
    seq,
    pid: Number(readFileSync(path.join(dir, `${name}.pid`), 'utf8').trim()),
    argv0: argv[0] ?? '',
    argv,
    args: argv.slice(1),
    argvBytes,
    env,
    envBytes,
    envEntries: entryBytes.map((bytes) => bytes.toString('utf8')),
  }
}

/** Reads the complete records in a directory, oldest call first. */
export function readRecords(dir: string): StandInRecord[] {
  return readdirSync(dir)
    .filter((file) => /^\d{6}\.env$/.test(file))
    .map((file) => Number(file.slice(0, 6)))
    .sort((a, b) => a - b)
    .map((seq) => readRecord(dir, seq))
}

/** Waits until the directory contains at least `count` complete records. */
export async function waitForRecords(dir: string, count: number, timeoutMs = 5000): Promise<StandInRecord[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const records = readRecords(dir)
    if (records.length >= count) return records

    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${count} stand-in records in ${dir}`)
    }

    await sleep(20)
  }
}

// ---------------------------------------------------------------- files

const temporaryDirs = new Set<string>()

/** Creates an empty directory in the system temp dir, owned by the test user, mode 0700. */
export function makeUserTempDir(prefix = 'rnerdctl-e2e-'): string {
  const env = getE2E()
  const dir = mkdtempSync(path.join(tmpdir(), prefix))
  chownSync(dir, env.uid, env.gid)
  chmodSync(dir, 0o700)
  temporaryDirs.add(dir)
  return dir
}

/** Creates a directory for STANDIN_RECORD_DIR, writable by the stand-in. */
export function makeRecordDir(): string {
  return makeUserTempDir('rnerdctl-e2e-records-')
}

/** Resolves a path relative to the test user's home. Absolute paths stay as they are. */
export function userPath(relative: string): string {
  return path.resolve(getE2E().home, relative)
}

/**
 * Writes a file owned by the test user, creating missing parent
 * directories owned by the user too, and returns its absolute path.
 * Global setup empties ~/.config, ~/.local and ~/.cache at the start of
 * each run; files elsewhere in the home persist between runs.
 */
export function writeUserFile(file: string, content: string | Buffer, mode = 0o644): string {
  const env = getE2E()
  const target = userPath(file)
  writeOwnedFile(target, content, env.uid, env.gid, mode)
  return target
}

export function removeUserPath(file: string): void {
  rmSync(userPath(file), { recursive: true, force: true })
}

/**
 * Moves a file's mtime (and atime) `seconds` past both now and its current
 * mtime, so that caches keyed by mtime see a change even within the
 * file system's timestamp granularity.
 */
export function touchLater(file: string, seconds = 2): void {
  const target = userPath(file)
  // Whole milliseconds, rounded up, because seconds as a float lose the
  // last digit of the old mtime on the way through utimes().
  const mtime = new Date(Math.ceil(Math.max(Date.now(), statSync(target).mtimeMs) + seconds * 1000))
  utimesSync(target, mtime, mtime)
}

/**
 * Runs `body` with /dev/fuse set to `mode` (such as 0o666, as most
 * distributions ship it, or 0o600, root only), then restores the old mode,
 * also when `body` throws. Changes the host: keep such tests sequential.
 */
export async function withDevFuseMode<T>(mode: number, body: () => T | Promise<T>): Promise<T> {
  const device = '/dev/fuse'
  const original = statSync(device).mode & 0o7777
  chmodSync(device, mode)
  try {
    return await body()
  } finally {
    chmodSync(device, original)
  }
}

// ---------------------------------------------------------------- containerd

/** Returns the config.toml that global setup wrote: both proxy plugins, nothing else. */
export function defaultContainerdConfig(): string {
  return containerdConfigText(getE2E().runtimeDir)
}

/** Writes ~/.config/containerd/config.toml, which containerd reads on restartContainerd(). */
export function writeContainerdConfig(text = defaultContainerdConfig()): void {
  writeUserFile(getE2E().containerdConfigPath, text)
}

/** Stops the test user's containerd and RootlessKit, unless they are stopped already. */
export function stopContainerd(): Promise<void> {
  return stopDaemon(getE2E().rootlessKitStateDir)
}

/** Starts the test user's containerd and waits up to 20 s for its socket. */
export function startContainerd(): Promise<void> {
  return startDaemon(getE2E())
}

/** Stops and starts containerd, for example after writeContainerdConfig(). */
export async function restartContainerd(): Promise<void> {
  await stopContainerd()
  await startContainerd()
}

/** Returns the host paths of the proxy plugin sockets in the default config.toml. */
export function proxyPluginSockets(): { 'fuse-overlayfs': string; stargz: string } {
  return proxyPluginAddresses(getE2E().runtimeDir)
}

// ---------------------------------------------------------------- snapshotter listeners

export type ListenerMode = 'answer' | 'silent' | 'reset'

export interface Listener {
  pid: number
  socketPath: string
  /** Number of connections the listener has accepted so far. */
  connectionCount(): number
  /** Sends SIGTERM and waits for the exit. The listener removes its socket. */
  stop(): Promise<void>
  /** Sends SIGKILL and waits for the exit. The socket file stays behind. */
  crash(): Promise<void>
}

const listeners = new Set<Listener>()

async function waitForChildExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true

  const exited = new Promise<boolean>((resolve) => child.once('exit', () => resolve(true)))
  const timedOut = sleep(timeoutMs).then(() => false)
  return Promise.race([exited, timedOut])
}

function waitForReady(child: ChildProcess, socketPath: string, onLine: (line: string) => void): Promise<void> {
  let stderr = ''
  let buffered = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`timed out after 10 s waiting for the listener on ${socketPath} to print ready: ${stderr}`))
    }, 10_000)

    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8')
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        onLine(line)
        if (line === 'ready') {
          clearTimeout(timer)
          resolve()
        }
      }
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`listener on ${socketPath} exited with ${signal ?? code} before ready: ${stderr}`))
    })
  })
}

/**
 * Starts test/fixtures/snapshotter-listener.mjs as the test user, so the
 * socket is owned by that user, and resolves once it listens.
 *
 * containerd 1.6 dials the proxy plugin sockets itself, so a listener on
 * one of them may count connections that no test made. After a failed
 * dial, containerd backs off for a while. During that time it fails
 * snapshot calls at once and does not dial a listener started since, so
 * call restartContainerd() after startListener() when a test needs the
 * listener to be dialled.
 */
export async function startListener(mode: ListenerMode, socketPath: string): Promise<Listener> {
  const env = getE2E()
  const script = path.join(env.repoRoot, 'test', 'fixtures', 'snapshotter-listener.mjs')
  const argv = asUser(env.uid, env.gid, env.nodePath, [script, mode, socketPath])
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: env.home,
    env: userEnvironment(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let connections = 0

  await waitForReady(child, socketPath, (line) => {
    if (line === 'connection') connections++
  })

  const end = async (signal: NodeJS.Signals): Promise<void> => {
    child.kill(signal)
    if (!(await waitForChildExit(child, 5000))) {
      child.kill('SIGKILL')
      await waitForChildExit(child, 5000)
    }

    listeners.delete(listener)
  }

  const listener: Listener = {
    pid: child.pid!,
    socketPath,
    connectionCount: () => connections,
    stop: () => end('SIGTERM'),
    crash: () => end('SIGKILL'),
  }
  listeners.add(listener)
  return listener
}

/**
 * Leaves a socket file at `socketPath` that nothing listens on, as a
 * snapshotter daemon killed with SIGKILL does. It is owned by the test user.
 */
export async function makeStaleSocket(socketPath: string): Promise<void> {
  const listener = await startListener('answer', socketPath)
  await listener.crash()
  if (isProcessAlive(listener.pid)) throw new Error(`listener ${listener.pid} still runs after SIGKILL`)
}

/** Stops the listeners still running and removes the temporary directories. */
export async function cleanUpHarness(): Promise<void> {
  await Promise.all([...listeners].map((listener) => listener.stop()))

  for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true })
  temporaryDirs.clear()
}
