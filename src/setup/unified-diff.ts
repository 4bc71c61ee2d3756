import { applyEdits, type TextEdit } from './text-edits.js'

// A unified diff, as `diff -u` prints it with three lines of context. It is
// built from the edits rather than by comparing the two texts, because the
// edits already list every changed byte.

const CONTEXT = 3

interface LineChange {
  // Old lines [oldStart, oldEnd), 0-based, replaced by newLines.
  oldStart: number
  oldEnd: number
  oldLines: string[]
  newLines: string[]
}

export interface DiffLabels {
  // null for a file that does not exist yet (shown as /dev/null).
  old: string | null
  new: string
}

export function formatUnifiedDiff(text: string, edits: readonly TextEdit[], labels: DiffLabels): string {
  const oldLines = splitLines(text)
  const changes = toLineChanges(text, edits)
  const out = [`--- ${labels.old ?? '/dev/null'}`, `+++ ${labels.new}`]
  let shift = 0

  for (const group of groupChanges(changes)) {
    const first = group[0] as LineChange
    const last = group[group.length - 1] as LineChange
    const from = Math.max(0, first.oldStart - CONTEXT)
    const to = Math.min(oldLines.length, last.oldEnd + CONTEXT)
    const body: string[] = []
    let cursor = from
    let added = 0

    for (const change of group) {
      body.push(...oldLines.slice(cursor, change.oldStart).map((line) => formatLine(' ', line)))
      body.push(...change.oldLines.map((line) => formatLine('-', line)))
      body.push(...change.newLines.map((line) => formatLine('+', line)))
      added += change.newLines.length - change.oldLines.length
      cursor = change.oldEnd
    }
    body.push(...oldLines.slice(cursor, to).map((line) => formatLine(' ', line)))

    const oldCount = to - from
    const newCount = oldCount + added
    out.push(`@@ -${formatRange(from, oldCount)} +${formatRange(from + shift, newCount)} @@`, ...body)
    shift += added
  }

  return `${out.join('\n')}\n`
}

// Widens each edit to whole lines and merges edits that touch the same or
// adjacent lines, so each change lists complete old and new lines.
function toLineChanges(text: string, edits: readonly TextEdit[]): LineChange[] {
  const spans = [...edits]
    .map((edit, index) => ({ edit, index, ...lineSpan(text, edit) }))
    .sort((a, b) => a.start - b.start || a.index - b.index)

  const changes: LineChange[] = []
  let group: typeof spans = []
  const flush = (): void => {
    if (group.length === 0) return
    const start = group[0]?.start as number
    const end = Math.max(...group.map((span) => span.end))
    const local = group.map(({ edit }) => ({ ...edit, offset: edit.offset - start }))
    changes.push({
      oldStart: countLines(text.slice(0, start)),
      oldEnd: countLines(text.slice(0, start)) + splitLines(text.slice(start, end)).length,
      oldLines: splitLines(text.slice(start, end)),
      newLines: splitLines(applyEdits(text.slice(start, end), local)),
    })
    group = []
  }

  for (const span of spans) {
    const last = group[group.length - 1]
    if (last !== undefined && span.start > Math.max(...group.map((item) => item.end))) flush()
    group.push(span)
  }
  flush()
  return changes
}

// An insertion of whole lines at a line start touches no old line. Any
// other edit covers the lines it starts and ends in.
function lineSpan(text: string, edit: TextEdit): { start: number; end: number } {
  const lineStart = edit.offset === 0 ? 0 : text.lastIndexOf('\n', edit.offset - 1) + 1
  const wholeLines = edit.length === 0 && edit.offset === lineStart && edit.insert.endsWith('\n')
  if (wholeLines) return { start: edit.offset, end: edit.offset }

  const stop = edit.offset + edit.length
  const newline = text.indexOf('\n', stop)
  return { start: lineStart, end: newline < 0 ? text.length : newline + 1 }
}

function groupChanges(changes: LineChange[]): LineChange[][] {
  const groups: LineChange[][] = []
  for (const change of changes) {
    const current = groups[groups.length - 1]
    const previous = current?.[current.length - 1]
    if (current !== undefined && previous !== undefined && change.oldStart - previous.oldEnd <= 2 * CONTEXT) current.push(change)
    else groups.push([change])
  }
  return groups
}

function splitLines(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\n)/)
}

function countLines(text: string): number {
  return splitLines(text).length
}

function formatLine(mark: string, line: string): string {
  if (line.endsWith('\n')) return mark + line.slice(0, -1)
  return `${mark}${line}\n\\ No newline at end of file`
}

// As diff -u writes a range: a range of zero lines is named by the line
// before it, and a count of one is left out.
function formatRange(from: number, count: number): string {
  if (count === 0) return `${from},0`
  return count === 1 ? `${from + 1}` : `${from + 1},${count}`
}
