// The snapshotter chain, end to end, against the test user's rootless
// containerd: which snapshotter rnerdctl exports, why it skips the others,
// and that containerd can prepare a snapshot with its choice.
import { mkdirSync, rmSync } from 'node:fs'
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest'

import {
  cleanUpHarness,
  describeE2E,
  getE2E,
  makeStaleSocket,
  proxyPluginSockets,
  removeUserPath,
  restartContainerd,
  startListener,
  touchLater,
  withDevFuseMode,
  writeUserFile,
} from './harness.js'
import {
  clearProductState,
  readEnvJson,
  resetContainerd,
  runWithStandIn,
  type CandidateJson,
  type DecisionJson,
  type Variables,
} from './product.js'

afterAll(cleanUpHarness)

// Tests in other files may leave a changed config.toml behind, so this file
// starts from the default one, loaded by a containerd started after it.
beforeAll(resetContainerd)

// Runs `rnerdctl ps` with the stand-in, which prepares and removes a
// snapshot with the CONTAINERD_SNAPSHOTTER it gets when `prepare` is set.
async function runPs(extra: Variables = {}) {
  const { result, calls } = await runWithStandIn(['ps'], { env: extra })
  expect(calls, result.stderr).toHaveLength(1)
  return { result, call: calls[0]!, snapshotter: calls[0]!.env.get('CONTAINERD_SNAPSHOTTER') }
}

async function readDecision(extra: Variables = {}): Promise<DecisionJson> {
  const { decision } = await readEnvJson(['ps'], extra)
  return decision
}

function findCandidate(decision: DecisionJson, name: string): CandidateJson {
  const candidate = decision.candidates.find((entry) => entry.name === name)
  if (candidate === undefined) throw new Error(`no candidate ${name} in ${JSON.stringify(decision.candidates)}`)
  return candidate
}

function countLines(text: string, pattern: RegExp): number {
  return text.split('\n').filter((line) => pattern.test(line)).length
}

describeE2E('snapshotter chain', () => {
  beforeEach(clearProductState)

  it('chooses overlayfs on this kernel', async () => {
    const { result, snapshotter } = await runPs({ STANDIN_PREPARE: '1' })

    expect(snapshotter).toBe('overlayfs')
    expect(result.stderr).toBe('prepared with overlayfs\n')
    expect(result.code).toBe(0)
  })

  it('explains every candidate', async () => {
    const decision = await withDevFuseMode(0o600, () => readDecision())

    expect(decision.snapshotter).toMatchObject({ name: 'overlayfs', source: 'detected' })
    expect(decision.env.CONTAINERD_SNAPSHOTTER).toBe('overlayfs')
    expect(decision.candidates.map((candidate) => candidate.name)).toEqual(['stargz', 'overlayfs', 'fuse-overlayfs', 'native'])
    expect(findCandidate(decision, 'stargz').usable).toBe(false)
    expect(findCandidate(decision, 'stargz').reason).toMatch(/^\/dev\/fuse cannot be opened read-write \(EACCES\)/)
    expect(findCandidate(decision, 'overlayfs')).toMatchObject({ usable: true })
    expect(findCandidate(decision, 'overlayfs').reason).toMatch(/overlay mount in .* succeeded/)
    expect(findCandidate(decision, 'native').usable).toBe(true)
  })

  it('chooses a live stargz', async () => {
    const listener = await startListener('answer', proxyPluginSockets().stargz)
    await restartContainerd()
    const before = listener.connectionCount()
    const { snapshotter } = await withDevFuseMode(0o666, () => runPs())
    const decision = await withDevFuseMode(0o666, () => readDecision())
    await listener.stop()

    expect(snapshotter).toBe('stargz')
    expect(listener.connectionCount()).toBeGreaterThan(before)
    expect(decision.snapshotter).toMatchObject({ name: 'stargz', source: 'detected' })
    expect(findCandidate(decision, 'stargz').reason).toContain('answers HTTP/2')
  })

  it('skips stargz while /dev/fuse is root-only', async () => {
    const listener = await startListener('answer', proxyPluginSockets().stargz)
    const { result, snapshotter } = await withDevFuseMode(0o600, () => runPs({ STANDIN_PREPARE: '1', RNERDCTL_DEBUG: '1' }))
    await listener.stop()

    expect(snapshotter).toBe('overlayfs')
    expect(result.stderr).toMatch(/^rnerdctl: candidate stargz: unusable: \/dev\/fuse cannot be opened read-write/m)
    expect(result.stderr).toMatch(/^prepared with overlayfs$/m)
  })
})

