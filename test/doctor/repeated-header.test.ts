import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

import { findRepeatedHeader, readRepeatedHeaders } from '../../src/doctor/repeated-header.js'
import { parseToml } from '../../src/toml-parse.js'

const TWO_HEADERS = readFileSync(path.join(import.meta.dirname, '..', 'setup', 'fixtures', 'invalid-two-headers.toml'), 'utf8')

describe('findRepeatedHeader', () => {
  it.each<[string, string, number, { header: string; lines: number[] } | null]>([
    ['two proxy_plugins', TWO_HEADERS, 8, { header: '[proxy_plugins]', lines: [3, 8] }],
    ['spaces and a comment', 'a = 1\n[x]\nb = 1\n[ x ] # again\n', 4, { header: '[x]', lines: [2, 4] }],
    ['dotted key with spaces', '[a . "b c"]\n[a."b c"]\n', 2, { header: '[a."b c"]', lines: [1, 2] }],
    ['CRLF line ends', '[x]\r\ny = 1\r\n[x]\r\n', 3, { header: '[x]', lines: [1, 3] }],
    ['three times', '[x]\n[x]\n[x]\n', 2, { header: '[x]', lines: [1, 2, 3] }],
    ['a key, not a header', 'x = 1\nx = 2\n', 2, null],
    ['header once', '[a]\nb = 1\n[a.b]\n', 3, null],
    ['array of tables', '[[x]]\n[[x]]\n', 2, null],
    ['line out of range', '[x]\n', 9, null],
  ])('%s', (_name, text, line, expected) => {
    expect(findRepeatedHeader(text, line)).toEqual(expected)
  })

  it('uses the line the parser reports', () => {
    const parsed = parseToml(TWO_HEADERS)
    if (parsed.ok) throw new Error('expected the fixture to be invalid TOML')

    expect(parsed.message).toBe("Can't redefine existing key")
    expect(findRepeatedHeader(TWO_HEADERS, parsed.line)?.lines).toEqual([3, 8])
  })
})

describe('readRepeatedHeaders', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rnerdctl-repeated-header-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  function state(file: string, error: string | null): { path: string; mtimeMs: number; size: number; error: string | null; missing: false } {
    return { path: file, mtimeMs: 0, size: 0, error, missing: false }
  }

  it('reads the file with the error', () => {
    const file = path.join(dir, 'config.toml')
    writeFileSync(file, TWO_HEADERS)

    const found = readRepeatedHeaders([state(file, `${file}:8: invalid TOML: Can't redefine existing key`)])

    expect(found).toEqual([{ file, header: '[proxy_plugins]', lines: [3, 8] }])
  })

  it('skips other errors', () => {
    const file = path.join(dir, 'other.toml')
    writeFileSync(file, TWO_HEADERS)

    expect(readRepeatedHeaders([state(file, `${file}:8: invalid TOML: Unexpected character`), state(file, null)])).toEqual([])
  })

  it('skips a file that is gone', () => {
    const file = path.join(dir, 'gone.toml')

    expect(readRepeatedHeaders([state(file, `${file}:8: invalid TOML: Can't redefine existing key`)])).toEqual([])
  })
})
