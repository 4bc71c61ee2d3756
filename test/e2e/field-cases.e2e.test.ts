// Situations rootless users meet in the field, end to end: a missing or
// foreign runtime dir, no running containerd, a snapshotter the user chose
// already, and a containerd config.toml that is not valid TOML.
import { spawn } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'

import { findCommand, USER_PATH } from './global-setup.js'
import {
  cleanUpHarness,
  describeE2E,
  getE2E,
  makeUserTempDir,
  readRecords,
  removeUserPath,
  restartContainerd,
  startContainerd,
  stopContainerd,
  writeContainerdConfig,
  writeUserFile,
  type RunResult,
  withDevFuseMode,
} from './harness.js'
import {
  clearProductState,
  isProbe,
  readEnvJson,
  resetContainerd,
  runWithStandIn,
  type DecisionJson,
  type Variables,
} from './product.js'

afterAll(cleanUpHarness)

// Tests in other files may leave a changed config.toml behind, so this file
// starts from the default one, loaded by a containerd started after it.
beforeAll(resetContainerd)

// Runs rnerdctl with the stand-in and returns the calls without probes,
// the last one also as `call`.
async function runRnerdctl(args: string[], extra: Variables = {}) {
  const { result, calls } = await runWithStandIn(args, { env: extra })
  return { result, calls, call: calls.at(-1) }
}

async function readDecision(nerdctlArgs: string[], extra: Variables = {}): Promise<DecisionJson> {
  const { result, decision } = await readEnvJson(nerdctlArgs, extra)
  // env prints every warning on stderr too, and nothing else.
  expect(result.stderr).toBe(decision.warnings.map((warning) => `rnerdctl: warning: ${warning}\n`).join(''))
  return decision
}

function stderrLines(result: RunResult): string[] {
  return result.stderr.split('\n').filter((line) => line !== '')
}

describeE2E('runtime dir', () => {
  beforeEach(clearProductState)

  it('exports the default when unset', async () => {
    const env = getE2E()
    const { result, call } = await runRnerdctl(['ps'], { XDG_RUNTIME_DIR: undefined })

    expect(env.uid).not.toBe(1000)
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    expect(call!.env.get('XDG_RUNTIME_DIR')).toBe(`/run/user/${env.uid}`)
    expect(call!.env.get('CONTAINERD_SNAPSHOTTER')).toBe('overlayfs')
  })

  it('reports the default as its source', async () => {
    const decision = await readDecision(['ps'], { XDG_RUNTIME_DIR: undefined })

    expect(decision.runtimeDir).toEqual({ path: `/run/user/${getE2E().uid}`, source: 'default' })
    expect(decision.env.XDG_RUNTIME_DIR).toBe(`/run/user/${getE2E().uid}`)
  })

  it("ignores another user's runtime dir", async () => {
    // mkdtemp as root: owned by root, mode 0700, as a dir left by `su`.
    const foreign = mkdtempSync(path.join(tmpdir(), 'rnerdctl-e2e-foreign-'))
    try {
      const { result, call } = await runRnerdctl(['ps'], { XDG_RUNTIME_DIR: foreign, STANDIN_EXIT: '2' })
      const lines = stderrLines(result)

      expect(result.code).toBe(2)
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/^rnerdctl: warning: ignoring XDG_RUNTIME_DIR=/)
      expect(lines[0]).toContain(`${foreign}: it is owned by uid 0, not ${getE2E().uid}`)
      expect(call!.env.get('XDG_RUNTIME_DIR')).toBe(getE2E().runtimeDir)
    } finally {
      rmSync(foreign, { recursive: true, force: true })
    }
  })

  it('ignores a runtime dir others can write', async () => {
    const shared = makeUserTempDir()
    chmodSync(shared, 0o777)
    const { result, call } = await runRnerdctl(['ps'], { XDG_RUNTIME_DIR: shared })

    expect(result.stderr).toContain(`ignoring XDG_RUNTIME_DIR=${shared}: it is writable by group or others (mode 777)`)
    expect(call!.env.get('XDG_RUNTIME_DIR')).toBe(getE2E().runtimeDir)
  })

  it('prints the warning once per boot', async () => {
    const foreign = mkdtempSync(path.join(tmpdir(), 'rnerdctl-e2e-foreign-'))
    try {
      const first = await runRnerdctl(['ps'], { XDG_RUNTIME_DIR: foreign })
      const second = await runRnerdctl(['ps'], { XDG_RUNTIME_DIR: foreign })

      expect(first.result.stderr).toMatch(/ignoring XDG_RUNTIME_DIR=/)
      expect(second.result.stderr).toBe('')
      expect(second.call!.env.get('XDG_RUNTIME_DIR')).toBe(getE2E().runtimeDir)
    } finally {
      rmSync(foreign, { recursive: true, force: true })
    }
  })
})

