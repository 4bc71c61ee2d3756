import type { TomlTable } from '../toml-parse.js'
import { parseConfigToml } from './parse-config.js'
import { expectTable, isSameTable, type PlannedAdditions } from './expected-table.js'
import { planProxyPluginInsertion } from './proxy-plugin-insertion.js'
import type { ImportedPlugin } from './imported-plugins.js'
import { findProxyPlugin, keysWithAddress, type AddressMatcher } from './proxy-plugin-state.js'
import type { ProxyPluginRequest } from './proxy-snapshotters.js'
import { SetupError } from './setup-error.js'
import { applyEdits, detectNewline, type TextEdit } from './text-edits.js'
import { quoteBasicString, TomlScanError } from './toml-lexer.js'
import { findValues, lineAt, scanTomlLayout, type TomlLayout } from './toml-layout.js'
import { describeEntries, planUnpackInsertion } from './unpack-config-insertion.js'
import { missingUnpackEntries } from './unpack-config.js'

export interface ConfigEditInput {
  // The file's text without a byte order mark.
  text: string
  // The path named in messages.
  file: string
  request: ProxyPluginRequest
  matches: AddressMatcher
  // Proxy plugins from files the config imports.
  imported: ImportedPlugin[]
  // The host's platform for unpack_config entries ("linux/amd64").
  platform: string
  force: boolean
  // The command that reruns this setup, suggested with --force.
  command: string
}

export type ConfigEdit =
  | { kind: 'unchanged'; pluginKey: string }
  | { kind: 'changed'; pluginKey: string; edits: TextEdit[]; text: string; additions: PlannedAdditions }

// Plans the text edits that add the proxy plugin (and, for containerd 2.x
// configs, its unpack_config entries), applies them, and checks that the
// result parses to the original plus exactly those additions. Throws
// SetupError, naming the file and line, when the file does not parse or
// contains a conflicting plugin.
export function planConfigEdit(input: ConfigEditInput): ConfigEdit {
  const table = parseOrReject(input.text, input.file)
  const layout = scanOrReject(input.text, input.file)
  const newline = detectNewline(input.text)
  const edits: TextEdit[] = []
  const additions: PlannedAdditions = { plugin: null, replacedAddress: false, unpackEntries: [] }

  const pluginKey = planPluginEdit(input, table, layout, newline, edits, additions)
  if (usesUnpackConfig(table)) {
    additions.unpackEntries = missingUnpackEntries(table, pluginKey, input.platform)
  }

  if (additions.unpackEntries.length > 0) {
    const textBeforeEnd = applyEdits(input.text, edits)
    edits.push(planUnpackInsertion({ layout, entries: additions.unpackEntries, newline, file: input.file, textBeforeEnd }))
  }

  if (edits.length === 0) return { kind: 'unchanged', pluginKey }

  const text = applyEdits(input.text, edits)
  verifyEditedText(text, table, input, additions)
  return { kind: 'changed', pluginKey, edits, text, additions }
}

// containerd 2.x writes `version = 3` (4 from v2.3 on). Only those configs
// have the transfer service's unpack_config list.
function usesUnpackConfig(table: TomlTable): boolean {
  return typeof table.version === 'number' && table.version >= 3
}

