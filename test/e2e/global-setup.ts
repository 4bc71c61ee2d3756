// Vitest global setup for the end-to-end tests. It runs once per vitest
// run, as root, and prepares a real rootless containerd for an
// unprivileged test user:
//
// 1. It checks the prerequisites. When one is missing it provides a skip
//    reason, or throws when CI is set, because a skipped end-to-end suite
//    must fail CI.
// 2. It takes a lock, so that test runs started at the same time on one
//    machine take turns with the shared user and daemon.
// 3. It creates the user rnerdctl-e2e (kept between runs) with subordinate
//    ids, clears the user's containerd data and configuration, and creates
//    /run/user/<uid>.
// 4. It builds the stand-in nerdctl and writes containerd's config.toml.
// 5. It starts containerd under RootlessKit as that user.
//
// Teardown stops the daemon, removes the runtime dir and releases the lock.
// Tests read the result with inject('e2e'), through harness.ts. This file
// imports only node: modules, because vitest's own API is not usable here.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import {
  accessSync,
  chmodSync,
  chownSync,
  closeSync,
  constants,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { connect } from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { TestProject } from 'vitest/node'

export interface E2EEnvironment {
  user: string
  uid: number
  gid: number
  home: string
  /** /run/user/<uid>, created for the run and removed at teardown. */
  runtimeDir: string
  /** Checkout as the test user reads it: sourceRoot, or a readable copy. */
  repoRoot: string
  /** Checkout that vitest runs from. */
  sourceRoot: string
  /** Stand-in nerdctl binary, built from test/fixtures/stand-in-nerdctl.c. */
  nerdctlPath: string
  nodePath: string
  containerdSocket: string
  containerdConfigPath: string
  rootlessKitStateDir: string
  containerdLogPath: string
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2e: E2EEnvironment | null
    e2eSkipReason: string | null
  }
}

export const E2E_USER = 'rnerdctl-e2e'

export const USER_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin'

/** Root-owned directory for the daemon's pid file, its log and a repo copy. */
export const STATE_DIR = '/run/rnerdctl-e2e'

const ROOTLESSKIT_PID_FILE = path.join(STATE_DIR, 'rootlesskit.pid')

const LOCK_FILE = '/run/lock/rnerdctl-e2e.lock'

const LOCK_TIMEOUT_SECONDS = 900

const CONTAINERD_START_TIMEOUT_MS = 20_000

const CONTAINERD_STOP_TIMEOUT_MS = 10_000

const REQUIRED_COMMANDS = [
  'containerd',
  'ctr',
  'rootlesskit',
  'newuidmap',
  'newgidmap',
  'runc',
  'unshare',
  'setpriv',
  'flock',
  'gcc',
]

// The first uid tried for a new test user. 1000 is skipped because the
// first human account usually has it, and tests must not pass only because
// the test user's uid happens to be 1000.
const FIRST_TEST_UID = 1001

const SUBORDINATE_ID_COUNT = 65_536

/** Files the test user must be able to read in the checkout. */
const FILES_READ_BY_USER = [
  'package.json',
  'bin/rnerdctl',
  'test/fixtures/stand-in-action.sh',
  'test/fixtures/snapshotter-listener.mjs',
  'test/e2e/inner-containerd.sh',
]

// ---------------------------------------------------------------- checks

/** Returns why the end-to-end tests cannot run here, or null when they can. */
export function findSkipReason(euid: number, searchPath: string): string | null {
  if (euid !== 0) return `global setup must run as root to create a test user (euid is ${euid})`

  const missing = REQUIRED_COMMANDS.filter((command) => findCommand(command, searchPath) === null)
  if (missing.length > 0) {
    return `missing commands: ${missing.join(', ')} (install with: apt-get install containerd rootlesskit uidmap runc util-linux gcc)`
  }

  return null
}

export function findCommand(command: string, searchPath: string): string | null {
  for (const directory of searchPath.split(':')) {
    if (directory === '') continue

    const candidate = path.join(directory, command)
    try {
      accessSync(candidate, constants.X_OK)
      if (statSync(candidate).isFile()) return candidate
    } catch {
      // Not in this directory.
    }
  }

  return null
}

