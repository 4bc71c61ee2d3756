// Tests of the end-to-end harness itself: the stand-in nerdctl, the
// snapshotter listeners, the test user's rootless containerd and the file
// helpers. They do not run rnerdctl.
import { lstatSync, readFileSync, rmSync, statSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, describe, expect, it } from 'vitest'

import { findSkipReason, USER_PATH } from './global-setup.js'
import {
  cleanUpHarness,
  defaultContainerdConfig,
  describeE2E,
  getE2E,
  makeRecordDir,
  makeUserTempDir,
  makeStaleSocket,
  proxyPluginSockets,
  readRecords,
  restartContainerd,
  runCommandAsUser,
  runCtr,
  startCommandAsUser,
  startListener,
  touchLater,
  waitForRecords,
  withDevFuseMode,
  writeContainerdConfig,
  writeUserFile,
} from './harness.js'

afterAll(cleanUpHarness)

describe('findSkipReason', () => {
  it('rejects a non-root user', () => {
    expect(findSkipReason(1000, USER_PATH)).toMatch(/must run as root/)
  })

  it('names missing commands', () => {
    const reason = findSkipReason(0, '/nonexistent')
    expect(reason).toMatch(/containerd/)
    expect(reason).toMatch(/rootlesskit/)
    expect(reason).toMatch(/gcc/)
  })
})

/** Runs the stand-in as the test user with its records in a new directory. */
async function runStandIn(env: Record<string, string | Buffer> = {}, args: Array<string | Buffer> = []) {
  const recordDir = makeRecordDir()
  const result = await runCommandAsUser(getE2E().nerdctlPath, {
    args,
    env: { STANDIN_RECORD_DIR: recordDir, ...env },
  })
  return { result, records: readRecords(recordDir) }
}

describeE2E('stand-in nerdctl', () => {
  it('records argv0 found on PATH', async () => {
    const recordDir = makeRecordDir()
    const buildDir = path.dirname(getE2E().nerdctlPath)
    const result = await runCommandAsUser('nerdctl', {
      args: ['ps'],
      env: { PATH: `${buildDir}:${USER_PATH}`, STANDIN_RECORD_DIR: recordDir },
    })

    expect(result.code).toBe(0)
    const [record] = readRecords(recordDir)
    expect(record?.argv0).toBe('nerdctl')
    expect(record?.args).toEqual(['ps'])
  })

  it('records a custom argv0', async () => {
    const recordDir = makeRecordDir()
    const result = await runCommandAsUser(getE2E().nerdctlPath, {
      argv0: '/opt/nerdctl/bin/nerdctl',
      args: ['info'],
      env: { STANDIN_RECORD_DIR: recordDir },
    })

    expect(result.code).toBe(0)
    expect(readRecords(recordDir)[0]?.argv0).toBe('/opt/nerdctl/bin/nerdctl')
  })

  it('records argv and env bytes exactly', async () => {
    const invalidUtf8 = Buffer.from([0x61, 0xff, 0xfe, 0x62])
    const args = ['run', 'two\nlines', '', ' spaced \'quoted\' ', invalidUtf8]
    const { result, records } = await runStandIn({ ODD_VALUE: Buffer.from([0xc3, 0x28, 0x0a]) }, args)

    expect(result.code).toBe(0)
    expect(records).toHaveLength(1)
    const record = records[0]!
    expect(record.argvBytes[0]!.toString()).toBe(getE2E().nerdctlPath)
    expect(record.args.slice(0, 4)).toEqual(['run', 'two\nlines', '', ' spaced \'quoted\' '])
    expect(record.argvBytes[5]).toEqual(invalidUtf8)
    expect(record.argvBytes).toHaveLength(6)
    expect(record.envBytes.get('ODD_VALUE')).toEqual(Buffer.from([0xc3, 0x28, 0x0a]))
    expect([...record.env.keys()].sort()).toEqual(['HOME', 'LOGNAME', 'ODD_VALUE', 'PATH', 'STANDIN_RECORD_DIR', 'USER'])
  })

  it('receives only the clean environment', async () => {
    const { records } = await runStandIn({ XDG_RUNTIME_DIR: getE2E().runtimeDir })
    const env = getE2E()

    expect(records[0]?.envEntries.sort()).toEqual([
      `HOME=${env.home}`,
      `LOGNAME=${env.user}`,
      `PATH=${USER_PATH}`,
      `STANDIN_RECORD_DIR=${records[0]?.env.get('STANDIN_RECORD_DIR')}`,
      `USER=${env.user}`,
      `XDG_RUNTIME_DIR=${env.runtimeDir}`,
    ])
  })

  it('runs as the test user', async () => {
    const env = getE2E()
    const result = await runCommandAsUser('id', { args: ['-u'] })

    expect(result.stdout.trim()).toBe(String(env.uid))
  })

  it('numbers calls in order', async () => {
    const recordDir = makeRecordDir()
    for (const argument of ['first', 'second', 'third']) {
      await runCommandAsUser(getE2E().nerdctlPath, { args: [argument], env: { STANDIN_RECORD_DIR: recordDir } })
    }

    const records = readRecords(recordDir)
    expect(records.map((record) => record.seq)).toEqual([1, 2, 3])
    expect(records.map((record) => record.args[0])).toEqual(['first', 'second', 'third'])
  })

  it('passes the exit status', async () => {
    const { result } = await runStandIn({ STANDIN_EXIT: '7' })

    expect(result.code).toBe(7)
    expect(result.signal).toBeNull()
  })

  it('dies of the requested signal', async () => {
    for (const [requested, expected] of [['TERM', 'SIGTERM'], ['SIGKILL', 'SIGKILL'], ['INT', 'SIGINT']]) {
      const { result } = await runStandIn({ STANDIN_SIGNAL: requested! })

      expect(result.signal, requested).toBe(expected)
      expect(result.code, requested).toBeNull()
    }
  })

  it('prints its version', async () => {
    const { result } = await runStandIn({ STANDIN_VERSION: '1.7.7' }, ['--debug', '--version'])

    expect(result.stdout).toBe('nerdctl version 1.7.7\n')
  })

  it('answers cobra completion', async () => {
    const candidates = 'run\tRun a container\nps\tList containers'
    const withDescriptions = await runStandIn({ STANDIN_COMPLETE: candidates }, ['__complete', ''])
    const withoutDescriptions = await runStandIn(
      { STANDIN_COMPLETE: candidates, STANDIN_COMPLETE_DIRECTIVE: '36' },
      ['__completeNoDesc', ''],
    )

    expect(withDescriptions.result.stdout).toBe(`${candidates}\n:4\n`)
    expect(withoutDescriptions.result.stdout).toBe('run\nps\n:36\n')
  })

  it('copies stdin when asked', async () => {
    const result = await runCommandAsUser(getE2E().nerdctlPath, { env: { STANDIN_CAT: '1' }, stdin: 'piped\n' })

    expect(result.stdout).toBe('piped\n')
  })

  it('dies of a signal while sleeping', async () => {
    const recordDir = makeRecordDir()
    const child = startCommandAsUser(getE2E().nerdctlPath, {
      env: { STANDIN_RECORD_DIR: recordDir, STANDIN_SLEEP: '30' },
    })
    await waitForRecords(recordDir, 1)
    await sleep(100)
    child.kill('SIGTERM')
    const result = await child.result

    expect(result.signal).toBe('SIGTERM')
    expect(result.durationMs).toBeLessThan(5000)
  })

  it('kills the process group on timeout', async () => {
    const result = await runCommandAsUser(getE2E().nerdctlPath, {
      env: { STANDIN_SLEEP: '30' },
      timeoutMs: 300,
    })

    expect(result.timedOut).toBe(true)
    expect(result.signal).toBe('SIGKILL')
  })
})

