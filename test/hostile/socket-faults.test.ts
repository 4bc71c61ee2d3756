import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  createWorld,
  expectNerdctlRan,
  listenUntilTestEnds,
  makeFifo,
  makeOwnedDirs,
  makeStaleSockets,
  proxyPluginConfig,
  recordedText,
  runRnerdctl,
  SKIP_REASON,
  writeOwned,
  type Listener,
  type ListenerMode,
  type RunResult,
  type Sandbox,
} from './fixtures/sandbox.js'

// Daemons that are frozen, broken, gone or replaced by something else at
// their socket path: each costs at most the 150 ms probe budget, the chain
// moves on, and nerdctl runs.

const world = createWorld()
const startListener = listenUntilTestEnds()

function candidateLine(result: RunResult, name: string): string {
  return result.stderrLines.find((line) => line.startsWith(`rnerdctl: candidate ${name}:`)) ?? ''
}

// Runs `ps` with the chain "custom,native", where containerd's config
// points "custom" at `socket`.
async function runWithCustomAt(sandbox: Sandbox, socket: string): Promise<RunResult> {
  writeOwned(sandbox, sandbox.containerdConfig, proxyPluginConfig({ custom: socket }))
  return runRnerdctl(sandbox, { args: ['ps'], env: { RNERDCTL_SNAPSHOTTERS: 'custom,native', RNERDCTL_DEBUG: '1' } })
}

describe.skipIf(SKIP_REASON !== null)('proxy plugin socket', () => {
  it('answering daemon is chosen', async () => {
    const sandbox = world.sandbox()
    const listener = await startListener(path.join(sandbox.runtimeDir, 'custom.sock'), 'answer', sandbox.uid)

    const result = await runWithCustomAt(sandbox, listener.path)

    expect(recordedText(expectNerdctlRan(result, ['ps']), 'CONTAINERD_SNAPSHOTTER')).toBe('custom')
    expect(candidateLine(result, 'custom')).toContain('answers HTTP/2')
  })

  // A reset reaches the probe either before it writes the preface or
  // while it does, so either reason is right.
  const FAULTS: [string, ListenerMode, RegExp][] = [
    ['accepting but never answering', 'silent', /did not answer within 150 ms/],
    ['reset on connect', 'reset', /closed the connection without answering|reset the connection/],
    ['answering HTTP/1.1', 'garbage', /answered, but not with HTTP\/2 SETTINGS/],
  ]

  it.each(FAULTS)('daemon %s is skipped', async (_name, mode, reason) => {
    const sandbox = world.sandbox()
    const listener = await startListener(path.join(sandbox.runtimeDir, 'custom.sock'), mode, sandbox.uid)

    const result = await runWithCustomAt(sandbox, listener.path)

    expect(recordedText(expectNerdctlRan(result, ['ps']), 'CONTAINERD_SNAPSHOTTER')).toBe('native')
    expect(candidateLine(result, 'custom')).toMatch(reason)
    expect(listener.connections).toBe(1)
  })

  const NOT_SOCKETS: [string, (sandbox: Sandbox, file: string) => void, string][] = [
    ['a FIFO', (sandbox, file) => makeFifo(file, sandbox.uid), 'is not a socket'],
    ['a regular file', (sandbox, file) => writeOwned(sandbox, file, 'not a socket'), 'is not a socket'],
    ['a directory', (sandbox, file) => makeOwnedDirs(sandbox, file), 'is a directory, not a socket'],
    ['missing', () => {}, 'does not exist'],
  ]

  it.each(NOT_SOCKETS)('socket path that is %s is skipped', async (_name, place, reason) => {
    const sandbox = world.sandbox()
    const socket = path.join(sandbox.runtimeDir, 'custom.sock')
    place(sandbox, socket)

    const result = await runWithCustomAt(sandbox, socket)

    expect(recordedText(expectNerdctlRan(result, ['ps']), 'CONTAINERD_SNAPSHOTTER')).toBe('native')
    expect(candidateLine(result, 'custom')).toContain(reason)
  })

  it('stale socket is skipped', async () => {
    const sandbox = world.sandbox()
    const [socket] = await makeStaleSockets(sandbox.runtimeDir, 1, sandbox.uid, () => 'custom.sock')

    const result = await runWithCustomAt(sandbox, socket as string)

    expect(recordedText(expectNerdctlRan(result, ['ps']), 'CONTAINERD_SNAPSHOTTER')).toBe('native')
    expect(candidateLine(result, 'custom')).toContain('refuses connections')
  })

  // Probes run in parallel, so 40 frozen daemons cost one probe budget.
  it('40 frozen daemons in the chain', async () => {
    const sandbox = world.sandbox()
    const plugins: Record<string, string> = {}
    for (let i = 0; i < 40; i++) {
      const listener = await startListener(path.join(sandbox.runtimeDir, `frozen-${i}.sock`), 'silent', sandbox.uid)
      plugins[`frozen-${i}`] = listener.path
    }
    writeOwned(sandbox, sandbox.containerdConfig, proxyPluginConfig(plugins))
    const chain = [...Object.keys(plugins), 'native'].join(',')

    const result = await runRnerdctl(sandbox, { args: ['ps'], env: { RNERDCTL_SNAPSHOTTERS: chain } })

    expect(recordedText(expectNerdctlRan(result, ['ps']), 'CONTAINERD_SNAPSHOTTER')).toBe('native')
    expect(result.stderrLines).toEqual([])
    expect(result.durationMs).toBeLessThan(1000)
  })
})

