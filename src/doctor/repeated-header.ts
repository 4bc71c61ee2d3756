import type { ConfigFileState } from '../containerd-config.js'
import { readConfigFile } from '../read-file.js'
import type { RepeatedHeader } from './facts.js'

// TOML allows each table header once. Pasting both the fuse-overlayfs and
// the stargz blocks of containerd-rootless-setuptool.sh gives two
// `[proxy_plugins]` headers, and the parser then stops at the second with
// "Can't redefine existing key". These functions find both lines, so the
// doctor can name the header to merge.

const REDEFINED = /^(\d+): invalid TOML: Can't redefine existing key/

// A table header, not an array-of-tables header ([[...]]), with an
// optional comment after it.
const TABLE_HEADER = /^\[(?!\[)([^\]]*)\]\s*(?:#.*)?$/

// Reads each file whose parse error is a redefined key at a table header.
export function readRepeatedHeaders(files: readonly ConfigFileState[]): RepeatedHeader[] {
  const found: RepeatedHeader[] = []
  for (const file of files) {
    const line = parseRedefinedLine(file)
    if (line === null) continue

    const read = readConfigFile(file.path)
    if (!read.ok) continue

    const repeated = findRepeatedHeader(read.text, line)
    if (repeated !== null) found.push({ file: file.path, ...repeated })
  }
  return found
}

function parseRedefinedLine(file: ConfigFileState): number | null {
  const prefix = `${file.path}:`
  if (file.error === null || !file.error.startsWith(prefix)) return null

  const match = REDEFINED.exec(file.error.slice(prefix.length))
  return match === null ? null : Number(match[1])
}

// Returns the header at 1-based `line` and every line where the same
// table header appears, or null when that line contains no table header or
// the header appears only once (the key was defined another way first).
export function findRepeatedHeader(text: string, line: number): { header: string; lines: number[] } | null {
  const lines = text.replace(/\r\n/g, '\n').split('\n')
  const header = lines[line - 1]?.trim() ?? ''
  const key = readHeaderKey(header)
  if (key === null) return null

  const matching: number[] = []
  for (const [index, current] of lines.entries()) {
    if (readHeaderKey(current.trim()) === key) matching.push(index + 1)
  }
  if (matching.length < 2) return null
  return { header: `[${key}]`, lines: matching }
}

// Returns the key of a table header with the spaces TOML allows around
// its parts removed, so "[ proxy_plugins ]" and "[proxy_plugins]" match.
function readHeaderKey(text: string): string | null {
  const match = TABLE_HEADER.exec(text)
  if (match === null) return null

  let key = ''
  let quote: string | null = null
  for (const char of match[1] as string) {
    if (quote === null && (char === ' ' || char === '\t')) continue
    if (quote === null && (char === '"' || char === "'")) quote = char
    else if (char === quote) quote = null
    key += char
  }
  return key === '' ? null : key
}