// ---------------------------------------------------------------- user

interface UserAccount {
  uid: number
  gid: number
  home: string
}

function readUser(name: string): UserAccount | null {
  let line: string
  try {
    line = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim()
  } catch {
    return null
  }

  const fields = line.split(':')
  return { uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] ?? '' }
}

function readIds(database: 'passwd' | 'group'): Set<number> {
  const text = execFileSync('getent', [database], { encoding: 'utf8' })
  return new Set(text.split('\n').map((line) => Number(line.split(':')[2])))
}

function findFreeId(): number {
  const uids = readIds('passwd')
  const gids = readIds('group')
  let id = FIRST_TEST_UID
  while (uids.has(id) || gids.has(id)) id++
  return id
}

/** Adds a subordinate id range when the user has none, after every other range. */
function ensureSubordinateIds(name: string, uid: number, file: '/etc/subuid' | '/etc/subgid'): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : ''
  const ranges = text
    .split('\n')
    .filter((line) => line.includes(':'))
    .map((line) => line.split(':'))

  if (ranges.some(([owner]) => owner === name || owner === String(uid))) return

  const ends = ranges.map(([, start, count]) => Number(start) + Number(count)).filter(Number.isFinite)
  const start = Math.max(100_000, ...ends)
  const range = `${start}-${start + SUBORDINATE_ID_COUNT - 1}`
  const flag = file === '/etc/subuid' ? '--add-subuids' : '--add-subgids'
  execFileSync('usermod', [flag, range, name])
}

function ensureUser(name: string): UserAccount {
  if (readUser(name) === null) {
    const id = String(findFreeId())
    execFileSync('useradd', ['--create-home', '--uid', id, '--user-group', '--shell', '/bin/sh', name])
  }

  const account = readUser(name)
  if (account === null) throw new Error(`useradd did not create user ${name}`)

  ensureSubordinateIds(name, account.uid, '/etc/subuid')
  ensureSubordinateIds(name, account.uid, '/etc/subgid')
  return account
}

/** Creates a directory, and its missing parents, owned by the user. */
export function makeOwnedDirectory(directory: string, uid: number, gid: number, mode = 0o755): void {
  const missing: string[] = []
  for (let current = directory; !existsSync(current); current = path.dirname(current)) {
    missing.unshift(current)
  }

  for (const created of missing) {
    mkdirSync(created, { mode })
    chownSync(created, uid, gid)
    chmodSync(created, mode)
  }
}

/** Writes a file owned by the user, creating its parent directories. */
export function writeOwnedFile(file: string, content: string | Buffer, uid: number, gid: number, mode = 0o644): void {
  makeOwnedDirectory(path.dirname(file), uid, gid)
  writeFileSync(file, content, { mode })
  chownSync(file, uid, gid)
  chmodSync(file, mode)
}

// ---------------------------------------------------------------- running as the user

// Resolved once, so that a test may remove PATH from the user's environment.
const SETPRIV = findCommand('setpriv', process.env.PATH ?? USER_PATH) ?? '/usr/bin/setpriv'

/** Returns argv that runs a command through setpriv as the user, with the user's groups. */
export function asUser(uid: number, gid: number, command: string, args: readonly string[]): string[] {
  return [SETPRIV, `--reuid=${uid}`, `--regid=${gid}`, '--init-groups', '--', command, ...args]
}

export function baseUserEnvironment(user: string, home: string): Record<string, string> {
  return { HOME: home, PATH: USER_PATH, USER: user, LOGNAME: user }
}

function canUserRead(account: UserAccount, files: readonly string[]): boolean {
  const script = 'for file; do test -r "$file" || exit 1; done'
  const argv = asUser(account.uid, account.gid, '/bin/sh', ['-c', script, 'sh', ...files])

  try {
    execFileSync(argv[0]!, argv.slice(1), { cwd: '/', stdio: 'ignore', env: { PATH: USER_PATH } })
    return true
  } catch {
    return false
  }
}

