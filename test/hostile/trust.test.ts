import { spawnSync } from 'node:child_process'
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  CALLER_UID,
  createWorld,
  expectNerdctlRan,
  expectNoStack,
  listenUntilTestEnds,
  listTree,
  OTHER_UID,
  proxyPluginConfig,
  recordedText,
  runRnerdctl,
  SKIP_REASON,
  writeOwned,
  type Listener,
  type RunResult,
  type Sandbox,
} from './fixtures/sandbox.js'

// The trust rules of SECURITY.md, each attacked from the side it guards
// against, and each with a control case that shows the test can fail.

const world = createWorld()
const listenForTest = listenUntilTestEnds()

// Takes the owner before the mode, and the mode defaults to 'answer'.
function startListener(socket: string, owner: number, mode: 'answer' | 'silent' = 'answer'): Promise<Listener> {
  return listenForTest(socket, mode, owner)
}

// A directory in the sandbox root, with the owner and mode given.
function makeDir(sandbox: Sandbox, name: string, owner: number, mode: number): string {
  const dir = path.join(sandbox.root, name)
  mkdirSync(dir, { recursive: true })
  chownSync(dir, owner, owner)
  chmodSync(dir, mode)
  return dir
}

function debugLine(result: RunResult, prefix: string): string {
  return result.stderrLines.find((line) => line.startsWith(`rnerdctl: ${prefix}`)) ?? ''
}

const chain = { RNERDCTL_SNAPSHOTTERS: 'custom,native' }

describe.skipIf(SKIP_REASON !== null)('runtime dir', () => {
  it.each([
    ['owned by another uid', OTHER_UID, 0o700, `is owned by uid ${OTHER_UID}`],
    ['writable by group', CALLER_UID, 0o770, 'is writable by group or others'],
    ['writable by others', CALLER_UID, 0o707, 'is writable by group or others'],
    ['sticky and writable by all', CALLER_UID, 0o1777, 'is writable by group or others'],
  ])('%s is ignored', async (_name, owner, mode, reason) => {
    const sandbox = world.sandbox()
    const dir = makeDir(sandbox, 'bad-run', owner, mode)

    const result = await runRnerdctl(sandbox, { args: ['ps'], env: { XDG_RUNTIME_DIR: dir } })

    const record = expectNerdctlRan(result, ['ps'])
    expect(result.stderrLines[0]).toContain(`ignoring XDG_RUNTIME_DIR=${dir}: it ${reason}`)
    expect(recordedText(record, 'XDG_RUNTIME_DIR')).toBeUndefined()
    expect(existsSync(path.join(dir, 'rnerdctl'))).toBe(false)
  })

  it('relative path is ignored', async () => {
    const sandbox = world.sandbox()

    const result = await runRnerdctl(sandbox, { args: ['ps'], env: { XDG_RUNTIME_DIR: 'run' }, cwd: sandbox.root })

    const record = expectNerdctlRan(result, ['ps'])
    expect(result.stderrLines[0]).toContain('is not an absolute path')
    expect(recordedText(record, 'XDG_RUNTIME_DIR')).toBeUndefined()
  })

  // bypass4netnsd's socket sits in each runtime dir and belongs to the
  // caller: only the dir decides whether it is used.
  async function runWithBypass4netnsd(sandbox: Sandbox, runtimeDir: string, variable: string): Promise<RunResult> {
    await startListener(path.join(runtimeDir, 'bypass4netnsd.sock'), sandbox.uid, 'silent')
    return runRnerdctl(sandbox, { args: ['run', 'alpine'], env: { XDG_RUNTIME_DIR: variable } })
  }

  it('symlink into another user dir is not followed', async () => {
    const sandbox = world.sandbox()
    const foreign = makeDir(sandbox, 'foreign-run', OTHER_UID, 0o755)
    const link = path.join(sandbox.root, 'link-run')
    symlinkSync(foreign, link)

    const result = await runWithBypass4netnsd(sandbox, foreign, link)

    const record = expectNerdctlRan(result, ['run', 'alpine'])
    expect(result.stderrLines[0]).toContain(`ignoring XDG_RUNTIME_DIR=${link}: it is owned by uid ${OTHER_UID}`)
    expect(recordedText(record, 'XDG_RUNTIME_DIR')).toBeUndefined()
    expect(readdirSync(foreign)).toEqual(['bypass4netnsd.sock'])
  })

  it('symlink to own dir is used', async () => {
    const sandbox = world.sandbox()
    const link = path.join(sandbox.root, 'link-run')
    symlinkSync(sandbox.runtimeDir, link)

    const result = await runWithBypass4netnsd(sandbox, sandbox.runtimeDir, link)

    const record = expectNerdctlRan(result, ['run', '--label', 'nerdctl/bypass4netns=true', 'alpine'])
    expect(result.stderrLines).toEqual([])
    expect(recordedText(record, 'XDG_RUNTIME_DIR')).toBe(link)
  })

  it('missing runtime dir is not created', async () => {
    const sandbox = world.sandbox()
    const defaultDir = `/run/user/${sandbox.uid}`
    expect(existsSync(defaultDir)).toBe(false)

    const result = await runRnerdctl(sandbox, { args: ['ps'], env: { XDG_RUNTIME_DIR: undefined } })

    const record = expectNerdctlRan(result, ['ps'])
    expect(result.stderrLines).toHaveLength(1)
    expect(result.stderrLines[0]).toContain('loginctl enable-linger')
    expect(recordedText(record, 'XDG_RUNTIME_DIR')).toBeUndefined()
    expect(existsSync(defaultDir)).toBe(false)
    expect(existsSync(path.join(sandbox.home, '.cache', 'rnerdctl', 'probes.json'))).toBe(true)
  })
})

