import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs'
import { MAX_CONFIG_BYTES } from '../read-file.js'
import { SetupError } from './setup-error.js'

export type ConfigBytes =
  | { missing: true }
  | { missing: false; bytes: Buffer; text: string; bom: boolean; stat: Stats }

const UTF8_BOM = '\ufeff'
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

// Reads config.toml as bytes, for setup, which writes them back. A byte
// order mark is split off from the text (the TOML parser rejects it) and
// kept so it can be written back. Like readConfigFile, it opens the file
// non-blocking and reads only a regular file within the size limit.
export function readConfigBytes(file: string): ConfigBytes {
  let fd: number
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { missing: true }
    throw new SetupError(`cannot open ${file}: ${(error as Error).message}`)
  }

  try {
    return readOpenFile(fd, file)
  } finally {
    closeSync(fd)
  }
}

function readOpenFile(fd: number, file: string): ConfigBytes {
  const stat = fstatSync(fd)
  if (!stat.isFile()) throw new SetupError(`${file} is not a regular file; point --config at a config.toml`)
  if (stat.size > MAX_CONFIG_BYTES) {
    throw new SetupError(`${file} is larger than ${MAX_CONFIG_BYTES} bytes, too large for a config.toml`)
  }

  const bytes = Buffer.alloc(stat.size)
  let length = 0
  while (length < bytes.length) {
    const read = readSync(fd, bytes, length, bytes.length - length, null)
    if (read === 0) break
    length += read
  }

  let text: string
  try {
    text = utf8.decode(bytes.subarray(0, length))
  } catch {
    throw new SetupError(`${file} is not valid UTF-8; containerd reads config.toml as UTF-8, so convert it first`)
  }

  const bom = text.startsWith(UTF8_BOM)
  return { missing: false, bytes: bytes.subarray(0, length), text: bom ? text.slice(1) : text, bom, stat }
}

export function encodeConfigText(text: string, bom: boolean): Buffer {
  return Buffer.from(bom ? UTF8_BOM + text : text, 'utf8')
}
