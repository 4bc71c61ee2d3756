import { execFileSync, spawn } from 'node:child_process'
import { chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer, type Socket } from 'node:net'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'

import { distrustSocket, ProbeCanceller, probeSocket, type ProbeOptions } from '../../src/socket-probe.js'
import { IS_ROOT, useTempDirs } from './support/temp-dir.js'

const makeTempDir = useTempDirs()
const UID = process.getuid?.() ?? 0
const OTHER_UID = UID === 1001 ? 1002 : 1001

// The HTTP/2 preface a client sends, and an empty SETTINGS frame: what a
// live gRPC server sends first.
const CLIENT_PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
const SETTINGS_FRAME = Buffer.from([0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00])

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()))
})

// Listens on `socketPath` until the test ends, when the server's side of
// every connection is destroyed too.
async function listen(socketPath: string, onConnection: (socket: Socket) => void): Promise<void> {
  const connections = new Set<Socket>()
  const server = createServer((socket) => {
    connections.add(socket)
    socket.on('close', () => connections.delete(socket))
    socket.on('error', () => {})
    onConnection(socket)
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(socketPath, resolve)
  })
  cleanups.push(async () => {
    for (const socket of connections) socket.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
}

function answerSettings(socket: Socket): void {
  socket.once('data', () => socket.write(SETTINGS_FRAME))
}

function options(overrides: Partial<ProbeOptions> = {}): ProbeOptions {
  return { uid: UID, mode: 'http2', timeoutMs: 1_000, ...overrides }
}

// A socket file whose server died without removing it: a child process
// listens, then is killed with SIGKILL.
async function makeStaleSocket(socketPath: string): Promise<void> {
  const script = "require('node:net').createServer().listen(process.argv[1], () => process.stdout.write('ready'))"
  const child = spawn(process.execPath, ['-e', script, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve())
    child.once('exit', (code) => reject(new Error(`listener exited early with code ${code}`)))
  })

  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
}

describe('probeSocket live servers', () => {
  it('HTTP/2 SETTINGS answer', async () => {
    const socketPath = path.join(makeTempDir(), 'grpc.sock')
    await listen(socketPath, answerSettings)

    expect(await probeSocket(socketPath, options())).toEqual({ alive: true, reason: `${socketPath} answers HTTP/2 (gRPC)` })
  })

  it('sends the client preface', async () => {
    const socketPath = path.join(makeTempDir(), 'grpc.sock')
    let received = Buffer.alloc(0)
    await listen(socketPath, (socket) => {
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk])
        if (received.length >= CLIENT_PREFACE.length + 9) socket.write(SETTINGS_FRAME)
      })
    })
    await probeSocket(socketPath, options())

    expect(received.subarray(0, CLIENT_PREFACE.length).toString('latin1')).toBe(CLIENT_PREFACE)
    expect(received.subarray(CLIENT_PREFACE.length)).toEqual(SETTINGS_FRAME)
  })

  it('SETTINGS sent before the preface', async () => {
    const socketPath = path.join(makeTempDir(), 'grpc.sock')
    await listen(socketPath, (socket) => socket.write(SETTINGS_FRAME))

    expect((await probeSocket(socketPath, options())).alive).toBe(true)
  })

  it('SETTINGS in two pieces', async () => {
    const socketPath = path.join(makeTempDir(), 'grpc.sock')
    await listen(socketPath, (socket) => {
      socket.once('data', () => {
        socket.write(SETTINGS_FRAME.subarray(0, 4))
        setTimeout(() => socket.write(SETTINGS_FRAME.subarray(4)), 30)
      })
    })

    expect((await probeSocket(socketPath, options())).alive).toBe(true)
  })

  it('silent server times out', async () => {
    const socketPath = path.join(makeTempDir(), 'frozen.sock')
    await listen(socketPath, () => {})
    const started = Date.now()
    const verdict = await probeSocket(socketPath, options({ timeoutMs: 200 }))
    const elapsed = Date.now() - started

    expect(verdict).toEqual({ alive: false, reason: `${socketPath} did not answer within 200 ms (daemon stopped or hung?)` })
    expect(elapsed).toBeGreaterThanOrEqual(150)
    expect(elapsed).toBeLessThan(1_500)
  })

  it('silent server accepted in connect mode', async () => {
    const socketPath = path.join(makeTempDir(), 'bypass4netnsd.sock')
    await listen(socketPath, () => {})

    expect(await probeSocket(socketPath, options({ mode: 'connect' }))).toEqual({ alive: true, reason: `${socketPath} accepts connections` })
  })

  it('HTTP/1.1 answer', async () => {
    const socketPath = path.join(makeTempDir(), 'http.sock')
    await listen(socketPath, (socket) => socket.once('data', () => socket.write('HTTP/1.1 400 Bad Request\r\n\r\n')))

    expect(await probeSocket(socketPath, options())).toEqual({ alive: false, reason: `${socketPath} answered, but not with HTTP/2 SETTINGS` })
  })

  it('connection destroyed', async () => {
    const socketPath = path.join(makeTempDir(), 'rude.sock')
    await listen(socketPath, (socket) => socket.destroy())
    const verdict = await probeSocket(socketPath, options())

    expect(verdict.alive).toBe(false)
    expect(verdict.reason).toMatch(new RegExp(`^${socketPath} (closed the connection without answering|reset the connection)$`))
  })

  it('short answer, then end', async () => {
    const socketPath = path.join(makeTempDir(), 'short.sock')
    await listen(socketPath, (socket) => socket.once('data', () => socket.end(SETTINGS_FRAME.subarray(0, 4))))

    expect(await probeSocket(socketPath, options())).toEqual({ alive: false, reason: `${socketPath} closed the connection without answering` })
  })

  it('symlink to a socket', async () => {
    const dir = makeTempDir()
    const socketPath = path.join(dir, 'grpc.sock')
    await listen(socketPath, answerSettings)
    const link = path.join(dir, 'link.sock')
    symlinkSync(socketPath, link)

    expect((await probeSocket(link, options())).alive).toBe(true)
  })

  it('sticky world-writable dir trusted', async () => {
    const dir = path.join(makeTempDir(), 'shared')
    mkdirSync(dir)
    chmodSync(dir, 0o1777)
    const socketPath = path.join(dir, 'grpc.sock')
    await listen(socketPath, answerSettings)

    expect((await probeSocket(socketPath, options())).alive).toBe(true)
  })
})

