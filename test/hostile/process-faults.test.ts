import { spawnSync } from 'node:child_process'
import { chmodSync, chownSync, copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  createWorld,
  expectNerdctlRan,
  expectNoStack,
  listTree,
  makeOwnedDirs,
  recordedVariable,
  runRnerdctl,
  SKIP_REASON,
  TIME_LIMIT_MS,
  writeOwned,
  type Sandbox,
} from './fixtures/sandbox.js'

// A process started the way careless scripts, cron and broken hosts start
// it: no HOME, no PATH, no working directory, closed stdio, huge argv,
// newlines in the environment.

const world = createWorld()

// The XDG dirs in the sandbox, so no call falls back to a real home.
function xdgDirs(sandbox: Sandbox): Record<string, string> {
  return {
    XDG_CONFIG_HOME: path.join(sandbox.home, '.config'),
    XDG_DATA_HOME: path.join(sandbox.home, '.local', 'share'),
    XDG_STATE_HOME: path.join(sandbox.home, '.local', 'state'),
    XDG_CACHE_HOME: path.join(sandbox.home, '.cache'),
  }
}

describe.skipIf(SKIP_REASON !== null)('HOME', () => {
  // A uid without a passwd entry and HOME unset (a container's `--user
  // 1234`, a stripped cron environment) has no home, and os.homedir() and
  // os.userInfo() throw for it. With every XDG variable set, rnerdctl
  // still loads and runs nerdctl.
  it('unset for a uid without passwd entry', async () => {
    const sandbox = world.sandbox()

    const result = await runRnerdctl(sandbox, { args: ['ps'], env: { HOME: undefined, ...xdgDirs(sandbox) } })

    expectNerdctlRan(result, ['ps'])
  })

  // An empty HOME counts as unset, so nothing relative to the working
  // directory is read or written. A checkout's .config/rnerdctl/config.toml
  // with `nerdctl = "/proc/self/cwd/nerdctl"` (owned by the caller, so it
  // passes every trust check) must not get its own program run.
  it('empty does not read the working directory', async () => {
    const sandbox = world.sandbox()
    const project = path.join(sandbox.root, 'project')
    makeOwnedDirs(sandbox, project)
    const planted = path.join(project, 'nerdctl')
    copyFileSync(sandbox.world.standIn, planted)
    chownSync(planted, sandbox.uid, sandbox.uid)
    chmodSync(planted, 0o755)
    writeOwned(sandbox, path.join(project, '.config', 'rnerdctl', 'config.toml'), 'nerdctl = "/proc/self/cwd/nerdctl"\n')
    const trusted = path.join(sandbox.root, 'bin')
    mkdirSync(trusted, { mode: 0o755 })
    copyFileSync(sandbox.world.standIn, path.join(trusted, 'nerdctl'))
    chmodSync(path.join(trusted, 'nerdctl'), 0o755)
    const before = listTree(project)

    const result = await runRnerdctl(sandbox, { args: ['ps'], cwd: project, env: { HOME: '', RNERDCTL_NERDCTL: undefined, PATH: trusted } })

    const record = expectNerdctlRan(result, ['ps'])
    expect(record.argv[0]?.toString()).toBe(path.join(trusted, 'nerdctl'))
    expect(listTree(project)).toEqual(before)
  })

  it.each([
    ['/dev/null', '/dev/null'],
    ['a relative path', 'home'],
    ['a missing dir', '/nonexistent/home'],
  ])('set to %s', async (_name, home) => {
    const sandbox = world.sandbox()

    const result = await runRnerdctl(sandbox, { args: ['ps'], env: { HOME: home }, cwd: sandbox.root })

    expectNerdctlRan(result, ['ps'])
  })

  const e2eUser = spawnSync('getent', ['passwd', 'rnerdctl-e2e'], { encoding: 'utf8' }).stdout.split(':')

  // A uid with a passwd entry gets its home from there; the XDG variables
  // keep every read and write in the sandbox.
  it.runIf(e2eUser.length > 5)('unset for a uid with passwd entry', async () => {
    const sandbox = world.sandbox(Number(e2eUser[2]))

    const result = await runRnerdctl(sandbox, { args: ['ps'], env: { HOME: undefined, ...xdgDirs(sandbox) } })

    expectNerdctlRan(result, ['ps'])
  })
})

describe.skipIf(SKIP_REASON !== null)('PATH', () => {
  it.each([
    ['empty', ''],
    ['unset', undefined],
    ['only relative entries', 'bin:.:'],
  ])('%s', async (_name, value) => {
    const sandbox = world.sandbox()

    const result = await runRnerdctl(sandbox, { args: ['ps'], env: { PATH: value } })

    expectNerdctlRan(result, ['ps'])
  })

  it('empty with a non-UTF-8 argument', async () => {
    const sandbox = world.sandbox()
    const args = ['ps', Buffer.from([0xff])]

    const result = await runRnerdctl(sandbox, { args, env: { PATH: '' } })

    expectNerdctlRan(result, args)
  })
})

