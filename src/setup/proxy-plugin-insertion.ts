import { quoteBasicString as quote } from './toml-lexer.js'
import { listSections, type Section, type Statement, type TomlLayout } from './toml-layout.js'
import { appendWithBlankLine, lineBreakBefore, type TextEdit } from './text-edits.js'
import type { ProxyPluginRequest } from './proxy-snapshotters.js'

// Computes where a new proxy plugin goes and in which form. It joins the
// proxy_plugins table the file already has, in that table's own style,
// because a second [proxy_plugins] header (what pasting two of
// containerd-rootless-setuptool.sh's snippets gives) is invalid TOML.
//
// Forms handled, in order:
// - root `proxy_plugins = { ... }`: a member is added inside the braces.
// - root dotted keys `proxy_plugins.x.type = ...`: dotted lines follow them.
// - a lone `[proxy_plugins]` whose entries are key/value pairs: a pair in
//   the same style follows them.
// - `[proxy_plugins."x"]` sub-tables, or an empty `[proxy_plugins]`: a
//   sub-table follows the last of them.
// - none: a sub-table is appended at the end of the file.
export function planProxyPluginInsertion(layout: TomlLayout, request: ProxyPluginRequest, newline: string): TextEdit {
  const sections = listSections(layout)
  const root = sections[0] as Section
  const rootEntries = root.entries.filter((statement) => statement.path[0] === 'proxy_plugins')
  const inline = rootEntries.find((statement) => statement.path.length === 1 && statement.value?.kind === 'inline-table')
  if (inline !== undefined) return insertInlineMember(layout.text, inline, request)

  const last = rootEntries[rootEntries.length - 1]
  if (last !== undefined) {
    const lines = dottedLines(`${last.indent}proxy_plugins.`, request, newline)
    return insertLines(layout.text, last.end, lines, newline)
  }

  const tables = sections.filter((section) => section.header?.path[0] === 'proxy_plugins')
  if (tables.length === 0) return appendSubTable(layout.text, request, newline)
  return insertIntoTables(layout.text, tables, request, newline)
}

function insertIntoTables(text: string, tables: Section[], request: ProxyPluginRequest, newline: string): TextEdit {
  const plain = tables[0] as Section
  const header = plain.header as Statement
  const lastEntry = plain.entries[plain.entries.length - 1]
  if (tables.length === 1 && header.path.length === 1 && lastEntry !== undefined) {
    const allInline = plain.entries.every((entry) => entry.path.length === 2 && entry.value?.kind === 'inline-table')
    const lines = allInline
      ? `${lastEntry.indent}${quote(request.name)} = ${inlineTable(request)}${newline}`
      : dottedLines(lastEntry.indent, request, newline)
    return insertLines(text, lastEntry.end, lines, newline)
  }

  const target = tables[tables.length - 1] as Section
  const sibling = [...tables].reverse().find((section) => section.header?.path.length === 2)
  const headerIndent = sibling?.header?.indent ?? `${header.indent}  `
  const keyIndent = sibling?.entries[0]?.indent ?? `${headerIndent}  `
  const separator = target.entries.length > 0 ? newline : ''
  const lines = separator + subTable(request, headerIndent, keyIndent, newline)
  return insertLines(text, target.end, lines, newline)
}

// `{ a = 1 }` becomes `{ a = 1, "x" = { ... } }`, and `{}` becomes `{ "x" = { ... } }`.
function insertInlineMember(text: string, statement: Statement, request: ProxyPluginRequest): TextEdit {
  const value = statement.value as NonNullable<Statement['value']>
  const member = `${quote(request.name)} = ${inlineTable(request)}`
  let before = value.end - 1
  while (before > value.start && /\s/.test(text[before - 1] as string)) before--

  if (before === value.start + 1) return { offset: value.start + 1, length: 0, insert: ` ${member} ` }
  return { offset: before, length: 0, insert: `, ${member}` }
}

function appendSubTable(text: string, request: ProxyPluginRequest, newline: string): TextEdit {
  const block = subTable(request, '', '  ', newline)
  return { offset: text.length, length: 0, insert: appendWithBlankLine(text, block, newline) }
}

function insertLines(text: string, offset: number, lines: string, newline: string): TextEdit {
  return { offset, length: 0, insert: lineBreakBefore(text, offset, newline) + lines }
}

function subTable(request: ProxyPluginRequest, headerIndent: string, keyIndent: string, newline: string): string {
  return [
    `${headerIndent}[proxy_plugins.${quote(request.name)}]`,
    `${keyIndent}type = "snapshot"`,
    `${keyIndent}address = ${quote(request.address)}`,
  ].map((line) => line + newline).join('')
}

function dottedLines(prefix: string, request: ProxyPluginRequest, newline: string): string {
  const key = prefix + quote(request.name)
  return `${key}.type = "snapshot"${newline}${key}.address = ${quote(request.address)}${newline}`
}

function inlineTable(request: ProxyPluginRequest): string {
  return `{ type = "snapshot", address = ${quote(request.address)} }`
}