function planPluginEdit(
  input: ConfigEditInput,
  table: TomlTable,
  layout: TomlLayout,
  newline: string,
  edits: TextEdit[],
  additions: PlannedAdditions,
): string {
  const { request, file } = input
  const state = findProxyPlugin(table, request, input.matches)
  if (state.kind === 'present') return state.key

  if (state.kind === 'absent') {
    const importedKey = findImportedPlugin(input)
    if (importedKey !== null) return importedKey

    edits.push(planProxyPluginInsertion(layout, request, newline))
    additions.plugin = request
    return request.name
  }

  const line = locatePlugin(layout, request.name)
  if (state.kind === 'other-type') {
    throw new SetupError(
      `${file}:${line}: proxy plugin "${request.name}" has type ${JSON.stringify(state.type)}, not "snapshot"; ` +
        `fix or remove that table, then run \`${input.command}\` again`,
    )
  }

  const spans = findValues(layout, ['proxy_plugins', request.name, 'address'])
  const span = spans[0]
  if (!input.force || spans.length !== 1 || span === undefined) {
    const found = state.address === undefined ? 'has no address' : `has address ${JSON.stringify(state.address)}`
    const fix = spans.length === 1 ? `, or run \`${input.command} --force\` to replace it` : ''
    throw new SetupError(
      `${file}:${line}: proxy plugin "${request.name}" ${found}, expected "${request.address}"; ` +
        `set address = "${request.address}" there${fix}`,
    )
  }

  edits.push({ offset: span.start, length: span.end - span.start, insert: quoteBasicString(request.address) })
  additions.plugin = request
  additions.replacedAddress = true
  return request.name
}

// An imported file that defines the plugin counts as the config defining
// it. A stale address there is rejected: setup edits only the main file.
function findImportedPlugin(input: ConfigEditInput): string | null {
  const { request } = input
  const own = input.imported.find((plugin) => plugin.name === request.name)
  if (own !== undefined && !input.matches(own.address)) {
    throw new SetupError(
      `${own.file}:${own.line}: proxy plugin "${request.name}" has address "${own.address}", expected "${request.address}"; ` +
        `set address = "${request.address}" there (that file is imported by ${input.file})`,
    )
  }

  const match = own ?? input.imported.find((plugin) => input.matches(plugin.address))
  return match?.name ?? null
}

// Returns the line of the plugin's address, or of its table, for messages.
function locatePlugin(layout: TomlLayout, name: string): number {
  const span = findValues(layout, ['proxy_plugins', name, 'address'])[0] ?? findValues(layout, ['proxy_plugins', name])[0]
  if (span !== undefined) return lineAt(layout.text, span.start)

  const isPluginTable = (path: string[]): boolean => path.length === 2 && path[0] === 'proxy_plugins' && path[1] === name
  const header = layout.statements.find((statement) => statement.kind === 'table' && isPluginTable(statement.path))
  return header?.line ?? 1
}

function parseOrReject(text: string, file: string): TomlTable {
  const parsed = parseConfigToml(text)
  if (parsed.ok) return parsed.table
  throw new SetupError(
    `${file}:${parsed.line}: invalid TOML (${parsed.message}); fix that line first, rnerdctl edits only a config that parses`,
  )
}

function scanOrReject(text: string, file: string): TomlLayout {
  try {
    return scanTomlLayout(text)
  } catch (error) {
    if (!(error instanceof TomlScanError)) throw error
    throw new SetupError(`${file}: cannot locate tables in this TOML (${error.message}); add the proxy plugin by hand`)
  }
}

function verifyEditedText(text: string, original: TomlTable, input: ConfigEditInput, additions: PlannedAdditions): void {
  const parsed = parseConfigToml(text)
  const manual = manualFix(input, additions)
  if (!parsed.ok) {
    const reason = `line ${parsed.line}: ${parsed.message}`
    throw new SetupError(`${input.file}: the edited config would not parse (${reason}); nothing written, ${manual}`)
  }

  const before = keysWithAddress(original, input.matches).length
  const after = keysWithAddress(parsed.table, input.matches).length
  const added = additions.plugin !== null ? 1 : 0
  if (after !== before + added || !isSameTable(parsed.table, expectTable(original, additions))) {
    throw new SetupError(`${input.file}: the edited config would differ from the plan; nothing written, ${manual}`)
  }
}

function manualFix(input: ConfigEditInput, additions: PlannedAdditions): string {
  const plugin = `[proxy_plugins."${input.request.name}"] type = "snapshot", address = "${input.request.address}"`
  if (additions.unpackEntries.length === 0) return `add ${plugin} by hand`
  return `add ${plugin} and unpack_config entries ${describeEntries(additions.unpackEntries)} by hand`
}
