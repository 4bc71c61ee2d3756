import { realpathSync, statSync } from 'node:fs'
import path from 'node:path'

export interface SocketVerdict {
  alive: boolean
  reason: string
}

export type ProbeMode = 'connect' | 'http2'

export interface ProbeOptions {
  // The caller's uid: only sockets it owns are trusted (a socket's mode
  // does not matter, since containerd makes its own 0660).
  uid: number
  mode: ProbeMode
  timeoutMs: number
  // Cancelling ends the probe at once, as "not checked".
  canceller?: ProbeCanceller
}

// Ends pending probes once their answer no longer matters. A plain class:
// AbortController costs a millisecond of start-up to load.
export class ProbeCanceller {
  private readonly callbacks = new Set<() => void>()
  cancelled = false

  onCancel(callback: () => void): void {
    if (this.cancelled) callback()
    else this.callbacks.add(callback)
  }

  cancel(): void {
    this.cancelled = true
    for (const callback of this.callbacks) callback()
    this.callbacks.clear()
  }
}

// The HTTP/2 client connection preface, then an empty SETTINGS frame
// (RFC 9113, section 3.4). A gRPC server answers with its own SETTINGS.
const CLIENT_PREFACE = Buffer.concat([
  Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'),
  Buffer.from([0, 0, 0, 0x04, 0, 0, 0, 0, 0]),
])
const FRAME_HEADER_BYTES = 9
const SETTINGS_FRAME = 0x04

// Probes one unix socket and never throws. A bare connect() proves little
// for a gRPC daemon: a stopped or deadlocked one still accepts through the
// kernel's listen backlog, so mode "http2" waits for the server's SETTINGS.
export async function probeSocket(socketPath: string, options: ProbeOptions): Promise<SocketVerdict> {
  const distrust = distrustSocket(socketPath, options.uid)
  if (distrust !== null) return { alive: false, reason: `${socketPath} ${distrust}` }

  // Loaded here, not at start-up: most calls probe no socket at all, and
  // node:net costs about 2 ms to load.
  const { createConnection } = await import('node:net')

  return new Promise((resolve) => {
    const socket = createConnection({ path: socketPath })
    let received = Buffer.alloc(0)
    const finish = (verdict: SocketVerdict): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve(verdict)
    }

    const timer = setTimeout(() => {
      finish({ alive: false, reason: `${socketPath} did not answer within ${options.timeoutMs} ms (daemon stopped or hung?)` })
    }, options.timeoutMs)
    options.canceller?.onCancel(() => finish({ alive: false, reason: `${socketPath} not checked` }))

    socket.on('connect', () => {
      if (options.mode === 'connect') finish({ alive: true, reason: `${socketPath} accepts connections` })
      else socket.write(CLIENT_PREFACE)
    })
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      if (received.length < FRAME_HEADER_BYTES) return
      finish(
        received[3] === SETTINGS_FRAME
          ? { alive: true, reason: `${socketPath} answers HTTP/2 (gRPC)` }
          : { alive: false, reason: `${socketPath} answered, but not with HTTP/2 SETTINGS` },
      )
    })
    socket.on('end', () => finish({ alive: false, reason: `${socketPath} closed the connection without answering` }))
    socket.on('error', (error: NodeJS.ErrnoException) => finish({ alive: false, reason: describeConnectError(socketPath, error) }))
  })
}

// Returns why the socket at `socketPath` is not to be used, or null. The
// check follows symlinks, so a link to another user's socket is rejected.
export function distrustSocket(socketPath: string, uid: number): string | null {
  let stat
  try {
    stat = statSync(socketPath)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === 'ENOENT' ? 'does not exist' : `cannot be checked (${code})`
  }

  if (!stat.isSocket()) return stat.isDirectory() ? 'is a directory, not a socket' : 'is not a socket'
  if (stat.uid !== uid) return `is owned by uid ${stat.uid}, not ${uid}`
  if (!path.isAbsolute(socketPath)) return 'is not an absolute path'
  return distrustSocketDir(socketPath, uid)
}

// Returns why the socket's directory is not trusted, or null. A trusted
// directory is owned by the caller or root, and others may write to it only
// with the sticky bit set (as on /tmp).
function distrustSocketDir(socketPath: string, uid: number): string | null {
  let dir: string
  let stat
  try {
    dir = path.dirname(realpathSync(socketPath))
    stat = statSync(dir)
  } catch (error) {
    return `cannot be checked (${(error as NodeJS.ErrnoException).code})`
  }

  if (stat.uid !== uid && stat.uid !== 0) return `sits in ${dir}, owned by uid ${stat.uid}`
  if ((stat.mode & 0o002) !== 0 && (stat.mode & 0o1000) === 0) return `sits in ${dir}, which anyone can write to`
  return null
}

function describeConnectError(socketPath: string, error: NodeJS.ErrnoException): string {
  if (error.code === 'ECONNREFUSED') return `${socketPath} refuses connections (stale socket: its daemon is gone)`
  if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return `${socketPath} reset the connection`
  if (error.code === 'EACCES') return `${socketPath}: permission denied`
  return `${socketPath}: ${error.code ?? error.message}`
}
