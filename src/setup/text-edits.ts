// Edits of a config file's text: each replaces `length` characters at
// `offset` (0 for a pure insertion) with `insert`. Offsets refer to the
// original text, so edits never shift one another.

export interface TextEdit {
  offset: number
  length: number
  insert: string
}

// Applies edits in offset order. Edits at the same offset keep the order
// they were given in.
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = edits
    .map((edit, index) => ({ edit, index }))
    .sort((a, b) => a.edit.offset - b.edit.offset || a.index - b.index)
    .map(({ edit }) => edit)

  let result = ''
  let copied = 0
  for (const edit of sorted) {
    if (edit.offset < copied) throw new Error(`overlapping edits at offset ${edit.offset}`)
    result += text.slice(copied, edit.offset) + edit.insert
    copied = edit.offset + edit.length
  }
  return result + text.slice(copied)
}

// The line end of the file's first line, so added lines match a CRLF file.
export function detectNewline(text: string): '\n' | '\r\n' {
  const first = text.indexOf('\n')
  return first > 0 && text[first - 1] === '\r' ? '\r\n' : '\n'
}

// Returns the text to put before lines inserted at `offset`: a line end
// when the offset is the end of a last line that has none.
export function lineBreakBefore(text: string, offset: number, newline: string): string {
  return offset > 0 && text[offset - 1] !== '\n' ? newline : ''
}

// Text that appends `block` at the end of the file, set off from the
// previous content by one blank line.
export function appendWithBlankLine(text: string, block: string, newline: string): string {
  if (text === '' || (text.trim() === '' && text.endsWith('\n'))) return block
  if (text.trim() === '') return newline + block
  if (!text.endsWith('\n')) return newline + newline + block
  if (/\n[ \t]*\r?\n$/.test(text)) return block
  return newline + block
}