describe('probeSocket dead paths', () => {
  it.each([['http2' as const], ['connect' as const]])('stale socket, %s mode', async (mode) => {
    const socketPath = path.join(makeTempDir(), 'stale.sock')
    await makeStaleSocket(socketPath)

    expect(await probeSocket(socketPath, options({ mode }))).toEqual({
      alive: false,
      reason: `${socketPath} refuses connections (stale socket: its daemon is gone)`,
    })
  })

  it('regular file', async () => {
    const file = path.join(makeTempDir(), 'file.sock')
    writeFileSync(file, '')

    expect(await probeSocket(file, options())).toEqual({ alive: false, reason: `${file} is not a socket` })
  })

  it('directory', async () => {
    const dir = path.join(makeTempDir(), 'dir.sock')
    mkdirSync(dir)

    expect(await probeSocket(dir, options())).toEqual({ alive: false, reason: `${dir} is a directory, not a socket` })
  })

  it('FIFO', async () => {
    const fifo = path.join(makeTempDir(), 'fifo.sock')
    execFileSync('mkfifo', [fifo])

    expect(await probeSocket(fifo, options())).toEqual({ alive: false, reason: `${fifo} is not a socket` })
  })

  it('missing path', async () => {
    const missing = path.join(makeTempDir(), 'absent.sock')

    expect(await probeSocket(missing, options())).toEqual({ alive: false, reason: `${missing} does not exist` })
  })

  it('path under a file', async () => {
    const file = path.join(makeTempDir(), 'file')
    writeFileSync(file, '')
    const socketPath = path.join(file, 'x.sock')

    expect(await probeSocket(socketPath, options())).toEqual({ alive: false, reason: `${socketPath} cannot be checked (ENOTDIR)` })
  })
})