/** Connects as root and collects what the server sends within `waitMs`. */
async function probeSocket(socketPath: string, send: Buffer, waitMs: number) {
  const socket: Socket = connect(socketPath)
  const received: Buffer[] = []
  let closed = false
  socket.on('data', (chunk) => received.push(chunk))
  socket.on('close', () => (closed = true))
  socket.on('error', () => {})

  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  socket.write(send)
  await sleep(waitMs)
  socket.destroy()
  return { received: Buffer.concat(received), closed }
}

const CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')

describeE2E('snapshotter listeners', () => {
  it('answers the preface with SETTINGS', async () => {
    // A path that containerd does not dial, so that only this client connects.
    const socketPath = path.join(makeUserTempDir(), 'answer.sock')
    const listener = await startListener('answer', socketPath)
    const { received, closed } = await probeSocket(socketPath, CLIENT_PREFACE, 300)
    await listener.stop()

    expect(received).toEqual(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]))
    expect(closed).toBe(false)
    expect(listener.connectionCount()).toBe(1)
  })

  it('stays silent', async () => {
    const socketPath = proxyPluginSockets()['fuse-overlayfs']
    const listener = await startListener('silent', socketPath)
    const { received, closed } = await probeSocket(socketPath, CLIENT_PREFACE, 500)
    await listener.stop()

    expect(received).toHaveLength(0)
    expect(closed).toBe(false)
  })

  it('resets each connection', async () => {
    const socketPath = proxyPluginSockets()['fuse-overlayfs']
    const listener = await startListener('reset', socketPath)
    const { received, closed } = await probeSocket(socketPath, CLIENT_PREFACE, 300)
    await listener.stop()

    expect(received).toHaveLength(0)
    expect(closed).toBe(true)
  })

  it('owns its socket and removes it on stop', async () => {
    const socketPath = proxyPluginSockets()['fuse-overlayfs']
    const listener = await startListener('answer', socketPath)
    const owner = lstatSync(socketPath).uid
    await listener.stop()

    expect(owner).toBe(getE2E().uid)
    expect(() => lstatSync(socketPath)).toThrow(/ENOENT/)
  })

  it('leaves a stale socket', async () => {
    const socketPath = proxyPluginSockets()['fuse-overlayfs']
    await makeStaleSocket(socketPath)

    expect(lstatSync(socketPath).isSocket()).toBe(true)
    expect(lstatSync(socketPath).uid).toBe(getE2E().uid)
    await expect(probeSocket(socketPath, CLIENT_PREFACE, 0)).rejects.toThrow(/ECONNREFUSED/)
    rmSync(socketPath)
  })
})