function makeReadableByAll(target: string): void {
  const stats = lstatSync(target)
  if (stats.isSymbolicLink()) return

  if (stats.isDirectory()) {
    chmodSync(target, stats.mode | 0o555)
    for (const entry of readdirSync(target)) makeReadableByAll(path.join(target, entry))
    return
  }

  const executable = (stats.mode & 0o100) !== 0
  chmodSync(target, stats.mode | (executable ? 0o555 : 0o444))
}

// The test user must read bin/, dist/ and the fixtures. Other users may be
// unable to read a checkout, for example a CI clone in /root or one made
// with a root umask of 077. Such a checkout is copied to STATE_DIR/repo,
// without .git and node_modules, because widening the permissions of
// directories outside the checkout would change the host. dist/ is
// bundled, so the copy runs without node_modules.
// NOTE: the copy is taken once per run, so in watch mode a rebuilt dist/
// reaches the test user only after vitest restarts.
function findUserRepoRoot(account: UserAccount, sourceRoot: string): string {
  const files = FILES_READ_BY_USER.map((file) => path.join(sourceRoot, file))
  const bundle = path.join(sourceRoot, 'dist')
  if (existsSync(bundle)) files.push(...readdirSync(bundle).map((file) => path.join(bundle, file)))

  if (canUserRead(account, files)) return sourceRoot

  const copy = path.join(STATE_DIR, 'repo')
  const skipped = new Set(['.git', 'node_modules', path.join('test', '.build')])
  rmSync(copy, { recursive: true, force: true })
  cpSync(sourceRoot, copy, {
    recursive: true,
    filter: (source) => !skipped.has(path.relative(sourceRoot, source)),
  })
  makeReadableByAll(copy)
  return copy
}

// ---------------------------------------------------------------- stand-in nerdctl

function buildStandIn(repoRoot: string): string {
  const buildDir = path.join(repoRoot, 'test', '.build')
  const output = path.join(buildDir, 'nerdctl')
  const partial = `${output}.partial`
  const action = path.join(repoRoot, 'test', 'fixtures', 'stand-in-action.sh')
  const source = path.join(repoRoot, 'test', 'fixtures', 'stand-in-nerdctl.c')

  mkdirSync(buildDir, { recursive: true, mode: 0o755 })
  chmodSync(buildDir, 0o755)

  const flags = ['-O2', '-std=c11', '-Wall', '-Wextra', '-Werror']
  execFileSync('gcc', [...flags, `-DSTANDIN_ACTION=${JSON.stringify(action)}`, '-o', partial, source], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  chmodSync(partial, 0o755)
  renameSync(partial, output)
  return output
}

// ---------------------------------------------------------------- containerd

/**
 * Returns the proxy plugin sockets, as host paths, at the places where
 * containerd-rootless-setuptool.sh puts them.
 */
export function proxyPluginAddresses(runtimeDir: string): { 'fuse-overlayfs': string; stargz: string } {
  return {
    'fuse-overlayfs': path.join(runtimeDir, 'containerd-fuse-overlayfs.sock'),
    stargz: path.join(runtimeDir, 'containerd-stargz-grpc', 'containerd-stargz-grpc.sock'),
  }
}

/** Returns a containerd 1.6 config.toml that declares both proxy snapshotters. */
export function containerdConfigText(runtimeDir: string): string {
  const addresses = proxyPluginAddresses(runtimeDir)
  return [
    'version = 2',
    '',
    '[proxy_plugins]',
    '  [proxy_plugins."fuse-overlayfs"]',
    '    type = "snapshot"',
    `    address = "${addresses['fuse-overlayfs']}"`,
    '  [proxy_plugins."stargz"]',
    '    type = "snapshot"',
    `    address = "${addresses.stargz}"`,
    '',
  ].join('\n')
}

export function isProcessAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
    return state !== 'Z' && state !== 'X'
  } catch {
    return false
  }
}

// A pid file left by a run that died may name a process that has since
// reused the number, so only a RootlessKit running inner-containerd.sh is
// signalled.
function isHarnessRootlessKit(pid: number): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
    return path.basename(argv[0] ?? '') === 'rootlesskit' && argv.some((arg) => arg.endsWith('/inner-containerd.sh'))
  } catch {
    return false
  }
}