// ---------------------------------------------------------------- dead sockets

describeE2E('dead snapshotter sockets', () => {
  const socketPath = (): string => proxyPluginSockets().stargz

  beforeEach(clearProductState)

  afterEach(() => {
    rmSync(socketPath(), { recursive: true, force: true })
  })

  const cases: { name: string; prepare: () => Promise<unknown>; reason: RegExp }[] = [
    {
      name: 'a stale socket',
      prepare: () => makeStaleSocket(socketPath()),
      reason: /refuses connections \(stale socket: its daemon is gone\)/,
    },
    {
      name: 'a frozen daemon',
      prepare: () => startListener('silent', socketPath()),
      reason: /did not answer within 150 ms/,
    },
    {
      name: 'a daemon resetting connections',
      prepare: () => startListener('reset', socketPath()),
      reason: /reset the connection|closed the connection without answering/,
    },
    {
      name: 'a regular file',
      prepare: async () => writeUserFile(socketPath(), 'not a socket\n'),
      reason: /is not a socket/,
    },
    {
      name: 'a directory',
      prepare: async () => mkdirSync(socketPath(), { recursive: true }),
      reason: /is a directory, not a socket/,
    },
  ]

  for (const { name, prepare, reason } of cases) {
    it(`skips stargz for ${name}`, async () => {
      await prepare()
      const { run, decision } = await withDevFuseMode(0o666, async () => ({
        run: await runPs({ STANDIN_PREPARE: '1', RNERDCTL_DEBUG: '1' }),
        decision: await readDecision(),
      }))
      const stargz = findCandidate(decision, 'stargz')

      expect(run.snapshotter).toBe('overlayfs')
      expect(run.result.stderr).toMatch(/^prepared with overlayfs$/m)
      expect(run.result.code).toBe(0)
      expect(countLines(run.result.stderr, /^rnerdctl: candidate stargz: unusable: /)).toBe(1)
      expect(run.result.stderr).toMatch(new RegExp(`^rnerdctl: candidate stargz: unusable: .*(${reason.source})`, 'm'))
      expect(stargz.usable).toBe(false)
      expect(stargz.reason).toMatch(reason)
      expect(stargz.reason).toContain(socketPath())
    })
  }
})

// ---------------------------------------------------------------- fuse-overlayfs and /dev/fuse

describeE2E('fuse-overlayfs and /dev/fuse', () => {
  beforeEach(clearProductState)

  const chain = { RNERDCTL_SNAPSHOTTERS: 'fuse-overlayfs,native' }

  it('skips fuse-overlayfs with mode 0600', async () => {
    const listener = await startListener('answer', proxyPluginSockets()['fuse-overlayfs'])
    const { run, decision } = await withDevFuseMode(0o600, async () => ({
      run: await runPs({ ...chain, STANDIN_PREPARE: '1' }),
      decision: await readDecision(chain),
    }))
    await listener.stop()

    expect(run.snapshotter).toBe('native')
    expect(run.result.stderr).toBe('prepared with native\n')
    expect(decision.candidates.map((candidate) => candidate.name)).toEqual(['fuse-overlayfs', 'native'])
    expect(findCandidate(decision, 'fuse-overlayfs').usable).toBe(false)
    expect(findCandidate(decision, 'fuse-overlayfs').reason).toMatch(/^\/dev\/fuse cannot be opened read-write \(EACCES\)/)
  })

  it('uses fuse-overlayfs with mode 0666', async () => {
    const listener = await startListener('answer', proxyPluginSockets()['fuse-overlayfs'])
    const { run, decision } = await withDevFuseMode(0o666, async () => ({
      run: await runPs(chain),
      decision: await readDecision(chain),
    }))
    await listener.stop()

    expect(run.snapshotter).toBe('fuse-overlayfs')
    expect(findCandidate(decision, 'fuse-overlayfs').usable).toBe(true)
    expect(findCandidate(decision, 'fuse-overlayfs').reason).toContain(proxyPluginSockets()['fuse-overlayfs'])
  })
})

// ---------------------------------------------------------------- config.toml newer than containerd

