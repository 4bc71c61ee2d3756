import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import {
  copyStandIn,
  createWorld,
  expectNerdctlRan,
  expectNoStack,
  findProcesses,
  killStandIns,
  listen,
  proxyPluginConfig,
  readRecord,
  SKIP_REASON,
  startRnerdctl,
  waitForRecord,
  writeOwned,
  type Listener,
  type Sandbox,
} from './fixtures/sandbox.js'

// Signals sent to rnerdctl while it works out the environment and while
// nerdctl runs, and the death of either process. Every call runs in a
// session of its own, with no terminal, as a `kill` from another shell
// reaches it. Each test has its own copy of the stand-in, so a scan of
// /proc finds exactly that test's nerdctl processes.

const world = createWorld()
const listeners: Listener[] = []
const standIns: string[] = []

afterEach(async () => {
  for (const listener of listeners.splice(0)) await listener.close()
  for (const file of standIns.splice(0)) killStandIns(file)
})

function prepare(sandbox: Sandbox): string {
  const nerdctl = copyStandIn(sandbox)
  standIns.push(nerdctl)
  return nerdctl
}

// A proxy plugin whose daemon accepts and never responds keeps rnerdctl
// in its 150 ms probe. The signal goes out as soon as the probe connects.
async function startInResolution(sandbox: Sandbox, args: string[]): Promise<ReturnType<typeof startRnerdctl>> {
  const nerdctl = prepare(sandbox)
  const listener = await listen(path.join(sandbox.runtimeDir, 'frozen.sock'), 'silent', sandbox.uid)
  listeners.push(listener)
  writeOwned(sandbox, sandbox.containerdConfig, proxyPluginConfig({ frozen: listener.path }))
  const connected = listener.nextConnection()
  const run = startRnerdctl(sandbox, { args, env: { RNERDCTL_NERDCTL: nerdctl, RNERDCTL_SNAPSHOTTERS: 'frozen,native' } })
  await connected
  return run
}

describe.skipIf(SKIP_REASON !== null)('signal during resolution', () => {
  // No handler is installed before nerdctl starts, so each of these ends
  // rnerdctl by its default action, and nerdctl never starts.
  it.each(['SIGTERM', 'SIGHUP', 'SIGINT'] as const)('%s ends rnerdctl before nerdctl starts', async (signal) => {
    const sandbox = world.sandbox()
    const run = await startInResolution(sandbox, ['ps'])

    process.kill(run.pid, signal)
    const result = await run.result
    await sleep(200)

    expectNoStack(result)
    expect(result.signal).toBe(signal)
    expect(result.durationMs).toBeLessThan(2000)
    expect(readRecord(run.recordPrefix)).toBeNull()
    expect(findProcesses(path.join(sandbox.root, 'bin', 'nerdctl'))).toEqual([])
  })

  // Node ignores SIGPIPE, so the call goes on.
  it('SIGPIPE is ignored', async () => {
    const sandbox = world.sandbox()
    const run = await startInResolution(sandbox, ['ps'])

    process.kill(run.pid, 'SIGPIPE')
    const result = await run.result

    expectNerdctlRan(result, ['ps'])
  })
})

describe.skipIf(SKIP_REASON !== null)('signal while nerdctl runs', () => {
  async function startSleeping(sandbox: Sandbox, seconds: number, closeGraceMs?: number): Promise<{ run: ReturnType<typeof startRnerdctl>; nerdctl: string; childPid: number }> {
    const nerdctl = prepare(sandbox)
    const run = startRnerdctl(sandbox, { args: ['ps'], env: { RNERDCTL_NERDCTL: nerdctl, STANDIN_SLEEP: String(seconds) }, closeGraceMs })
    const record = await waitForRecord(run.recordPrefix)
    return { run, nerdctl, childPid: record.pid }
  }

  // rnerdctl forwards each, nerdctl dies of it, and rnerdctl dies of the
  // same signal. SIGINT and SIGQUIT are forwarded here because rnerdctl
  // is not in a terminal's foreground group.
  it.each(['SIGTERM', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGALRM'] as const)('%s reaches nerdctl', async (signal) => {
    const sandbox = world.sandbox()
    const { run, nerdctl } = await startSleeping(sandbox, 30)

    process.kill(run.pid, signal)
    const result = await run.result

    expectNoStack(result)
    expect(result.signal).toBe(signal)
    expect(result.durationMs).toBeLessThan(5000)
    expect(findProcesses(nerdctl)).toEqual([])
  })

  // A signal to the whole group, as a terminal sends Ctrl-C, reaches
  // nerdctl directly and once more through rnerdctl; it dies once.
  it('SIGINT to the process group', async () => {
    const sandbox = world.sandbox()
    const { run, nerdctl } = await startSleeping(sandbox, 30)

    process.kill(-run.pid, 'SIGINT')
    const result = await run.result

    expect(result.signal).toBe('SIGINT')
    expect(findProcesses(nerdctl)).toEqual([])
  })

  // Neither kills by default: nerdctl sleeps on and its status comes back.
  it.each(['SIGPIPE', 'SIGWINCH'] as const)('%s leaves nerdctl running', async (signal) => {
    const sandbox = world.sandbox()
    const { run } = await startSleeping(sandbox, 1)

    process.kill(run.pid, signal)
    const result = await run.result

    expectNoStack(result)
    expect(result.code).toBe(3)
    expect(result.durationMs).toBeGreaterThanOrEqual(1000)
  })

  it('SIGKILL of nerdctl is never exit 0', async () => {
    const sandbox = world.sandbox()
    const { run, childPid } = await startSleeping(sandbox, 30)

    process.kill(childPid, 'SIGKILL')
    const result = await run.result

    expectNoStack(result)
    expect(result.code).not.toBe(0)
    expect(result.signal).toBe('SIGKILL')
  })

  it('SIGSTOP then SIGKILL of nerdctl', async () => {
    const sandbox = world.sandbox()
    const { run, childPid } = await startSleeping(sandbox, 30)

    process.kill(childPid, 'SIGSTOP')
    await sleep(100)
    process.kill(childPid, 'SIGKILL')
    const result = await run.result

    expect(result.signal).toBe('SIGKILL')
  })

  // Linux gives Node no parent-death signal, so a SIGKILL of rnerdctl
  // leaves nerdctl running; SECURITY.md lists this as a known limit.
  it('SIGKILL of rnerdctl leaves nerdctl running', async () => {
    const sandbox = world.sandbox()
    const { run, nerdctl, childPid } = await startSleeping(sandbox, 30, 100)

    process.kill(run.pid, 'SIGKILL')
    const result = await run.result
    await sleep(100)

    expect(result.signal).toBe('SIGKILL')
    expect(findProcesses(nerdctl)).toEqual([childPid])
  })
})