// ---------------------------------------------------------------- no runtime dir

// A uid with no passwd entry and no /run/user/<uid>, as a user reached
// through `su` or cron without a login session.
function findUidWithoutRuntimeDir(): number {
  for (let uid = 1700; uid < 2700; uid++) {
    if (!existsSync(`/run/user/${uid}`) && findPasswdEntry(uid) === null) return uid
  }

  throw new Error('no uid from 1700 to 2699 is free of a passwd entry and a runtime dir')
}

function findPasswdEntry(uid: number): string | null {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.split(':')[2] === String(uid))
  return line ?? null
}

// Runs rnerdctl as a bare uid through setpriv, with `home` as HOME.
function runAsBareUid(uid: number, home: string, args: string[], env: Record<string, string>): Promise<RunResult> {
  const e2e = getE2E()
  const setpriv = findCommand('setpriv', USER_PATH) ?? '/usr/bin/setpriv'
  const argv = [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', e2e.nodePath, path.join(e2e.repoRoot, 'bin', 'rnerdctl'), ...args]
  const child = spawn(setpriv, argv, { cwd: home, env: { HOME: home, PATH: USER_PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
  const started = Date.now()
  let timedOut = false

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, 20_000)
    child.once('error', reject)
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      const stdoutBytes = Buffer.concat(stdout)
      const stderrBytes = Buffer.concat(stderr)
      resolve({
        code,
        signal,
        stdout: stdoutBytes.toString(),
        stderr: stderrBytes.toString(),
        stdoutBytes,
        stderrBytes,
        timedOut,
        durationMs: Date.now() - started,
      })
    })
  })
}

describeE2E('no runtime dir at all', () => {
  let uid = -1
  let home = ''
  let recordDir = ''

  beforeEach(() => {
    uid = findUidWithoutRuntimeDir()
    home = mkdtempSync(path.join(tmpdir(), 'rnerdctl-e2e-bare-home-'))
    recordDir = mkdtempSync(path.join(tmpdir(), 'rnerdctl-e2e-bare-records-'))
    chownSync(home, uid, uid)
    chownSync(recordDir, uid, uid)
    return () => {
      rmSync(home, { recursive: true, force: true })
      rmSync(recordDir, { recursive: true, force: true })
    }
  })

  async function runBare(env: Record<string, string>) {
    const result = await runAsBareUid(uid, home, ['ps'], {
      RNERDCTL_NERDCTL: getE2E().nerdctlPath,
      STANDIN_RECORD_DIR: recordDir,
      STANDIN_EXIT: '5',
      ...env,
    })
    const calls = readRecords(recordDir).filter((record) => !isProbe(record))
    return { result, calls }
  }

  it('runs nerdctl and names the fix', async () => {
    const { result, calls } = await runBare({})
    const lines = stderrLines(result)

    expect(existsSync(`/run/user/${uid}`)).toBe(false)
    expect(result.code).toBe(5)
    expect(calls).toHaveLength(1)
    expect(calls[0]!.env.has('XDG_RUNTIME_DIR')).toBe(false)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^rnerdctl: warning: no runtime dir for uid /)
    expect(lines[0]).toContain(`uid ${uid}: /run/user/${uid} does not exist`)
    expect(lines[0]).toContain('loginctl enable-linger')
  })

  it('removes a variable naming no dir', async () => {
    const { result, calls } = await runBare({ XDG_RUNTIME_DIR: `/run/user/${uid}` })

    expect(result.code).toBe(5)
    expect(calls[0]!.env.has('XDG_RUNTIME_DIR')).toBe(false)
    expect(result.stderr).toContain('loginctl enable-linger')
    expect(existsSync(`/run/user/${uid}`)).toBe(false)
  })
})