describe.skipIf(SKIP_REASON !== null)('sockets', () => {
  async function runWithCustomAt(sandbox: Sandbox, socket: string): Promise<RunResult> {
    writeOwned(sandbox, sandbox.containerdConfig, proxyPluginConfig({ custom: socket }))
    return runRnerdctl(sandbox, { args: ['ps'], env: { ...chain, RNERDCTL_DEBUG: '1' } })
  }

  it('own answering socket is used', async () => {
    const sandbox = world.sandbox()
    const listener = await startListener(path.join(sandbox.runtimeDir, 'custom.sock'), sandbox.uid)

    const result = await runWithCustomAt(sandbox, listener.path)

    expect(recordedText(expectNerdctlRan(result, ['ps']), 'CONTAINERD_SNAPSHOTTER')).toBe('custom')
  })

  it('socket of another uid is not used', async () => {
    const sandbox = world.sandbox()
    const listener = await startListener(path.join(sandbox.runtimeDir, 'custom.sock'), OTHER_UID)

    const result = await runWithCustomAt(sandbox, listener.path)

    expect(recordedText(expectNerdctlRan(result, ['ps']), 'CONTAINERD_SNAPSHOTTER')).toBe('native')
    expect(debugLine(result, 'candidate custom')).toContain(`is owned by uid ${OTHER_UID}`)
    expect(listener.connections).toBe(0)
  })

  it('symlink to socket of another uid is not used', async () => {
    const sandbox = world.sandbox()
    const foreign = makeDir(sandbox, 'foreign', OTHER_UID, 0o755)
    const listener = await startListener(path.join(foreign, 'custom.sock'), OTHER_UID)
    const link = path.join(sandbox.runtimeDir, 'custom.sock')
    symlinkSync(listener.path, link)

    const result = await runWithCustomAt(sandbox, link)

    expect(recordedText(expectNerdctlRan(result, ['ps']), 'CONTAINERD_SNAPSHOTTER')).toBe('native')
    expect(debugLine(result, 'candidate custom')).toContain(`is owned by uid ${OTHER_UID}`)
    expect(listener.connections).toBe(0)
  })

  it.each([
    ['owned by another uid', OTHER_UID, 0o755, `owned by uid ${OTHER_UID}`],
    ['writable by all without sticky', CALLER_UID, 0o777, 'which anyone can write to'],
  ])('own socket in dir %s is not used', async (_name, owner, mode, reason) => {
    const sandbox = world.sandbox()
    const dir = makeDir(sandbox, 'shared', owner, mode)
    const listener = await startListener(path.join(dir, 'custom.sock'), sandbox.uid)

    const result = await runWithCustomAt(sandbox, listener.path)

    expect(recordedText(expectNerdctlRan(result, ['ps']), 'CONTAINERD_SNAPSHOTTER')).toBe('native')
    expect(debugLine(result, 'candidate custom')).toContain(reason)
    expect(listener.connections).toBe(0)
  })

  it('own socket in root sticky dir is used', async () => {
    const sandbox = world.sandbox()
    const dir = makeDir(sandbox, 'sticky', 0, 0o1777)
    const listener = await startListener(path.join(dir, 'custom.sock'), sandbox.uid)

    const result = await runWithCustomAt(sandbox, listener.path)

    expect(recordedText(expectNerdctlRan(result, ['ps']), 'CONTAINERD_SNAPSHOTTER')).toBe('custom')
  })

  it('bypass4netnsd socket of another uid is not used', async () => {
    const sandbox = world.sandbox()
    const listener = await startListener(path.join(sandbox.runtimeDir, 'bypass4netnsd.sock'), OTHER_UID, 'silent')

    const result = await runRnerdctl(sandbox, { args: ['run', 'alpine'] })

    expectNerdctlRan(result, ['run', 'alpine'])
    expect(listener.connections).toBe(0)
  })
})

