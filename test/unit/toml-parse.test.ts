import { describe, expect, it } from 'vitest'

import { parseToml } from '../../src/toml-parse.js'

describe('parseToml', () => {
  it('valid config', () => {
    const result = parseToml('version = 2 # containerd 1.x\n[proxy_plugins.stargz]\n  type = "snapshot"\n')

    expect(result).toEqual({ ok: true, table: { version: 2, proxy_plugins: { stargz: { type: 'snapshot' } } } })
  })

  it('integers are numbers', () => {
    const result = parseToml('version = 3\n')

    expect(result).toEqual({ ok: true, table: { version: 3 } })
  })

  it('empty text', () => {
    expect(parseToml('')).toEqual({ ok: true, table: {} })
  })

  it.each<[string, string, number]>([
    ['error on line 1', 'version = \n', 1],
    ['error on line 3', 'version = 2\n\n[[\n', 3],
    ['error on the last line, no newline', 'a = 1\nb = 2\nc =', 3],
    ['two [proxy_plugins] headers', '[proxy_plugins]\n[proxy_plugins.a]\ntype = "snapshot"\n[proxy_plugins]\n', 4],
    ['duplicate key', 'version = 2\nversion = 3\n', 2],
    ['NUL in a comment', 'version = 2\n# \u0000\n', 2],
    ['CRLF line ends', 'a = 1\r\nb = 2\r\nc = \r\n', 3],
  ])('%s', (_name, text, line) => {
    const result = parseToml(text)

    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.line).toBe(line)
  })

  it('message is one line', () => {
    const result = parseToml('[proxy_plugins]\n[proxy_plugins]\n')

    expect(result).toEqual({ ok: false, line: 2, message: "Can't redefine existing key" })
  })

  it('message drops the position suffix', () => {
    const result = parseToml('version = \n')

    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.message).not.toMatch(/row \d+/)
    expect(result.message).not.toContain('\n')
    expect(result.message.length).toBeGreaterThan(0)
  })
})

describe('parseToml plain values', () => {
  it('__proto__ key is an own key', () => {
    const result = parseToml('"__proto__" = { a = 1 }\n')
    if (!result.ok) throw new Error(result.message)

    expect(Object.keys(result.table)).toEqual(['__proto__'])
    expect((result.table as { a?: unknown }).a).toBeUndefined()
  })

  it('big integer is an opaque marker', () => {
    const result = parseToml('n = 9007199254740993\n')
    if (!result.ok) throw new Error(result.message)

    expect(result.table.n).toEqual({ tomlType: 'integer', text: '9007199254740993' })
  })

  it('date-time is an opaque marker', () => {
    const result = parseToml('d = 1979-05-27T07:32:00Z\n')
    if (!result.ok) throw new Error(result.message)

    expect(result.table.d).toEqual({ tomlType: 'datetime', text: '1979-05-27T07:32:00.000Z' })
  })
})