describeE2E('runtime dir without containerd', () => {
  beforeEach(clearProductState)

  it("passes nerdctl's own failure", async () => {
    await stopContainerd()
    try {
      // With no containerd socket, ctr waits for one: the stand-in gives
      // up after a second with status 124, which is its own status here.
      const { result, call } = await runRnerdctl(['ps'], { STANDIN_PREPARE: '1', STANDIN_PREPARE_TIMEOUT: '1' })
      const status = /ctr snapshots prepare failed .* \(status (\d+)\)/.exec(result.stderr)?.[1]

      expect(existsSync(path.join(getE2E().runtimeDir, 'containerd'))).toBe(true)
      expect(existsSync(path.join(getE2E().runtimeDir, 'containerd-rootless', 'child_pid'))).toBe(false)
      expect(call!.env.get('XDG_RUNTIME_DIR')).toBe(getE2E().runtimeDir)
      expect(status).toBe('124')
      expect(result.code).toBe(124)
      expect(result.stderr).not.toMatch(/prepared with/)
    } finally {
      await startContainerd()
    }
  })
})

// ---------------------------------------------------------------- the user's choice

describeE2E("the user's snapshotter choice", () => {
  beforeEach(clearProductState)

  const flagCases: [string, string[]][] = [
    ['--snapshotter=native', ['--snapshotter=native', 'ps']],
    ['--snapshotter native', ['--snapshotter', 'native', 'ps']],
    ['--storage-driver native', ['--storage-driver', 'native', 'ps']],
    ['the flag after the subcommand', ['images', '--snapshotter=native']],
    ['the flag before the image', ['run', '--rm', '--snapshotter', 'native', 'alpine', 'true']],
  ]

  for (const [name, args] of flagCases) {
    it(`sets none for ${name}`, async () => {
      const { result, call } = await runRnerdctl(args)
      const decision = await readDecision(args)

      expect(result.code).toBe(0)
      expect(call!.args).toEqual(args)
      expect(call!.env.has('CONTAINERD_SNAPSHOTTER')).toBe(false)
      expect(call!.env.get('XDG_RUNTIME_DIR')).toBe(getE2E().runtimeDir)
      expect(decision.snapshotter).toMatchObject({ name: 'native', source: 'flag' })
      expect(decision.env).not.toHaveProperty('CONTAINERD_SNAPSHOTTER')
    })
  }

  it('ignores --snapshotter after the image', async () => {
    const args = ['run', '--rm', 'alpine', '--snapshotter', 'native']
    const { call } = await runRnerdctl(args)

    expect(call!.args).toEqual(args)
    expect(call!.env.get('CONTAINERD_SNAPSHOTTER')).toBe('overlayfs')
  })

  it('keeps an exported CONTAINERD_SNAPSHOTTER', async () => {
    const { result, call } = await runRnerdctl(['ps'], { CONTAINERD_SNAPSHOTTER: 'native', STANDIN_PREPARE: '1' })
    const decision = await readDecision(['ps'], { CONTAINERD_SNAPSHOTTER: 'native' })

    expect(result.stderr).toBe('prepared with native\n')
    expect(call!.env.get('CONTAINERD_SNAPSHOTTER')).toBe('native')
    expect(decision.snapshotter).toMatchObject({ name: 'native', source: 'env' })
    expect(decision.env).not.toHaveProperty('CONTAINERD_SNAPSHOTTER')
  })

  it('removes an empty CONTAINERD_SNAPSHOTTER', async () => {
    const chosen = await runRnerdctl(['--snapshotter=native', 'ps'], { CONTAINERD_SNAPSHOTTER: '' })
    const detected = await runRnerdctl(['ps'], { CONTAINERD_SNAPSHOTTER: '' })

    expect(chosen.call!.env.has('CONTAINERD_SNAPSHOTTER')).toBe(false)
    expect(chosen.call!.envEntries.some((entry) => entry.startsWith('CONTAINERD_SNAPSHOTTER='))).toBe(false)
    expect(detected.call!.env.get('CONTAINERD_SNAPSHOTTER')).toBe('overlayfs')
  })

  it('sets none for nerdctl.toml', async () => {
    const toml = writeUserFile('.config/nerdctl/nerdctl.toml', 'snapshotter = "native"\n')
    try {
      const { call } = await runRnerdctl(['ps'])
      const decision = await readDecision(['ps'])

      expect(call!.env.has('CONTAINERD_SNAPSHOTTER')).toBe(false)
      expect(decision.snapshotter).toMatchObject({ name: 'native', source: 'nerdctl.toml' })
      expect(decision.snapshotter.reason).toContain(toml)
    } finally {
      removeUserPath('.config/nerdctl')
    }
  })

  it('sets none for NERDCTL_TOML', async () => {
    const toml = writeUserFile(path.join(makeUserTempDir(), 'custom.toml'), '# chosen by hand\nsnapshotter = "native" # no overlay here\n')
    const { call } = await runRnerdctl(['ps'], { NERDCTL_TOML: toml })
    const decision = await readDecision(['ps'], { NERDCTL_TOML: toml })

    expect(call!.env.has('CONTAINERD_SNAPSHOTTER')).toBe(false)
    expect(call!.env.get('NERDCTL_TOML')).toBe(toml)
    expect(decision.snapshotter).toMatchObject({ name: 'native', source: 'nerdctl.toml' })
  })

  it('keeps a choice that cannot work', async () => {
    const { result, call } = await runRnerdctl(['--snapshotter', 'stargz', 'ps'], { STANDIN_EXIT: '1' })

    expect(result.code).toBe(1)
    expect(call!.env.has('CONTAINERD_SNAPSHOTTER')).toBe(false)
    expect(result.stderr).toMatch(/warning: snapshotter "stargz" \(.+\) cannot work now: /)
  })
})