function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 ? pid : null
  } catch {
    return null
  }
}

function readLogTail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

function canConnect(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

async function waitForSocket(env: E2EEnvironment, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + CONTAINERD_START_TIMEOUT_MS
  let exit: string | null = null
  child.once('exit', (code, signal) => {
    exit = signal ?? `status ${code}`
  })

  while (Date.now() < deadline) {
    if (exit !== null) {
      const tail = readLogTail(env.containerdLogPath)
      throw new Error(`rootlesskit exited with ${exit} before containerd listened on ${env.containerdSocket}\n${tail}`)
    }

    if (await canConnect(env.containerdSocket)) return

    await sleep(20)
  }

  const tail = readLogTail(env.containerdLogPath)
  const seconds = CONTAINERD_START_TIMEOUT_MS / 1000
  throw new Error(`timed out after ${seconds} s waiting for containerd to listen on ${env.containerdSocket}\n${tail}`)
}

/**
 * Starts containerd under RootlessKit as the test user and waits for its
 * socket. The process group id goes to STATE_DIR/rootlesskit.pid, so that
 * stopContainerd works from any vitest process.
 */
export async function startContainerd(env: E2EEnvironment): Promise<void> {
  const rootlessKitArgs = [
    `--state-dir=${env.rootlessKitStateDir}`,
    '--net=host',
    '--copy-up=/etc',
    '--copy-up=/run',
    '--copy-up=/var/lib',
    '--propagation=rslave',
    '/bin/sh',
    path.join(env.repoRoot, 'test', 'e2e', 'inner-containerd.sh'),
  ]
  const argv = asUser(env.uid, env.gid, 'rootlesskit', rootlessKitArgs)
  const log = openSync(env.containerdLogPath, 'a')

  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: env.home,
    env: { ...baseUserEnvironment(env.user, env.home), XDG_RUNTIME_DIR: env.runtimeDir },
    detached: true,
    stdio: ['ignore', log, log],
  })
  closeSync(log)
  child.unref()

  if (child.pid === undefined) throw new Error('cannot start rootlesskit: spawn returned no pid')

  writeFileSync(ROOTLESSKIT_PID_FILE, `${child.pid}\n`)

  try {
    await waitForSocket(env, child)
  } catch (error) {
    await stopContainerd()
    throw error
  }
}

async function waitForExit(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!pids.some(isProcessAlive)) return true

    await sleep(20)
  }

  return !pids.some(isProcessAlive)
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal)
  } catch {
    // The group is already gone.
  }
}

/**
 * Stops the RootlessKit process group started by startContainerd, and
 * containerd with it: SIGTERM, then SIGKILL after 10 s. Does nothing when
 * no daemon runs.
 */
export async function stopContainerd(stateDir?: string): Promise<void> {
  const pgid = readPid(ROOTLESSKIT_PID_FILE)
  if (pgid === null || !isHarnessRootlessKit(pgid)) {
    rmSync(ROOTLESSKIT_PID_FILE, { force: true })
    return
  }

  const childPid = stateDir === undefined ? null : readPid(path.join(stateDir, 'child_pid'))
  const pids = childPid === null ? [pgid] : [pgid, childPid]

  killGroup(pgid, 'SIGTERM')
  if (!(await waitForExit(pids, CONTAINERD_STOP_TIMEOUT_MS))) {
    killGroup(pgid, 'SIGKILL')
    await waitForExit(pids, CONTAINERD_STOP_TIMEOUT_MS)
  }

  rmSync(ROOTLESSKIT_PID_FILE, { force: true })
}

// ---------------------------------------------------------------- lock

/**
 * Takes an exclusive flock(1) on LOCK_FILE. A child process keeps the lock
 * until its stdin closes, which happens when the returned function runs or
 * when this process dies.
 */
