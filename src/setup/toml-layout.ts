import { readKey, scanValue, skipLineRest, skipSpaces, TomlScanError, type ValueSpan } from './toml-lexer.js'

// Where each table header and key/value pair of a TOML text sits, so that
// text can be inserted or replaced at an exact offset while every other
// byte stays as it was. Comments and blank lines are not statements.

export interface Statement {
  kind: 'table' | 'array-table' | 'key-value'
  // Full key path: the header's key, or the enclosing table's key followed
  // by the pair's (possibly dotted) key. Array-of-tables indexes are left out.
  path: string[]
  line: number
  // Offset of the line's first byte, and of the byte after its line end
  // (after a multi-line value, the line where the value ends).
  start: number
  end: number
  // The spaces and tabs before the statement's first character.
  indent: string
  value: ValueSpan | null
}

export interface TomlLayout {
  text: string
  statements: Statement[]
}

export function scanTomlLayout(text: string): TomlLayout {
  const statements: Statement[] = []
  let table: string[] = []
  let pos = 0
  let line = 1

  while (pos < text.length) {
    const first = skipSpaces(text, pos)
    const char = text[first]
    let end: number
    if (char === undefined || char === '\r' || char === '\n' || char === '#') {
      end = skipLineRest(text, first)
    } else {
      const statement = scanStatement(text, pos, first, line, table)
      if (statement.kind !== 'key-value') table = statement.path
      statements.push(statement)
      end = statement.end
    }

    line += countLineEnds(text, pos, end)
    pos = end
  }

  return { text, statements }
}

function scanStatement(text: string, start: number, first: number, line: number, table: string[]): Statement {
  const indent = text.slice(start, first)
  if (text[first] === '[') {
    const isArray = text[first + 1] === '['
    const key = readKey(text, first + (isArray ? 2 : 1))
    const close = isArray ? ']]' : ']'
    if (!text.startsWith(close, key.end)) throw new TomlScanError(`expected "${close}" on line ${line}`)

    const end = skipLineRest(text, key.end + close.length)
    return { kind: isArray ? 'array-table' : 'table', path: key.parts, line, start, end, indent, value: null }
  }

  const key = readKey(text, first)
  if (text[key.end] !== '=') throw new TomlScanError(`expected "=" on line ${line}`)

  const value = scanValue(text, skipSpaces(text, key.end + 1))
  const end = skipLineRest(text, value.end)
  return { kind: 'key-value', path: [...table, ...key.parts], line, start, end, indent, value }
}

function countLineEnds(text: string, from: number, to: number): number {
  let count = 0
  for (let at = text.indexOf('\n', from); at >= 0 && at < to; at = text.indexOf('\n', at + 1)) count++
  return count
}

// A table header with the statements that follow it up to the next
// header. The root section (before any header) has no header.
export interface Section {
  header: Statement | null
  entries: Statement[]
  // Offset after the last statement's line end: where a line appended to
  // this section goes. Comments and blank lines after it are left below.
  end: number
}

export function listSections(layout: TomlLayout): Section[] {
  const sections: Section[] = [{ header: null, entries: [], end: 0 }]
  for (const statement of layout.statements) {
    if (statement.kind === 'key-value') {
      const current = sections[sections.length - 1] as Section
      current.entries.push(statement)
      current.end = statement.end
    } else {
      sections.push({ header: statement, entries: [], end: statement.end })
    }
  }
  return sections
}

export function startsWithPath(path: string[], prefix: string[]): boolean {
  return prefix.length <= path.length && prefix.every((part, index) => path[index] === part)
}

// Finds every value written at `path`, looking into inline tables, so
// `[a] b = { c = 1 }`, `a.b.c = 1` and `[a.b] c = 1` all yield the span of 1.
export function findValues(layout: TomlLayout, path: string[]): ValueSpan[] {
  const found: ValueSpan[] = []
  for (const statement of layout.statements) {
    if (statement.value === null || !startsWithPath(path, statement.path)) continue
    collectValues(statement.value, path.slice(statement.path.length), found)
  }
  return found
}

function collectValues(value: ValueSpan, rest: string[], found: ValueSpan[]): void {
  if (rest.length === 0) {
    found.push(value)
    return
  }

  for (const member of value.members) {
    if (startsWithPath(rest, member.key)) collectValues(member.value, rest.slice(member.key.length), found)
  }
}

export function lineAt(text: string, offset: number): number {
  return countLineEnds(text, 0, offset) + 1
}