describe.skipIf(SKIP_REASON !== null)('config files', () => {
  // containerd's config declares "custom", whose socket completes the
  // HTTP/2 handshake: the plugin is chosen exactly when the file is trusted.
  async function runWithContainerdConfig(sandbox: Sandbox, owner: number, mode: number, gid = owner): Promise<RunResult> {
    const listener = await startListener(path.join(sandbox.runtimeDir, 'custom.sock'), sandbox.uid)
    writeOwned(sandbox, sandbox.containerdConfig, proxyPluginConfig({ custom: listener.path }), { owner, mode })
    chownSync(sandbox.containerdConfig, owner, gid)
    return runRnerdctl(sandbox, { args: ['ps'], env: chain })
  }

  it('own containerd config is used', async () => {
    const sandbox = world.sandbox()

    const result = await runWithContainerdConfig(sandbox, sandbox.uid, 0o644)

    expect(recordedText(expectNerdctlRan(result, ['ps']), 'CONTAINERD_SNAPSHOTTER')).toBe('custom')
    expect(result.stderrLines).toEqual([])
  })

  it('root-owned containerd config is used', async () => {
    const sandbox = world.sandbox()

    const result = await runWithContainerdConfig(sandbox, 0, 0o644)

    expect(recordedText(expectNerdctlRan(result, ['ps']), 'CONTAINERD_SNAPSHOTTER')).toBe('custom')
  })

  it.each([
    ['owned by another uid', OTHER_UID, 0o644, CALLER_UID, `owned by uid ${OTHER_UID}`],
    ['writable by others', CALLER_UID, 0o646, CALLER_UID, 'writable by others'],
    ['writable by group root', CALLER_UID, 0o664, 0, 'writable by group 0'],
    // uid 1610 has no passwd entry, so it has no private group either.
    ['writable by own gid without passwd entry', CALLER_UID, 0o664, CALLER_UID, `writable by group ${CALLER_UID}`],
  ])('containerd config %s is ignored', async (_name, owner, mode, gid, reason) => {
    const sandbox = world.sandbox()

    const result = await runWithContainerdConfig(sandbox, owner, mode, gid)

    expect(recordedText(expectNerdctlRan(result, ['ps']), 'CONTAINERD_SNAPSHOTTER')).toBe('native')
    expect(result.stderrLines).toHaveLength(1)
    expect(result.stderrLines[0]).toContain(`${sandbox.containerdConfig}: not trusted: it is ${reason}`)
  })

  it.each([
    ['owned by the caller', CALLER_UID, 0o644, true],
    ['owned by another uid', OTHER_UID, 0o644, false],
    ['writable by others', CALLER_UID, 0o666, false],
  ])('own config %s', async (_name, owner, mode, trusted) => {
    const sandbox = world.sandbox()
    writeOwned(sandbox, sandbox.ownConfig, 'debug = true\n', { owner, mode })

    const result = await runRnerdctl(sandbox, { args: ['ps'] })

    expectNerdctlRan(result, ['ps'])
    expect(debugLine(result, 'runtime dir:') !== '').toBe(trusted)
    if (!trusted) expect(result.stderrLines).toEqual([expect.stringContaining(`ignoring ${sandbox.ownConfig}: not trusted`)])
  })

  it('nerdctl.toml of another uid, writable by all, is read', async () => {
    const sandbox = world.sandbox()
    writeOwned(sandbox, sandbox.nerdctlToml, 'snapshotter = "native"\n', { owner: OTHER_UID, mode: 0o666 })

    const result = await runRnerdctl(sandbox, { args: ['ps'] })

    const record = expectNerdctlRan(result, ['ps'])
    expect(result.stderrLines).toEqual([])
    expect(recordedText(record, 'CONTAINERD_SNAPSHOTTER')).toBeUndefined()
  })
})

