import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs'

// Config files are small; anything larger is refused before it is read, so
// a 20 MB file or /dev/zero costs no time or memory.
export const MAX_CONFIG_BYTES = 1024 * 1024

export type ReadResult =
  | { ok: true; text: string; stat: Stats }
  | { ok: false; missing: boolean; reason: string; stat?: Stats }

export type ReadFailure = 'missing' | 'open' | 'not-file' | 'too-large'

export type BytesResult =
  | { ok: true; bytes: Buffer; stat: Stats }
  | { ok: false; failure: ReadFailure; reason: string; stat?: Stats }

// Reads a config file without ever blocking on it: the file is opened
// non-blocking, and anything but a regular file (a FIFO, a device, a
// directory) is rejected before the first read. A hung network or FUSE
// filesystem can still block the read itself, which Node cannot abandon.
export function readRegularFile(path: string, maxBytes = MAX_CONFIG_BYTES): BytesResult {
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const missing = code === 'ENOENT' || code === 'ENOTDIR'
    return { ok: false, failure: missing ? 'missing' : 'open', reason: describeOpenError(code) }
  }

  try {
    return readOpenFile(fd, maxBytes)
  } finally {
    closeSync(fd)
  }
}

// readRegularFile, then UTF-8 text: a config that is not valid UTF-8 is
// rejected rather than read with replacement characters.
export function readConfigFile(path: string, maxBytes = MAX_CONFIG_BYTES): ReadResult {
  const read = readRegularFile(path, maxBytes)
  if (!read.ok) return { ok: false, missing: read.failure === 'missing', reason: read.reason, ...(read.stat && { stat: read.stat }) }

  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(read.bytes), stat: read.stat }
  } catch {
    return { ok: false, missing: false, reason: 'not valid UTF-8', stat: read.stat }
  }
}

function readOpenFile(fd: number, maxBytes: number): BytesResult {
  const stat = fstatSync(fd)
  if (!stat.isFile()) return { ok: false, failure: 'not-file', reason: 'not a regular file', stat }
  if (stat.size > maxBytes) return { ok: false, failure: 'too-large', reason: `larger than ${maxBytes} bytes`, stat }

  const buffer = Buffer.alloc(stat.size)
  let length = 0
  while (length < buffer.length) {
    const read = readSync(fd, buffer, length, buffer.length - length, null)
    if (read === 0) break
    length += read
  }
  return { ok: true, bytes: buffer.subarray(0, length), stat }
}

function describeOpenError(code: string | undefined): string {
  if (code === 'ENOENT') return 'not found'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code === 'EISDIR') return 'a directory'
  return `cannot open (${code ?? 'unknown error'})`
}
