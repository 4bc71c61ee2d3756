// nerdctl's exit status and signals, end to end: rnerdctl exits as the
// stand-in nerdctl exits, dies of the signal it dies of, and forwards the
// signals sent to it while the stand-in runs.
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeEach, expect, it } from 'vitest'

import { isProcessAlive, USER_PATH } from './global-setup.js'
import {
  cleanUpHarness,
  describeE2E,
  getE2E,
  makeRecordDir,
  makeUserTempDir,
  runAsUser,
  startAsUser,
  waitForRecords,
  writeUserFile,
} from './harness.js'
import { clearProductState, runWithStandIn, standInEnvironment } from './product.js'

afterAll(cleanUpHarness)

describeE2E('exit status', () => {
  beforeEach(clearProductState)

  for (const status of [0, 3, 125, 137, 255]) {
    it(`passes status ${status}`, async () => {
      const { result, records } = await runWithStandIn(['ps'], { env: { STANDIN_EXIT: String(status) } })

      expect(records).toHaveLength(1)
      expect(result.signal).toBeNull()
      expect(result.code).toBe(status)
      expect(result.stderr).toBe('')
    })
  }

  it('passes status 3 of run', async () => {
    const { result } = await runWithStandIn(['run', '--rm', 'alpine', 'sh', '-c', 'exit 3'], { env: { STANDIN_EXIT: '3' } })

    expect(result.code).toBe(3)
  })

  it('exits 127 when nerdctl is missing', async () => {
    const result = await runAsUser({ args: ['ps'], env: { XDG_RUNTIME_DIR: getE2E().runtimeDir } })
    const lines = result.stderr.trimEnd().split('\n')

    expect(result.code).toBe(127)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^rnerdctl: nerdctl not found on PATH: /)
    expect(lines[0]).toMatch(/install nerdctl .* or set RNERDCTL_NERDCTL=/)
    expect(result.stdout).toBe('')
  })

  it('exits 127 for a missing RNERDCTL_NERDCTL', async () => {
    const result = await runAsUser({
      args: ['ps'],
      env: { XDG_RUNTIME_DIR: getE2E().runtimeDir, RNERDCTL_NERDCTL: '/nonexistent/bin/nerdctl' },
    })
    const lines = result.stderr.trimEnd().split('\n')

    expect(result.code).toBe(127)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/\/nonexistent\/bin\/nerdctl \(from RNERDCTL_NERDCTL\) not found/)
  })

  it('exits 126 when nerdctl is not executable', async () => {
    const dir = makeUserTempDir()
    const nerdctl = writeUserFile(path.join(dir, 'nerdctl'), '#!/bin/sh\nexit 0\n', 0o644)
    const onPath = await runAsUser({ args: ['ps'], env: { PATH: `${dir}:${USER_PATH}`, XDG_RUNTIME_DIR: getE2E().runtimeDir } })
    const named = await runAsUser({ args: ['ps'], env: { RNERDCTL_NERDCTL: nerdctl, XDG_RUNTIME_DIR: getE2E().runtimeDir } })

    expect(onPath.code).toBe(126)
    expect(onPath.stderr.trimEnd().split('\n')).toEqual([`rnerdctl: ${nerdctl} is not executable (fix: chmod +x ${nerdctl})`])
    expect(named.code).toBe(126)
    expect(named.stderr).toMatch(/is not executable \(fix: chmod \+x /)
  })
})

describeE2E('death by signal', () => {
  beforeEach(clearProductState)

  for (const name of ['TERM', 'KILL', 'PIPE', 'HUP', 'INT', 'USR1', 'ALRM']) {
    it(`dies of SIG${name} as nerdctl did`, async () => {
      const { result, records } = await runWithStandIn(['ps'], { env: { STANDIN_SIGNAL: name } })

      expect(records).toHaveLength(1)
      expect(result.signal).toBe(`SIG${name}`)
      expect(result.code).toBeNull()
    })
  }
})

describeE2E('signals sent to rnerdctl', () => {
  beforeEach(clearProductState)

  // Starts rnerdctl with a sleeping stand-in, sends `signal` once the
  // stand-in has started, and returns how both ended.
  async function signalDuringSleep(signal: NodeJS.Signals, toGroup: boolean) {
    const recordDir = makeRecordDir()
    const child = startAsUser({ args: ['ps'], env: { ...standInEnvironment(recordDir), STANDIN_SLEEP: '30' } })
    const [record] = await waitForRecords(recordDir, 1)
    // The stand-in's shell sets its traps after recording the call.
    await sleep(150)

    if (toGroup) child.killGroup(signal)
    else child.kill(signal)

    const result = await child.result
    const standInAlive = isProcessAlive(record!.pid)
    child.killGroup('SIGKILL')
    return { result, standInAlive }
  }

  for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
    it(`forwards ${signal} to nerdctl`, async () => {
      const { result, standInAlive } = await signalDuringSleep(signal, false)

      expect(standInAlive).toBe(false)
      expect(result.signal).toBe(signal)
      expect(result.timedOut).toBe(false)
      expect(result.durationMs).toBeLessThan(5000)
    })
  }

  it('dies of SIGHUP sent to the group', async () => {
    const { result, standInAlive } = await signalDuringSleep('SIGHUP', true)

    expect(standInAlive).toBe(false)
    expect(result.signal).toBe('SIGHUP')
    expect(result.durationMs).toBeLessThan(5000)
  })
})