describe.skipIf(SKIP_REASON !== null)('working directory', () => {
  function goneDir(sandbox: Sandbox): string {
    const dir = path.join(sandbox.root, 'gone')
    mkdirSync(dir, { mode: 0o755 })
    return dir
  }

  it('deleted, ps', async () => {
    const sandbox = world.sandbox()

    const result = await runRnerdctl(sandbox, { args: ['ps'], cwd: goneDir(sandbox), deleteCwd: true })

    expectNerdctlRan(result, ['ps'])
  })

  // A non-UTF-8 argument sends nerdctl through a bash trampoline, and bash
  // started in a deleted working directory prints "shell-init: error
  // retrieving current directory". nerdctl must run with no such line, so
  // stderr holds only rnerdctl's own lines.
  it('deleted, non-UTF-8 argument', async () => {
    const sandbox = world.sandbox()
    const args = ['ps', Buffer.from([0xfe])]

    const result = await runRnerdctl(sandbox, { args, cwd: goneDir(sandbox), deleteCwd: true })

    expectNerdctlRan(result, args)
  })

  it('deleted, env --json', async () => {
    const sandbox = world.sandbox()

    const result = await runRnerdctl(sandbox, { args: ['env', '--json'], cwd: goneDir(sandbox), deleteCwd: true })

    expectNoStack(result)
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout.toString()).runtimeDir.path).toBe(sandbox.runtimeDir)
  })

  it('deleted, with PATH entries relative to it', async () => {
    const sandbox = world.sandbox()

    const result = await runRnerdctl(sandbox, { args: ['ps'], cwd: goneDir(sandbox), deleteCwd: true, env: { PATH: ':.:bin' } })

    expectNerdctlRan(result, ['ps'])
  })
})

describe.skipIf(SKIP_REASON !== null)('stdio', () => {
  it.each([
    ['stdin', [0]],
    ['stdout', [1]],
    ['stderr', [2]],
    ['all three', [0, 1, 2]],
  ])('%s closed', async (_name, fds) => {
    const sandbox = world.sandbox()

    // A bad value makes rnerdctl print a warning into the closed stderr.
    const result = await runRnerdctl(sandbox, { args: ['ps'], closeFds: fds, env: { RNERDCTL_BYPASS4NETNS: 'maybe' } })

    expectNerdctlRan(result, ['ps'])
  })

  // `rnerdctl ps | head -c0`: nerdctl dies of SIGPIPE on its first write,
  // and rnerdctl dies of the same signal, as a shell would see nerdctl.
  it('stdout a closed pipe while nerdctl writes 64 MB', async () => {
    const sandbox = world.sandbox()

    const result = await runRnerdctl(sandbox, { args: ['ps'], stdout: 'closed-pipe', env: { STANDIN_WRITE: String(64 << 20) } })

    expectNoStack(result)
    expect(result.stderrLines).toEqual([])
    expect(result.signal).toBe('SIGPIPE')
    expect(result.record).not.toBeNull()
    expect(result.durationMs).toBeLessThan(TIME_LIMIT_MS)
  })

  // rnerdctl's own output (the `--help` section after nerdctl's, `env`,
  // `completion`, `doctor`) into a closed pipe (`rnerdctl env | head -c0`)
  // ends quietly or by SIGPIPE, as nerdctl would, never with a Node stack
  // trace for an unhandled EPIPE 'error' event.
  it.each([
    ['--help', ['--help']],
    ['env', ['env']],
    ['env --json', ['env', '--json']],
    ['completion bash', ['completion', 'bash']],
    ['doctor', ['doctor']],
  ])('own output of %s into a closed pipe', async (_name, args) => {
    const sandbox = world.sandbox()

    const result = await runRnerdctl(sandbox, { args, stdout: 'closed-pipe', env: { STANDIN_EXIT: '0' } })

    expect(result.durationMs).toBeLessThan(TIME_LIMIT_MS)
    expectNoStack(result)
  })
})

describe.skipIf(SKIP_REASON !== null)('10000 arguments', () => {
  const numbered = (count: number, make: (i: number) => string): string[] => Array.from({ length: count }, (_, i) => make(i))

  it.each([
    ['ps', ['ps', ...numbered(10_000, (i) => `--filter=name=${i}`)]],
    ['run, flags and container words', ['run', ...numbered(5000, (i) => `-e=V${i}=x`), 'alpine', ...numbered(5000, (i) => `word-${i}`)]],
    ['global flags', [...numbered(10_000, () => '--debug'), 'ps']],
    ['run, all flags', ['run', ...numbered(10_000, (i) => `--label=k${i}=v`)]],
  ])('%s', async (_name, args) => {
    const sandbox = world.sandbox()

    const result = await runRnerdctl(sandbox, { args })

    expectNerdctlRan(result, args)
  })
})

