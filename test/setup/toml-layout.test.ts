import { describe, expect, it } from 'vitest'
import { findValues, listSections, scanTomlLayout } from '../../src/setup/toml-layout.js'
import { quoteBasicString, TomlScanError } from '../../src/setup/toml-lexer.js'
import { parseConfigToml } from '../../src/setup/parse-config.js'

function paths(text: string): string[] {
  return scanTomlLayout(text).statements.map((statement) => `${statement.kind} ${statement.path.join('.')} @${statement.line}`)
}

describe('scanTomlLayout', () => {
  it('lists headers and pairs with full paths', () => {
    const text = 'a = 1\n[b]\nc.d = 2\n[[e.f]]\ng = 3\n'

    expect(paths(text)).toEqual(['key-value a @1', 'table b @2', 'key-value b.c.d @3', 'array-table e.f @4', 'key-value e.f.g @5'])
  })

  it('decodes quoted keys', () => {
    const text = '[proxy_plugins."fuse-overlayfs"]\n[ a . \'b.c\' . "d\\u0065" ]\n'

    expect(paths(text)).toEqual(['table proxy_plugins.fuse-overlayfs @1', 'table a.b.c.de @2'])
  })

  it('skips header-like lines inside multi-line strings', () => {
    const text = 'a = """\n[x]\n"""\nb = \'\'\'\n[y]\n\'\'\'\nc = """ends with quotes"""""\n[z]\n'

    expect(paths(text)).toEqual(['key-value a @1', 'key-value b @4', 'key-value c @7', 'table z @8'])
  })

  it('skips escaped quotes in strings', () => {
    const text = 'a = "x\\"[y]\\\\"\n[z]\n'

    expect(paths(text)).toEqual(['key-value a @1', 'table z @2'])
  })

  it('follows arrays across lines and comments', () => {
    const text = 'a = [\n  1, # one\n  [2, 3],\n  "]",\n]\n[b]\n'

    expect(paths(text)).toEqual(['key-value a @1', 'table b @6'])
  })

  it('reads dates that contain a space', () => {
    const layout = scanTomlLayout('t = 1979-05-27 07:32:00Z # when\n')
    const value = layout.statements[0]?.value

    expect(layout.text.slice(value?.start, value?.end)).toBe('1979-05-27 07:32:00Z')
  })

  it('counts lines in CRLF text', () => {
    expect(paths('a = 1\r\n# c\r\n\r\n[b]\r\n')).toEqual(['key-value a @1', 'table b @4'])
  })

  it('records the indent', () => {
    const layout = scanTomlLayout('[a]\n\t  b = 1\n')

    expect(layout.statements[1]?.indent).toBe('\t  ')
  })

  it('throws on text that is not TOML', () => {
    expect(() => scanTomlLayout('a = "unterminated\n')).toThrow(TomlScanError)
    expect(() => scanTomlLayout('[a\n')).toThrow(TomlScanError)
    expect(() => scanTomlLayout('a 1\n')).toThrow(TomlScanError)
  })
})

describe('listSections', () => {
  it('ends a section after its last statement', () => {
    const text = 'x = 1\n\n[a]\nb = 1\n# trailing comment\n\n[c]\n'
    const sections = listSections(scanTomlLayout(text))

    expect(sections.map((section) => text.slice(0, section.end).split('\n').length - 1)).toEqual([1, 4, 7])
  })
})

describe('findValues', () => {
  const address = (text: string): string[] => {
    const layout = scanTomlLayout(text)
    return findValues(layout, ['proxy_plugins', 'x', 'address']).map((span) => text.slice(span.start, span.end))
  }

  it('finds a value in a sub-table', () => {
    expect(address('[proxy_plugins.x]\naddress = "/a"\n')).toEqual(['"/a"'])
  })

  it('finds a value in nested inline tables', () => {
    expect(address('proxy_plugins = { x = { type = "snapshot", address = \'/b\' } }\n')).toEqual(["'/b'"])
  })

  it('finds a value under dotted keys', () => {
    expect(address('[proxy_plugins]\nx.address = "/c"\n')).toEqual(['"/c"'])
  })

  it('ignores other plugins', () => {
    expect(address('[proxy_plugins.y]\naddress = "/d"\n')).toEqual([])
  })
})

describe('quoteBasicString', () => {
  it.each(['/run/user/1001/a.sock', 'quote " and \\ backslash', 'tab\tnew\nline', 'ünïcödé', '\u0001\u007f'])(
    'round-trips %j',
    (value) => {
      const parsed = parseConfigToml(`v = ${quoteBasicString(value)}\n`)

      expect(parsed.ok).toBe(true)
      expect(parsed.ok ? parsed.table.v : undefined).toBe(value)
    },
  )
})