describeE2E('rootless containerd', () => {
  const prepare = (snapshotter: string | undefined, extra: Record<string, string> = {}) =>
    runCommandAsUser(getE2E().nerdctlPath, {
      env: {
        STANDIN_PREPARE: '1',
        XDG_RUNTIME_DIR: getE2E().runtimeDir,
        ...(snapshotter === undefined ? {} : { CONTAINERD_SNAPSHOTTER: snapshotter }),
        ...extra,
      },
    })

  for (const snapshotter of ['overlayfs', 'native']) {
    it(`prepares a snapshot with ${snapshotter}`, async () => {
      const result = await prepare(snapshotter)

      expect(result.stderr).toBe(`prepared with ${snapshotter}\n`)
      expect(result.code).toBe(0)
    })
  }

  it('fails on an unknown snapshotter', async () => {
    const result = await prepare('no-such-snapshotter')

    expect(result.code).not.toBe(0)
    expect(result.stderr).not.toMatch(/prepared with/)
  })

  it('fails a proxy plugin without listener', async () => {
    const result = await prepare('fuse-overlayfs')

    // containerd's message depends on its last dial of the socket, which
    // earlier tests' listeners changed, so only the outcome is checked.
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/ctr snapshots prepare failed with snapshotter 'fuse-overlayfs'/)
  })

  it('times out a proxy plugin that never serves', async () => {
    // containerd restarts after the listener is up, because after a failed
    // dial it backs off and fails calls at once without dialling again.
    const listener = await startListener('answer', proxyPluginSockets()['fuse-overlayfs'])
    await restartContainerd()
    const result = await prepare('fuse-overlayfs', { STANDIN_PREPARE_TIMEOUT: '2' })
    await listener.stop()

    expect(result.code).toBe(124)
    expect(listener.connectionCount()).toBeGreaterThanOrEqual(1)
  })

  it('fails without XDG_RUNTIME_DIR', async () => {
    const result = await runCommandAsUser(getE2E().nerdctlPath, {
      env: { STANDIN_PREPARE: '1', CONTAINERD_SNAPSHOTTER: 'native' },
    })

    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/XDG_RUNTIME_DIR is not set/)
  })

  it('lists both proxy plugins', async () => {
    const result = await runCtr(['plugins', 'ls'])

    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/io\.containerd\.snapshotter\.v1\s+fuse-overlayfs\s+-\s+ok/)
    expect(result.stdout).toMatch(/io\.containerd\.snapshotter\.v1\s+stargz\s+-\s+ok/)
  })

  it('reads a new config after restart', async () => {
    writeContainerdConfig('version = 2\n')
    try {
      await restartContainerd()
      const withoutProxies = await runCtr(['plugins', 'ls'])

      expect(withoutProxies.stdout).not.toMatch(/fuse-overlayfs/)
      expect((await prepare('native')).code).toBe(0)
    } finally {
      writeContainerdConfig()
      await restartContainerd()
    }

    expect((await runCtr(['plugins', 'ls'])).stdout).toMatch(/fuse-overlayfs/)
  })
})

describeE2E('files and devices', () => {
  it('writes files owned by the user', () => {
    const file = writeUserFile('.cache/rnerdctl-e2e-check/nested/file.txt', 'content\n', 0o600)
    const env = getE2E()

    expect(readFileSync(file, 'utf8')).toBe('content\n')
    expect(statSync(file).uid).toBe(env.uid)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(statSync(path.dirname(file)).uid).toBe(env.uid)
    expect(statSync(path.join(env.home, '.cache', 'rnerdctl-e2e-check')).uid).toBe(env.uid)
  })

  it('moves mtime forward', () => {
    const file = writeUserFile('.cache/rnerdctl-e2e-check/touch.txt', 'x')
    const before = statSync(file).mtimeMs
    touchLater(file, 3)

    expect(statSync(file).mtimeMs).toBeGreaterThanOrEqual(before + 3000)
  })

  it('restores the /dev/fuse mode after a throw', async () => {
    const original = statSync('/dev/fuse').mode & 0o7777
    let inside = -1
    const failing = withDevFuseMode(0o666, () => {
      inside = statSync('/dev/fuse').mode & 0o7777
      throw new Error('expected failure')
    })

    await expect(failing).rejects.toThrow('expected failure')
    expect(inside).toBe(0o666)
    expect(statSync('/dev/fuse').mode & 0o7777).toBe(original)
  })

  it('matches the default config text', () => {
    expect(readFileSync(getE2E().containerdConfigPath, 'utf8')).toBe(defaultContainerdConfig())
  })
})