describe.skipIf(SKIP_REASON !== null)('newlines in the environment', () => {
  const values: Record<string, string> = {
    RNERDCTL_SNAPSHOTTERS: 'native\nstargz',
    RNERDCTL_BYPASS4NETNS: 'yes\n',
    RNERDCTL_DEBUG: 'no\nyes',
    RNERDCTL_CONFIG: '/nonexistent\n/config.toml',
    NERDCTL_TOML: '/nonexistent\n/nerdctl.toml',
    CONTAINERD_NAMESPACE: 'a\nb',
    MULTI_LINE: 'line 1\nline 2\n',
  }

  it('every message stays one line and nerdctl gets the values', async () => {
    const sandbox = world.sandbox()

    const result = await runRnerdctl(sandbox, { args: ['ps'], env: values })

    const record = expectNerdctlRan(result, ['ps'])
    expect(result.stderrLines.length).toBeGreaterThan(0)
    for (const [name, value] of Object.entries(values)) expect(recordedVariable(record, name)?.toString()).toBe(value)
  })

  it('XDG_RUNTIME_DIR with a newline is ignored', async () => {
    const sandbox = world.sandbox()

    const result = await runRnerdctl(sandbox, { args: ['ps'], env: { XDG_RUNTIME_DIR: `${sandbox.runtimeDir}\n` } })

    const record = expectNerdctlRan(result, ['ps'])
    expect(result.stderrLines[0]).toContain('ignoring XDG_RUNTIME_DIR=')
    expect(recordedVariable(record, 'XDG_RUNTIME_DIR')).toBeUndefined()
  })

  it('CONTAINERD_SNAPSHOTTER with a newline is the user choice', async () => {
    const sandbox = world.sandbox()

    const result = await runRnerdctl(sandbox, { args: ['ps'], env: { CONTAINERD_SNAPSHOTTER: 'native\n' } })

    const record = expectNerdctlRan(result, ['ps'])
    expect(recordedVariable(record, 'CONTAINERD_SNAPSHOTTER')?.toString()).toBe('native\n')
  })
})

describe.skipIf(SKIP_REASON !== null)('env output for eval', () => {
  // A runtime dir whose name is shell syntax comes back from
  // `eval "$(rnerdctl env)"` as the same string, and runs nothing.
  it('quotes a hostile runtime dir name', async () => {
    const sandbox = world.sandbox()
    const name = `run '$(touch pwned1)' "$(touch pwned2)" \`touch pwned3\` \\ ; touch pwned4\nline`
    const runtimeDir = path.join(sandbox.root, name)
    mkdirSync(runtimeDir, { mode: 0o700 })
    chownSync(runtimeDir, sandbox.uid, sandbox.uid)

    const result = await runRnerdctl(sandbox, { args: ['env'], env: { XDG_RUNTIME_DIR: runtimeDir } })
    expect(result.code).toBe(0)
    const evaluated = spawnSync('sh', ['-c', 'eval "$1"; printf %s "$XDG_RUNTIME_DIR"', 'sh', result.stdout.toString()], { cwd: sandbox.root, encoding: 'utf8', env: {} })

    expect(evaluated.stderr).toBe('')
    expect(evaluated.stdout).toBe(runtimeDir)
    expect(readdirSync(sandbox.root).filter((entry) => entry.startsWith('pwned'))).toEqual([])
  })
})

describe.skipIf(SKIP_REASON !== null)('nerdctl that misbehaves for probes', () => {
  // A `nerdctl run --help` that prints 101 MB must not stop the real
  // command. execa keeps up to 100 MB by default, and a RegExp over that
  // much text can abort V8, so readRunFlags (src/nerdctl-probes.ts) caps
  // the probe's output at 1 MiB (help text is a few kB).
  it('run --help printing 101 MB', async () => {
    const sandbox = world.sandbox()
    const nerdctl = path.join(sandbox.root, 'nerdctl')
    writeFileSync(nerdctl, `#!/bin/sh\n[ "$1 $2" = "run --help" ] && exec head -c 101000000 /dev/zero\nexec ${sandbox.world.standIn} "$@"\n`)
    chmodSync(nerdctl, 0o755)

    const result = await runRnerdctl(sandbox, { args: ['run', 'alpine'], env: { RNERDCTL_NERDCTL: nerdctl } })

    expectNerdctlRan(result, ['run', 'alpine'])
  })
})
