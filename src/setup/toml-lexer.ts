// The pieces of TOML syntax that the layout scanner needs: keys, and the
// extent of each value. The text has already passed @iarna/toml, so these
// functions only find where things end. They throw TomlScanError on input
// that is not TOML, which the caller turns into a rejection.

export interface ValueSpan {
  kind: 'string' | 'array' | 'inline-table' | 'other'
  start: number
  end: number
  // Members of an inline table, in source order.
  members: InlineMember[]
}

export interface InlineMember {
  key: string[]
  value: ValueSpan
}

export class TomlScanError extends Error {}

const BARE_KEY = /[A-Za-z0-9_-]/
const ESCAPES: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' }

export function skipSpaces(text: string, pos: number): number {
  let at = pos
  while (text[at] === ' ' || text[at] === '\t') at++
  return at
}

// Skips spaces, a comment and one line end, and returns the next line's start.
export function skipLineRest(text: string, pos: number): number {
  let at = skipSpaces(text, pos)
  if (text[at] === '#') {
    while (at < text.length && text[at] !== '\n') at++
  }

  if (text[at] === '\r' && text[at + 1] === '\n') return at + 2
  if (text[at] === '\n') return at + 1
  if (at >= text.length) return at
  throw new TomlScanError(`unexpected ${JSON.stringify(text[at])} at offset ${at}`)
}

export function readKey(text: string, pos: number): { parts: string[]; end: number } {
  const parts: string[] = []
  let at = pos
  for (;;) {
    at = skipSpaces(text, at)
    const part = readKeyPart(text, at)
    parts.push(part.value)
    at = skipSpaces(text, part.end)
    if (text[at] !== '.') return { parts, end: at }
    at++
  }
}

function readKeyPart(text: string, pos: number): { value: string; end: number } {
  if (text[pos] === '"') {
    const end = findBasicStringEnd(text, pos)
    return { value: decodeBasicString(text.slice(pos + 1, end - 1)), end }
  }

  if (text[pos] === "'") {
    const close = text.indexOf("'", pos + 1)
    if (close < 0) throw new TomlScanError(`unterminated key at offset ${pos}`)
    return { value: text.slice(pos + 1, close), end: close + 1 }
  }

  let end = pos
  while (end < text.length && BARE_KEY.test(text[end] as string)) end++
  if (end === pos) throw new TomlScanError(`expected a key at offset ${pos}`)
  return { value: text.slice(pos, end), end }
}

export function scanValue(text: string, pos: number): ValueSpan {
  const first = text[pos]
  if (first === '"' || first === "'") return { kind: 'string', start: pos, end: findStringEnd(text, pos), members: [] }
  if (first === '[') return scanArray(text, pos)
  if (first === '{') return scanInlineTable(text, pos)
  return scanBareValue(text, pos)
}

function findStringEnd(text: string, pos: number): number {
  const quote = text[pos] as string
  const triple = quote.repeat(3)
  if (text.startsWith(triple, pos)) return findMultilineStringEnd(text, pos, triple)
  if (quote === '"') return findBasicStringEnd(text, pos)

  const close = text.indexOf("'", pos + 1)
  if (close < 0) throw new TomlScanError(`unterminated string at offset ${pos}`)
  return close + 1
}

function findBasicStringEnd(text: string, pos: number): number {
  let at = pos + 1
  while (at < text.length && text[at] !== '"') at += text[at] === '\\' ? 2 : 1
  if (at >= text.length) throw new TomlScanError(`unterminated string at offset ${pos}`)
  return at + 1
}

// A multi-line string may end with up to two extra quotes before the
// closing three ("""a"""" is the string a").
function findMultilineStringEnd(text: string, pos: number, triple: string): number {
  const escapes = triple === '"""'
  let at = pos + 3
  while (at < text.length && !text.startsWith(triple, at)) at += escapes && text[at] === '\\' ? 2 : 1
  if (at >= text.length) throw new TomlScanError(`unterminated string at offset ${pos}`)

  let end = at + 3
  for (let extra = 0; extra < 2 && text[end] === triple[0]; extra++) end++
  return end
}

// Arrays may span lines and hold comments between their values.
function scanArray(text: string, pos: number): ValueSpan {
  let at = skipBlank(text, pos + 1)
  while (text[at] !== ']') {
    const item = scanValue(text, at)
    at = skipBlank(text, item.end)
    if (text[at] === ',') at = skipBlank(text, at + 1)
    else if (text[at] !== ']') throw new TomlScanError(`expected "," or "]" at offset ${at}`)
  }

  return { kind: 'array', start: pos, end: at + 1, members: [] }
}

function scanInlineTable(text: string, pos: number): ValueSpan {
  const members: InlineMember[] = []
  let at = skipBlank(text, pos + 1)
  while (text[at] !== '}') {
    const key = readKey(text, at)
    if (text[key.end] !== '=') throw new TomlScanError(`expected "=" at offset ${key.end}`)

    const value = scanValue(text, skipSpaces(text, key.end + 1))
    members.push({ key: key.parts, value })
    at = skipBlank(text, value.end)
    if (text[at] === ',') at = skipBlank(text, at + 1)
    else if (text[at] !== '}') throw new TomlScanError(`expected "," or "}" at offset ${at}`)
  }

  return { kind: 'inline-table', start: pos, end: at + 1, members }
}

// Numbers, booleans and dates. A date may contain one space
// ("1979-05-27 07:32:00Z"), so the value runs to the next delimiter and
// loses its trailing spaces.
function scanBareValue(text: string, pos: number): ValueSpan {
  let end = pos
  while (end < text.length && !',]}#\r\n'.includes(text[end] as string)) end++
  while (end > pos && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--
  if (end === pos) throw new TomlScanError(`expected a value at offset ${pos}`)
  return { kind: 'other', start: pos, end, members: [] }
}

// Whitespace, line ends and comments, as allowed inside arrays.
function skipBlank(text: string, pos: number): number {
  let at = pos
  for (;;) {
    at = skipSpaces(text, at)
    if (text[at] === '#') {
      while (at < text.length && text[at] !== '\n') at++
    } else if (text[at] === '\r' || text[at] === '\n') {
      at++
    } else {
      return at
    }
  }
}

function decodeBasicString(body: string): string {
  return body.replace(/\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)/g, (_, escape: string) => {
    if (escape.length > 1) return String.fromCodePoint(Number.parseInt(escape.slice(1), 16))
    const decoded = ESCAPES[escape]
    if (decoded === undefined) throw new TomlScanError(`invalid escape \\${escape}`)
    return decoded
  })
}

// Renders a TOML basic string.
export function quoteBasicString(value: string): string {
  const escaped = value.replace(/[\\"\u0000-\u001f\u007f]/g, (char) => {
    const short = Object.entries(ESCAPES).find(([, decoded]) => decoded === char)
    if (short !== undefined) return `\\${short[0]}`
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
  })
  return `"${escaped}"`
}