async function acquireLock(): Promise<() => void> {
  const script = 'echo locked; exec cat >/dev/null'
  const holder = spawn('flock', ['--exclusive', `--timeout=${LOCK_TIMEOUT_SECONDS}`, LOCK_FILE, 'sh', '-c', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })

  const waiting = setTimeout(() => {
    console.log(`e2e: waiting for another test run to release ${LOCK_FILE}`)
  }, 2000)

  try {
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.once('data', () => resolve())
      holder.once('exit', (code) => reject(new Error(`cannot lock ${LOCK_FILE}: flock exited with status ${code}`)))
      holder.once('error', reject)
    })
  } finally {
    clearTimeout(waiting)
  }

  // Unreferenced, the holder cannot keep vitest alive after a failed run.
  holder.unref()
  ;(holder.stdin as unknown as { unref(): void }).unref()
  ;(holder.stdout as unknown as { unref(): void }).unref()
  return () => holder.stdin!.end()
}

// ---------------------------------------------------------------- setup

function prepareUserState(account: UserAccount, runtimeDir: string, configText: string): void {
  if (account.home === '/' || statSync(account.home).uid !== account.uid) {
    throw new Error(`user ${E2E_USER} has home ${account.home}, which it does not own: remove the user with userdel -r ${E2E_USER}`)
  }

  // Leftovers of an earlier run would change what the product under test
  // finds, so each run starts with empty configuration, data and cache
  // dirs. Other files in the home persist between runs.
  for (const directory of ['.config', '.local', '.cache']) {
    rmSync(path.join(account.home, directory), { recursive: true, force: true })
  }

  rmSync(runtimeDir, { recursive: true, force: true })
  mkdirSync(path.dirname(runtimeDir), { recursive: true, mode: 0o755 })
  mkdirSync(runtimeDir, { mode: 0o700 })
  chownSync(runtimeDir, account.uid, account.gid)
  chmodSync(runtimeDir, 0o700)

  const configPath = path.join(account.home, '.config', 'containerd', 'config.toml')
  writeOwnedFile(configPath, configText, account.uid, account.gid)
}

async function prepareEnvironment(sourceRoot: string): Promise<E2EEnvironment> {
  mkdirSync(STATE_DIR, { recursive: true, mode: 0o755 })
  const account = ensureUser(E2E_USER)
  const runtimeDir = `/run/user/${account.uid}`

  // A run that died before its teardown may have left its daemon running.
  await stopContainerd(path.join(runtimeDir, 'containerd-rootless'))
  prepareUserState(account, runtimeDir, containerdConfigText(runtimeDir))

  const repoRoot = findUserRepoRoot(account, sourceRoot)
  const env: E2EEnvironment = {
    user: E2E_USER,
    ...account,
    runtimeDir,
    repoRoot,
    sourceRoot,
    nerdctlPath: buildStandIn(repoRoot),
    nodePath: process.execPath,
    containerdSocket: path.join(runtimeDir, 'containerd', 'containerd.sock'),
    containerdConfigPath: path.join(account.home, '.config', 'containerd', 'config.toml'),
    rootlessKitStateDir: path.join(runtimeDir, 'containerd-rootless'),
    containerdLogPath: path.join(STATE_DIR, 'containerd.log'),
  }

  writeFileSync(env.containerdLogPath, '')
  await startContainerd(env)
  return env
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const skipReason = findSkipReason(process.geteuid?.() ?? -1, process.env.PATH ?? '')
  if (skipReason !== null && process.env.CI) {
    throw new Error(`end-to-end tests cannot run, and CI is set: ${skipReason}`)
  }

  project.provide('e2eSkipReason', skipReason)
  project.provide('e2e', null)
  if (skipReason !== null) {
    console.warn(`e2e: skipping end-to-end tests: ${skipReason}`)
    return async () => {}
  }

  const started = Date.now()
  const releaseLock = await acquireLock()
  let env: E2EEnvironment
  try {
    env = await prepareEnvironment(project.config.root)
  } catch (error) {
    releaseLock()
    throw error
  }

  project.provide('e2e', env)
  console.log(`e2e: containerd ready for ${env.user} (uid ${env.uid}) in ${Date.now() - started} ms`)

  return async () => {
    await stopContainerd(env.rootlessKitStateDir)
    rmSync(env.runtimeDir, { recursive: true, force: true })
    if (env.repoRoot !== env.sourceRoot) rmSync(env.repoRoot, { recursive: true, force: true })
    releaseLock()
  }
}
