import { SetupError } from './setup-error.js'
import { quoteBasicString as quote } from './toml-lexer.js'
import { findValues, lineAt, listSections, startsWithPath, type Section, type TomlLayout } from './toml-layout.js'
import { appendWithBlankLine, lineBreakBefore, type TextEdit } from './text-edits.js'
import { TRANSFER_PLUGIN_PATH, UNPACK_CONFIG_PATH, type UnpackEntry } from './unpack-config.js'

export interface UnpackInsertionInput {
  layout: TomlLayout
  entries: UnpackEntry[]
  newline: string
  file: string
  // The text as it will read before an insertion at its end, when another
  // edit also appends there.
  textBeforeEnd: string
}

// Computes where new unpack_config entries go: after the existing
// [[...unpack_config]] entries, else after the transfer plugin's own
// table, else at the end of the file. An `unpack_config = [...]` array
// cannot take [[...]] entries (TOML forbids extending a static array), so
// that form is rejected with its line.
export function planUnpackInsertion(input: UnpackInsertionInput): TextEdit {
  const { layout, newline } = input
  const staticArray = findValues(layout, UNPACK_CONFIG_PATH)[0]
  if (staticArray !== undefined) {
    const line = lineAt(layout.text, staticArray.start)
    throw new SetupError(
      `${input.file}:${line}: unpack_config is an inline array, which rnerdctl does not edit; ` +
        `add ${describeEntries(input.entries)} to it yourself`,
    )
  }

  const sections = listSections(layout)
  const entryTables = sections.filter((section) => isUnpackEntryTable(section))
  const lastEntry = entryTables[entryTables.length - 1]
  if (lastEntry !== undefined) {
    const headerIndent = lastEntry.header?.indent ?? ''
    const keyIndent = lastEntry.entries[0]?.indent ?? `${headerIndent}  `
    return insertAfter(layout.text, lastEntry, renderEntries(input.entries, headerIndent, keyIndent, newline), newline)
  }

  const transferTables = sections.filter((section) => startsWithPath(section.header?.path ?? [], TRANSFER_PLUGIN_PATH))
  const lastTransfer = transferTables[transferTables.length - 1]
  if (lastTransfer !== undefined) {
    const headerIndent = `${transferTables[0]?.header?.indent ?? ''}  `
    const block = renderEntries(input.entries, headerIndent, `${headerIndent}  `, newline)
    return insertAfter(layout.text, lastTransfer, block, newline)
  }

  const block = renderEntries(input.entries, '', '  ', newline)
  return { offset: layout.text.length, length: 0, insert: appendWithBlankLine(input.textBeforeEnd, block, newline) }
}

function isUnpackEntryTable(section: Section): boolean {
  const header = section.header
  return header?.kind === 'array-table' && header.path.join('\0') === UNPACK_CONFIG_PATH.join('\0')
}

function insertAfter(text: string, section: Section, block: string, newline: string): TextEdit {
  const separator = section.entries.length > 0 ? newline : ''
  return { offset: section.end, length: 0, insert: lineBreakBefore(text, section.end, newline) + separator + block }
}

function renderEntries(entries: UnpackEntry[], headerIndent: string, keyIndent: string, newline: string): string {
  const header = `${headerIndent}[[plugins.${quote(UNPACK_CONFIG_PATH[1] as string)}.unpack_config]]`
  return entries
    .map((entry) =>
      [header, `${keyIndent}platform = ${quote(entry.platform)}`, `${keyIndent}snapshotter = ${quote(entry.snapshotter)}`]
        .map((line) => line + newline)
        .join(''),
    )
    .join(newline)
}

export function describeEntries(entries: UnpackEntry[]): string {
  return entries
    .map((entry) => `{ platform = ${quote(entry.platform)}, snapshotter = ${quote(entry.snapshotter)} }`)
    .join(' and ')
}