// ---------------------------------------------------------------- broken config.toml

describeE2E('invalid config.toml', () => {
  beforeEach(clearProductState)

  afterAll(resetContainerd)

  // Two `[proxy_plugins]` headers, as after pasting the setup tool's
  // fuse-overlayfs and stargz snippets one after the other.
  function pastedTwice(): string {
    const runtimeDir = getE2E().runtimeDir
    return [
      'version = 2',
      '',
      '[proxy_plugins]',
      '  [proxy_plugins."fuse-overlayfs"]',
      '    type = "snapshot"',
      `    address = "${runtimeDir}/containerd-fuse-overlayfs.sock"`,
      '',
      '[proxy_plugins]',
      '  [proxy_plugins."stargz"]',
      '    type = "snapshot"',
      `    address = "${runtimeDir}/containerd-stargz-grpc/containerd-stargz-grpc.sock"`,
      '',
    ].join('\n')
  }

  it('warns once and runs nerdctl', async () => {
    writeContainerdConfig(pastedTwice())
    const configPath = getE2E().containerdConfigPath
    const { result, call } = await runRnerdctl(['ps'], { STANDIN_EXIT: '4', STANDIN_PREPARE: '1' })
    const lines = stderrLines(result)
    const warnings = lines.filter((line) => line.startsWith('rnerdctl:'))

    expect(result.code).toBe(4)
    expect(call!.env.get('CONTAINERD_SNAPSHOTTER')).toBe('overlayfs')
    expect(lines).toContain('prepared with overlayfs')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(new RegExp(`^rnerdctl: warning: ${configPath}:8: invalid TOML`))
  })

  it('counts its proxy plugins unusable', async () => {
    writeContainerdConfig(pastedTwice())
    const decision = await readDecision(['ps'])
    const proxies = decision.candidates.filter((candidate) => ['stargz', 'fuse-overlayfs'].includes(candidate.name))

    expect(proxies).toHaveLength(2)
    for (const candidate of proxies) {
      expect(candidate.usable).toBe(false)
      expect(candidate.reason).toMatch(/invalid TOML/)
    }
    expect(decision.warnings.filter((warning) => warning.includes('invalid TOML'))).toHaveLength(1)
  })

  it('reads end-of-line comments', async () => {
    const runtimeDir = getE2E().runtimeDir
    writeContainerdConfig(
      [
        '# version = 3',
        'version = 2 # containerd 1.x',
        '',
        '[proxy_plugins] # added by hand',
        '  [proxy_plugins."stargz"] # lazy pulling',
        '    type = "snapshot" # a snapshotter',
        `    address = "${runtimeDir}/containerd-stargz-grpc/containerd-stargz-grpc.sock" # the socket`,
        '',
      ].join('\n'),
    )
    await restartContainerd()
    const decision = await withDevFuseMode(0o600, () => readDecision(['ps']))
    const stargz = decision.candidates.find((candidate) => candidate.name === 'stargz')

    const fuseOverlayfs = decision.candidates.find((candidate) => candidate.name === 'fuse-overlayfs')

    expect(decision.warnings).toEqual([])
    // The plugin is declared and loaded, so only /dev/fuse (mode 0600) stops stargz.
    expect(stargz?.usable).toBe(false)
    expect(stargz?.reason).toMatch(/^\/dev\/fuse cannot be opened read-write/)
    expect(fuseOverlayfs?.reason).toBe(`no proxy plugin "fuse-overlayfs" in ${getE2E().containerdConfigPath}`)
  })
})