// The private group rule needs a user whose group has its name and no
// other members: the end-to-end tests' user, when global setup made it.
// These calls use a sandbox of their own, not that user's home or daemon.
const e2eUser = spawnSync('getent', ['passwd', 'rnerdctl-e2e'], { encoding: 'utf8' }).stdout.split(':')
const e2eUid = Number(e2eUser[2])
const e2eGroup = spawnSync('getent', ['group', 'rnerdctl-e2e'], { encoding: 'utf8' }).stdout.trim().split(':')
const hasPrivateGroupUser = e2eUser.length > 3 && e2eGroup[2] === e2eUser[3] && (e2eGroup[3] ?? '') === ''

describe.skipIf(SKIP_REASON !== null || !hasPrivateGroupUser)('private group', () => {
  it.each([
    ['private group', () => e2eUid, true],
    ['group root', () => 0, false],
  ])('group-writable config of the %s', async (_name, gid, trusted) => {
    const sandbox = world.sandbox(e2eUid)
    const listener = await startListener(path.join(sandbox.runtimeDir, 'custom.sock'), e2eUid)
    writeOwned(sandbox, sandbox.containerdConfig, proxyPluginConfig({ custom: listener.path }), { mode: 0o664 })
    chownSync(sandbox.containerdConfig, e2eUid, gid())

    const result = await runRnerdctl(sandbox, { args: ['ps'], env: chain })

    const record = expectNerdctlRan(result, ['ps'])
    expect(recordedText(record, 'CONTAINERD_SNAPSHOTTER')).toBe(trusted ? 'custom' : 'native')
  })
})

describe.skipIf(SKIP_REASON !== null)('nerdctl on PATH', () => {
  // A copy of the stand-in in a fresh dir with the owner and mode given.
  function placeNerdctl(sandbox: Sandbox, name: string, dirOwner: number, dirMode: number, fileOwner = 0): string {
    const dir = makeDir(sandbox, name, dirOwner, dirMode)
    const file = path.join(dir, 'nerdctl')
    copyFileSync(sandbox.world.standIn, file)
    chownSync(file, fileOwner, fileOwner)
    chmodSync(file, 0o755)
    return dir
  }

  const UNTRUSTED: [string, (sandbox: Sandbox) => string][] = [
    ['world-writable dir', (sandbox) => placeNerdctl(sandbox, 'bin-ww', 0, 0o777)],
    ['dir of another uid', (sandbox) => placeNerdctl(sandbox, 'bin-other', OTHER_UID, 0o755)],
    ['file of another uid', (sandbox) => placeNerdctl(sandbox, 'bin-file', 0, 0o755, OTHER_UID)],
    ['world-writable dir of the caller', (sandbox) => placeNerdctl(sandbox, 'bin-own-ww', CALLER_UID, 0o1777)],
  ]

  it.each(UNTRUSTED)('in %s is skipped', async (_name, place) => {
    const sandbox = world.sandbox()
    const bad = place(sandbox)
    const good = placeNerdctl(sandbox, 'bin-good', 0, 0o755)

    const result = await runRnerdctl(sandbox, { args: ['ps'], env: { RNERDCTL_NERDCTL: undefined, PATH: `${bad}:${good}` } })

    const record = expectNerdctlRan(result, ['ps'])
    expect(record.argv[0]?.toString()).toBe(path.join(good, 'nerdctl'))
  })

  it.each(UNTRUSTED)('only in %s gives 126', async (_name, place) => {
    const sandbox = world.sandbox()
    const bad = place(sandbox)

    const result = await runRnerdctl(sandbox, { args: ['ps'], env: { RNERDCTL_NERDCTL: undefined, PATH: bad } })

    expectNoStack(result)
    expect(result.code).toBe(126)
    expect(result.record).toBeNull()
    expect(result.stderrLines).toEqual([expect.stringContaining('refusing to run nerdctl')])
  })

  it('in a root sticky dir is used', async () => {
    const sandbox = world.sandbox()
    const dir = placeNerdctl(sandbox, 'bin-sticky', 0, 0o1777)

    const result = await runRnerdctl(sandbox, { args: ['ps'], env: { RNERDCTL_NERDCTL: undefined, PATH: dir } })

    expect(expectNerdctlRan(result, ['ps']).argv[0]?.toString()).toBe(path.join(dir, 'nerdctl'))
  })

  it('symlink to an untrusted copy is skipped', async () => {
    const sandbox = world.sandbox()
    const bad = placeNerdctl(sandbox, 'bin-ww', 0, 0o777)
    const linkDir = makeDir(sandbox, 'bin-link', 0, 0o755)
    symlinkSync(path.join(bad, 'nerdctl'), path.join(linkDir, 'nerdctl'))

    const result = await runRnerdctl(sandbox, { args: ['ps'], env: { RNERDCTL_NERDCTL: undefined, PATH: linkDir } })

    expect(result.code).toBe(126)
    expect(result.record).toBeNull()
  })

  it('RNERDCTL_NERDCTL that is untrusted gives 126', async () => {
    const sandbox = world.sandbox()
    const bad = placeNerdctl(sandbox, 'bin-ww', 0, 0o777)

    const result = await runRnerdctl(sandbox, { args: ['ps'], env: { RNERDCTL_NERDCTL: path.join(bad, 'nerdctl') } })

    expectNoStack(result)
    expect(result.code).toBe(126)
    expect(result.record).toBeNull()
    expect(result.stderrLines).toEqual([expect.stringContaining('is writable by others')])
  })
})

