// The TOML parser, bundled as a chunk of its own: a call whose parsed
// configs come from the cache never loads it.
import TOML from '@iarna/toml'

export type TomlTable = Record<string, unknown>

export type TomlResult = { ok: true; table: TomlTable } | { ok: false; line: number; message: string }

// A TOML value that JSON cannot hold: an integer beyond 2^53 (the parser
// gives a BigInt) or a date-time. Each becomes this marker, on the first
// read and in the cache alike, so no string check ever takes it for text.
export interface TomlOpaque {
  tomlType: 'integer' | 'datetime'
  text: string
}

// Deeper tables and arrays than any config needs are cut off here, so that
// neither JSON nor later code recurses without bound.
const MAX_DEPTH = 64

// @iarna/toml 3.0.0 rejects a comment that ends in CRLF, which TOML
// allows; turning CRLF into LF first keeps every line number. Drop this
// once the parser accepts such comments.
export function parseToml(text: string): TomlResult {
  let table: unknown
  try {
    table = TOML.parse(text.replace(/\r\n/g, '\n'))
  } catch (error) {
    const { line, message } = error as { line?: number; message?: string }
    const firstLine = String(message ?? error).split('\n')[0] ?? ''
    return { ok: false, line: (line ?? 0) + 1, message: firstLine.replace(/ at row \d+, col \d+, pos \d+:?$/, '') }
  }

  return { ok: true, table: toPlainValue(table, 0) as TomlTable }
}

// Copies a parsed value into plain JSON data.
export function toPlainValue(value: unknown, depth: number): unknown {
  if (typeof value === 'bigint') return { tomlType: 'integer', text: value.toString() } satisfies TomlOpaque
  if (value instanceof Date) return { tomlType: 'datetime', text: Number.isNaN(value.getTime()) ? String(value) : value.toISOString() } satisfies TomlOpaque
  if (typeof value !== 'object' || value === null) return value
  if (depth >= MAX_DEPTH) return null

  if (Array.isArray(value)) return value.map((item) => toPlainValue(item, depth + 1))
  // No prototype, as @iarna/toml's own tables: a key named "__proto__" is
  // then a key like any other.
  const table: TomlTable = Object.create(null) as TomlTable
  for (const [key, item] of Object.entries(value)) table[key] = toPlainValue(item, depth + 1)
  return table
}
