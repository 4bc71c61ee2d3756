import type { Stats } from 'node:fs'
import { MAX_CONFIG_BYTES, readRegularFile } from '../read-file.js'
import { SetupError } from './setup-error.js'

export type ConfigBytes =
  | { missing: true }
  | { missing: false; bytes: Buffer; text: string; bom: boolean; stat: Stats }

const UTF8_BOM = '\ufeff'
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

// Reads config.toml as bytes, for setup, which writes them back. A byte
// order mark is split off from the text (the TOML parser rejects it) and
// kept so it can be written back. readRegularFile opens the file
// non-blocking and reads only a regular file within the size limit.
export function readConfigBytes(file: string): ConfigBytes {
  const read = readRegularFile(file)
  if (!read.ok) {
    if (read.failure === 'missing') return { missing: true }
    if (read.failure === 'not-file') throw new SetupError(`${file} is not a regular file; point --config at a config.toml`)
    if (read.failure === 'too-large') throw new SetupError(`${file} is larger than ${MAX_CONFIG_BYTES} bytes, too large for a config.toml`)
    throw new SetupError(`cannot open ${file}: ${read.reason}`)
  }

  let text: string
  try {
    text = utf8.decode(read.bytes)
  } catch {
    throw new SetupError(`${file} is not valid UTF-8; containerd reads config.toml as UTF-8, so convert it first`)
  }

  const bom = text.startsWith(UTF8_BOM)
  return { missing: false, bytes: read.bytes, text: bom ? text.slice(1) : text, bom, stat: read.stat }
}

export function encodeConfigText(text: string, bom: boolean): Buffer {
  return Buffer.from(bom ? UTF8_BOM + text : text, 'utf8')
}
