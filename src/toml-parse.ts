// The TOML parser, bundled as a chunk of its own: a call whose parsed
// configs come from the cache never loads it.
import TOML from '@iarna/toml'

export type TomlTable = Record<string, unknown>

export type TomlResult = { ok: true; table: TomlTable } | { ok: false; line: number; message: string }

// @iarna/toml 3.0.0 rejects a comment that ends in CRLF, which TOML
// allows; turning CRLF into LF first keeps every line number. Drop this
// once the parser accepts such comments.
export function parseToml(text: string): TomlResult {
  try {
    return { ok: true, table: TOML.parse(text.replace(/\r\n/g, '\n')) as TomlTable }
  } catch (error) {
    const { line, message } = error as { line?: number; message?: string }
    const firstLine = String(message ?? error).split('\n')[0] ?? ''
    return { ok: false, line: (line ?? 0) + 1, message: firstLine.replace(/ at row \d+, col \d+, pos \d+:?$/, '') }
  }
}