describe.skipIf(SKIP_REASON !== null)('what rnerdctl writes', () => {
  // Everything a call may create under the sandbox root: the probe cache
  // in the runtime dir (or the cache dir without one) and the last choice
  // in the state dir, with the dirs leading to them.
  const ALLOWED = [/^run\/rnerdctl(\/probes\.json)?$/, /^home\/\.cache(\/rnerdctl(\/probes\.json)?)?$/, /^home\/\.local(\/state(\/rnerdctl(\/last-snapshotter\.json)?)?)?$/]

  // Top-level entries owned by the caller in the shared temp dirs.
  function callerEntriesInSharedDirs(uid: number): string[] {
    return ['/tmp', '/var/tmp', '/dev/shm'].flatMap((dir) =>
      readdirSync(dir)
        .map((name) => path.join(dir, name))
        .filter((entry) => {
          try {
            return statSync(entry).uid === uid
          } catch {
            return false
          }
        }),
    )
  }

  const COMMANDS: [string, (string | Buffer)[], Record<string, string | undefined>][] = [
    ['ps', ['ps'], {}],
    ['run', ['run', '--rm', 'alpine'], {}],
    ['build', ['build', '.'], {}],
    ['env', ['env'], {}],
    ['env --json', ['env', '--json', '--', 'run', 'alpine'], {}],
    ['doctor', ['doctor'], {}],
    ['completion', ['completion', 'bash'], {}],
    ['setup --dry-run', ['setup', 'fuse-overlayfs', '--dry-run'], {}],
    ['non-UTF-8 argument', ['ps', Buffer.from([0xff])], {}],
    ['no runtime dir', ['ps'], { XDG_RUNTIME_DIR: undefined }],
  ]

  it.each(COMMANDS)('%s writes only its own files', async (_name, args, env) => {
    const sandbox = world.sandbox()
    const before = listTree(sandbox.root)
    const sharedBefore = callerEntriesInSharedDirs(sandbox.uid)
    const defaultRuntimeDir = `/run/user/${sandbox.uid}`
    const hadDefault = existsSync(defaultRuntimeDir)

    const result = await runRnerdctl(sandbox, { args, env })

    expectNoStack(result)
    const created = listTree(sandbox.root).filter((entry) => !before.includes(entry))
    expect(created.filter((entry) => !ALLOWED.some((pattern) => pattern.test(entry)))).toEqual([])
    expect(existsSync(defaultRuntimeDir)).toBe(hadDefault)
    expect(callerEntriesInSharedDirs(sandbox.uid)).toEqual(sharedBefore)
    expect(readdirSync(sandbox.tmp)).toEqual([])
  })
})