describe('probeSocket ownership', () => {
  it.skipIf(!IS_ROOT)('socket owned by another uid', async () => {
    const socketPath = path.join(makeTempDir(), 'grpc.sock')
    await listen(socketPath, answerSettings)
    chownSync(socketPath, OTHER_UID, OTHER_UID)

    expect(await probeSocket(socketPath, options())).toEqual({ alive: false, reason: `${socketPath} is owned by uid ${OTHER_UID}, not ${UID}` })
  })

  it('caller is another uid', async () => {
    const socketPath = path.join(makeTempDir(), 'grpc.sock')
    await listen(socketPath, answerSettings)

    expect(await probeSocket(socketPath, options({ uid: OTHER_UID }))).toEqual({
      alive: false,
      reason: `${socketPath} is owned by uid ${UID}, not ${OTHER_UID}`,
    })
  })

  it.skipIf(!IS_ROOT)('dir owned by another uid', async () => {
    const dir = path.join(makeTempDir(), 'theirs')
    mkdirSync(dir)
    const socketPath = path.join(dir, 'grpc.sock')
    await listen(socketPath, answerSettings)
    chownSync(dir, OTHER_UID, OTHER_UID)

    expect(await probeSocket(socketPath, options())).toEqual({ alive: false, reason: `${socketPath} sits in ${dir}, owned by uid ${OTHER_UID}` })
  })

  it('dir anyone can write to', async () => {
    const dir = path.join(makeTempDir(), 'open')
    mkdirSync(dir)
    const socketPath = path.join(dir, 'grpc.sock')
    await listen(socketPath, answerSettings)
    chmodSync(dir, 0o777)

    expect(await probeSocket(socketPath, options())).toEqual({ alive: false, reason: `${socketPath} sits in ${dir}, which anyone can write to` })
  })

  it('relative path rejected', async () => {
    const socketPath = path.join(makeTempDir(), 'grpc.sock')
    await listen(socketPath, answerSettings)
    const relative = path.relative(process.cwd(), socketPath)

    expect(distrustSocket(relative, UID)).toBe('is not an absolute path')
  })

  it('trusted socket', async () => {
    const socketPath = path.join(makeTempDir(), 'grpc.sock')
    await listen(socketPath, answerSettings)

    expect(distrustSocket(socketPath, UID)).toBeNull()
  })
})

describe('probeSocket cancel', () => {
  it('cancel ends the probe', async () => {
    const socketPath = path.join(makeTempDir(), 'frozen.sock')
    await listen(socketPath, () => {})
    const canceller = new ProbeCanceller()
    setTimeout(() => canceller.cancel(), 50)
    const started = Date.now()
    const verdict = await probeSocket(socketPath, options({ timeoutMs: 5_000, canceller }))

    expect(verdict).toEqual({ alive: false, reason: `${socketPath} not checked` })
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('cancelled before the call', async () => {
    const socketPath = path.join(makeTempDir(), 'frozen.sock')
    await listen(socketPath, () => {})
    const canceller = new ProbeCanceller()
    canceller.cancel()
    const started = Date.now()
    const verdict = await probeSocket(socketPath, options({ timeoutMs: 5_000, canceller }))

    expect(verdict).toEqual({ alive: false, reason: `${socketPath} not checked` })
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('one cancel ends every probe', async () => {
    const dir = makeTempDir()
    const paths = ['a.sock', 'b.sock', 'c.sock'].map((name) => path.join(dir, name))
    for (const socketPath of paths) await listen(socketPath, () => {})
    const canceller = new ProbeCanceller()
    const probes = paths.map((socketPath) => probeSocket(socketPath, options({ timeoutMs: 5_000, canceller })))
    setTimeout(() => canceller.cancel(), 50)
    const verdicts = await Promise.all(probes)

    expect(verdicts.map((verdict) => verdict.reason)).toEqual(paths.map((socketPath) => `${socketPath} not checked`))
  })

  it('cancel after the answer changes nothing', async () => {
    const socketPath = path.join(makeTempDir(), 'grpc.sock')
    await listen(socketPath, answerSettings)
    const canceller = new ProbeCanceller()
    const verdict = await probeSocket(socketPath, options({ canceller }))
    canceller.cancel()

    expect(verdict.alive).toBe(true)
  })
})

describe('ProbeCanceller', () => {
  it('runs each callback once', () => {
    const canceller = new ProbeCanceller()
    const calls: string[] = []
    canceller.onCancel(() => calls.push('a'))
    canceller.onCancel(() => calls.push('b'))
    canceller.cancel()
    canceller.cancel()

    expect(calls).toEqual(['a', 'b'])
    expect(canceller.cancelled).toBe(true)
  })

  it('late callback runs at once', () => {
    const canceller = new ProbeCanceller()
    canceller.cancel()
    let called = false
    canceller.onCancel(() => (called = true))

    expect(called).toBe(true)
  })

  it('nothing runs before cancel', () => {
    const canceller = new ProbeCanceller()
    let called = false
    canceller.onCancel(() => (called = true))

    expect(called).toBe(false)
    expect(canceller.cancelled).toBe(false)
  })
})