describeE2E('config.toml changed after start', () => {
  beforeEach(clearProductState)

  afterAll(resetContainerd)

  it('names the restart command', async () => {
    const listener = await startListener('answer', proxyPluginSockets().stargz)
    await restartContainerd()
    touchLater(getE2E().containerdConfigPath)
    const { run, decision } = await withDevFuseMode(0o666, async () => ({
      run: await runPs({ STANDIN_PREPARE: '1' }),
      decision: await readDecision(),
    }))
    await listener.stop()
    const stargz = findCandidate(decision, 'stargz')

    expect(run.snapshotter).toBe('overlayfs')
    expect(run.result.stderr).toMatch(/^prepared with overlayfs$/m)
    expect(stargz.usable).toBe(false)
    expect(stargz.reason).toContain('changed after containerd started')
    expect(stargz.reason).toContain('restart containerd: stop containerd-rootless.sh')
  })
})

// ---------------------------------------------------------------- chain order

describeE2E('RNERDCTL_SNAPSHOTTERS', () => {
  beforeEach(clearProductState)

  it('follows the given order', async () => {
    const nativeFirst = await runPs({ RNERDCTL_SNAPSHOTTERS: 'native,overlayfs', STANDIN_PREPARE: '1' })
    const overlayFirst = await runPs({ RNERDCTL_SNAPSHOTTERS: 'overlayfs,native', STANDIN_PREPARE: '1' })

    expect(nativeFirst.snapshotter).toBe('native')
    expect(nativeFirst.result.stderr).toMatch(/^prepared with native$/m)
    expect(overlayFirst.snapshotter).toBe('overlayfs')
    expect(overlayFirst.result.stderr).toMatch(/^prepared with overlayfs$/m)
  })

  it('skips an undeclared proxy plugin', async () => {
    const chain = { RNERDCTL_SNAPSHOTTERS: 'zfs-proxy,native' }
    const { snapshotter } = await runPs(chain)
    const decision = await readDecision(chain)

    expect(snapshotter).toBe('native')
    expect(findCandidate(decision, 'zfs-proxy')).toEqual({
      name: 'zfs-proxy',
      usable: false,
      reason: `no proxy plugin "zfs-proxy" in ${getE2E().containerdConfigPath}`,
    })
  })

  it('falls back on an invalid list', async () => {
    const { result, snapshotter } = await runPs({ RNERDCTL_SNAPSHOTTERS: 'overlay fs' })

    expect(snapshotter).toBe('overlayfs')
    expect(result.code).toBe(0)
    expect(countLines(result.stderr, /^rnerdctl: warning: RNERDCTL_SNAPSHOTTERS="overlay fs": invalid snapshotter name/)).toBe(1)
  })

  it('beats the config file', async () => {
    writeUserFile('.config/rnerdctl/config.toml', 'snapshotters = ["native"]\n')
    try {
      const fromFile = await runPs()
      const fromVariable = await runPs({ RNERDCTL_SNAPSHOTTERS: 'overlayfs' })

      expect(fromFile.snapshotter).toBe('native')
      expect(fromVariable.snapshotter).toBe('overlayfs')
    } finally {
      removeUserPath('.config/rnerdctl')
    }
  })
})

// ---------------------------------------------------------------- a change of choice

describeE2E('change of snapshotter', () => {
  beforeEach(clearProductState)

  const changed = /^rnerdctl: warning: snapshotter changed from /

  it('warns once when the choice changes', async () => {
    const first = await runPs()
    const listener = await startListener('answer', proxyPluginSockets().stargz)
    const { second, third } = await withDevFuseMode(0o666, async () => ({ second: await runPs(), third: await runPs() }))
    await listener.stop()
    const fourth = await runPs()

    expect(first.snapshotter).toBe('overlayfs')
    expect(countLines(first.result.stderr, changed)).toBe(0)
    expect(second.snapshotter).toBe('stargz')
    expect(countLines(second.result.stderr, changed)).toBe(1)
    expect(second.result.stderr).toMatch(/snapshotter changed from overlayfs to stargz: .*images unpacked for overlayfs are unpacked again for stargz/)
    expect(third.snapshotter).toBe('stargz')
    expect(countLines(third.result.stderr, changed)).toBe(0)
    expect(fourth.snapshotter).toBe('overlayfs')
    expect(countLines(fourth.result.stderr, changed)).toBe(1)
    expect(fourth.result.stderr).toMatch(/snapshotter changed from stargz to overlayfs: stargz is unusable now \(/)
  })
})
