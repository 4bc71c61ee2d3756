import { realpathSync, statSync } from 'node:fs'
import path from 'node:path'
import { glob } from './glob.js'
import { readConfigFile } from './read-file.js'
import { signatureOf, statSignature } from './stat-signature.js'
import type { TomlResult, TomlTable } from './toml-parse.js'
import type { TrustCheck } from './trust.js'

// containerd's config.toml and its `imports`, reduced to what rnerdctl
// needs: the proxy plugins of type "snapshot". containerd accepts config
// versions 1 and 2 (1.x) and 3 (2.x); `proxy_plugins` has the same shape in
// all three.

export interface ProxyPlugin {
  name: string
  address: string
  file: string
}

export interface ConfigFileState {
  path: string
  mtimeMs: number | null
  size: number | null
  // statSignature of the file as it was read (from the open descriptor),
  // so a file replaced after the read cannot be cached under the new key.
  signature?: string
  error: string | null
  missing: boolean
}

export interface ContainerdConfig {
  files: ConfigFileState[]
  // Directories that import globs were matched in: a new file there
  // changes what the config imports.
  globDirs: { path: string; mtimeMs: number | null; signature?: string }[]
  plugins: ProxyPlugin[]
  warnings: string[]
}

// Imports can form a chain; containerd itself loads each file once.
const MAX_CONFIG_FILES = 64

export type ParseToml = (text: string) => TomlResult

// `trust`, when given, rejects files that someone else could have written:
// their plugins then count as unavailable.
export function readContainerdConfig(mainPath: string, parse: ParseToml, trust?: TrustCheck): ContainerdConfig {
  const config: ContainerdConfig = { files: [], globDirs: [], plugins: [], warnings: [] }
  const seen = new Set<string>()
  const queue = [mainPath]

  while (queue.length > 0 && config.files.length < MAX_CONFIG_FILES) {
    const file = queue.shift() as string
    const key = realpathOr(file)
    if (seen.has(key)) continue
    seen.add(key)

    const table = readOneFile(file, parse, config, trust)
    if (table !== null) queue.push(...resolveImports(file, table, config))
  }

  if (queue.length > 0) config.warnings.push(`${mainPath}: more than ${MAX_CONFIG_FILES} imported files, the rest ignored`)
  config.plugins = keepLastDeclaration(config.plugins)
  return config
}

// containerd merges imported files in load order, and a later file's
// proxy plugin of the same name replaces the earlier one.
function keepLastDeclaration(plugins: ProxyPlugin[]): ProxyPlugin[] {
  const byName = new Map<string, ProxyPlugin>()
  for (const plugin of plugins) {
    byName.delete(plugin.name)
    byName.set(plugin.name, plugin)
  }
  return [...byName.values()]
}

function readOneFile(file: string, parse: ParseToml, config: ContainerdConfig, trust?: TrustCheck): TomlTable | null {
  const read = readConfigFile(file)
  const state: ConfigFileState = {
    path: file,
    mtimeMs: read.stat?.mtimeMs ?? null,
    size: read.stat?.size ?? null,
    signature: read.stat === undefined ? statSignature(file) : signatureOf(file, read.stat),
    error: null,
    missing: !read.ok && read.missing,
  }
  config.files.push(state)

  if (!read.ok) {
    if (!read.missing) state.error = `${file}: ${read.reason}`
    return null
  }

  const distrust = trust?.(read.stat) ?? null
  if (distrust !== null) {
    state.error = `${file}: not trusted: it ${distrust}; its proxy plugins are ignored (fix: chmod go-w ${file})`
    return null
  }

  const parsed = parse(read.text)
  if (!parsed.ok) {
    state.error = `${file}:${parsed.line}: invalid TOML: ${parsed.message}${explainParseError(read.text, parsed.line, parsed.message)}`
    return null
  }

  checkVersion(file, parsed.table, config)
  config.plugins.push(...collectProxyPlugins(parsed.table, file, config.warnings))
  return parsed.table
}

// Pasting the setup tool's snippet for both fuse-overlayfs and stargz gives
// a second [proxy_plugins] header, which TOML forbids, so the message
// names that header and the fix.
export function explainParseError(text: string, line: number, message: string): string {
  const header = text.split('\n')[line - 1]?.trim() ?? ''
  if (!/redefine/i.test(message) || !/^\[[^[]/.test(header)) return ''
  const name = header.replace(/\s*#.*$/, '')
  return ` (${name} appears twice: merge the two tables under one ${name} header)`
}

function checkVersion(file: string, table: TomlTable, config: ContainerdConfig): void {
  const version = table.version
  if (version === undefined || version === 1 || version === 2 || version === 3) return
  const shown = typeof version === 'object' && version !== null && 'text' in version ? String(version.text) : JSON.stringify(version)
  config.warnings.push(`${file}: unknown config version ${shown} (containerd reads 1, 2 and 3)`)
}

export function collectProxyPlugins(table: TomlTable, file: string, warnings: string[]): ProxyPlugin[] {
  const section = table.proxy_plugins
  if (!isTable(section)) return []

  const plugins: ProxyPlugin[] = []
  for (const [name, entry] of Object.entries(section)) {
    if (!isTable(entry) || entry.type !== 'snapshot') continue

    if (typeof entry.address !== 'string' || entry.address === '') {
      warnings.push(`${file}: proxy plugin "${name}" has no address`)
      continue
    }
    plugins.push({ name, address: entry.address, file })
  }
  return plugins
}

// containerd resolves a relative import against the importing file's
// directory, and expands it with filepath.Glob only when it contains a `*`
// (containerd's config.resolveImports): `conf.d/x[1].toml` is a plain name.
function resolveImports(file: string, table: TomlTable, config: ContainerdConfig): string[] {
  const imports = table.imports
  if (imports === undefined) return []
  if (!Array.isArray(imports)) {
    config.warnings.push(`${file}: "imports" is not an array`)
    return []
  }

  const found: string[] = []
  for (const entry of imports) {
    if (typeof entry !== 'string') continue
    const pattern = path.isAbsolute(entry) ? entry : path.join(path.dirname(file), entry)
    found.push(...expandImport(pattern, config))
  }
  return found
}

function expandImport(pattern: string, config: ContainerdConfig): string[] {
  if (!pattern.includes('*')) return [pattern]

  try {
    return glob(pattern, (dir) => config.globDirs.push({ path: dir, mtimeMs: mtimeOr(dir), signature: statSignature(dir) }))
  } catch (error) {
    config.warnings.push(`import ${pattern}: ${(error as Error).message}`)
    return []
  }
}

function isTable(value: unknown): value is TomlTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function realpathOr(file: string): string {
  try {
    return realpathSync(file)
  } catch {
    return path.resolve(file)
  }
}

function mtimeOr(file: string): number | null {
  try {
    return statSync(file).mtimeMs
  } catch {
    return null
  }
}