describe.skipIf(SKIP_REASON !== null)('runtime dir full of stale sockets', () => {
  // 5000 stale sockets, among them every well-known name rnerdctl probes:
  // stargz's, bypass4netnsd's and BuildKit's.
  async function fillRuntimeDir(sandbox: Sandbox): Promise<void> {
    const stargzDir = path.join(sandbox.runtimeDir, 'containerd-stargz-grpc')
    for (const dir of [stargzDir, path.join(sandbox.runtimeDir, 'buildkit'), path.join(sandbox.runtimeDir, 'buildkit-default')]) {
      mkdirSync(dir, { mode: 0o700 })
      makeOwnedDirs(sandbox, dir)
    }
    const wellKnown = ['bypass4netnsd.sock', 'buildkit/buildkitd.sock', 'buildkit-default/buildkitd.sock', 'containerd-stargz-grpc/containerd-stargz-grpc.sock', 'containerd-fuse-overlayfs.sock']
    await makeStaleSockets(sandbox.runtimeDir, 5000, sandbox.uid, (i) => wellKnown[i] ?? `stale-${i}.sock`)
    writeOwned(
      sandbox,
      sandbox.containerdConfig,
      proxyPluginConfig({
        stargz: path.join(stargzDir, 'containerd-stargz-grpc.sock'),
        'fuse-overlayfs': path.join(sandbox.runtimeDir, 'containerd-fuse-overlayfs.sock'),
      }),
    )
  }

  it.each([
    ['ps', ['ps']],
    ['run', ['run', '--rm', 'alpine']],
  ])('%s', async (_name, args) => {
    const sandbox = world.sandbox()
    await fillRuntimeDir(sandbox)

    const result = await runRnerdctl(sandbox, { args })

    const record = expectNerdctlRan(result, args)
    expect(result.stderrLines).toEqual([])
    expect(recordedText(record, 'CONTAINERD_SNAPSHOTTER')).not.toMatch(/stargz|fuse/)
  })

  it('build says once how to start BuildKit', async () => {
    const sandbox = world.sandbox()
    await fillRuntimeDir(sandbox)

    const result = await runRnerdctl(sandbox, { args: ['build', '.'] })

    expectNerdctlRan(result, ['build', '.'])
    expect(result.stderrLines).toHaveLength(1)
    expect(result.stderrLines[0]).toContain('no BuildKit daemon answers')
  })
})

describe.skipIf(SKIP_REASON !== null)('bypass4netnsd socket', () => {
  it('that is a FIFO adds nothing', async () => {
    const sandbox = world.sandbox()
    makeFifo(path.join(sandbox.runtimeDir, 'bypass4netnsd.sock'), sandbox.uid)

    const result = await runRnerdctl(sandbox, { args: ['run', 'alpine'] })

    expectNerdctlRan(result, ['run', 'alpine'])
    expect(result.stderrLines).toEqual([])
  })

  it('that is a regular file adds nothing', async () => {
    const sandbox = world.sandbox()
    writeFileSync(path.join(sandbox.runtimeDir, 'bypass4netnsd.sock'), '')

    const result = await runRnerdctl(sandbox, { args: ['create', 'alpine'] })

    expectNerdctlRan(result, ['create', 'alpine'])
  })

  // Control: a socket that accepts is enough for bypass4netns.
  it('that accepts adds the label', async () => {
    const sandbox = world.sandbox()
    await startListener(path.join(sandbox.runtimeDir, 'bypass4netnsd.sock'), 'silent', sandbox.uid)

    const result = await runRnerdctl(sandbox, { args: ['run', 'alpine'] })

    expectNerdctlRan(result, ['run', '--label', 'nerdctl/bypass4netns=true', 'alpine'])
  })
})
