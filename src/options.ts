import { parseBoolean, readVariable } from './settings.js'
import { DEFAULT_CHAIN, parseChain } from './snapshotter-chain.js'
import type { TomlTable } from './toml-parse.js'

// rnerdctl's own settings, from its environment variables and config file.
// A variable beats the config file, and a bad value gives a warning and the
// default, so a typo never stops nerdctl from running.

export interface Options {
  nerdctl: { value: string; source: string } | null
  chain: { names: string[]; source: string }
  bypass4netns: { enabled: boolean; source: string }
  debug: boolean
  noCache: boolean
  // RNERDCTL_DISABLE is acted on before options are read; it is resolved
  // here too, so `env` and `doctor` report a bad value.
  disable: boolean
  warnings: string[]
}

export interface OwnConfig {
  path: string
  table: TomlTable | null
  error: string | null
}

const KNOWN_KEYS = new Set(['nerdctl', 'snapshotters', 'bypass4netns', 'debug'])

export function resolveOptions(env: NodeJS.ProcessEnv, config: OwnConfig): Options {
  const warnings: string[] = []
  if (config.error !== null) warnings.push(`ignoring ${config.path}: ${config.error}`)
  const table = config.table ?? {}
  for (const key of Object.keys(table)) {
    if (!KNOWN_KEYS.has(key)) warnings.push(`${config.path}: unknown key "${key}" ignored`)
  }

  return {
    nerdctl: resolveNerdctlSetting(env, table, config.path, warnings),
    chain: resolveChain(env, table, config.path, warnings),
    bypass4netns: resolveBoolean(env, 'RNERDCTL_BYPASS4NETNS', table, 'bypass4netns', config.path, true, warnings),
    debug: resolveBoolean(env, 'RNERDCTL_DEBUG', table, 'debug', config.path, false, warnings).enabled,
    noCache: resolveBoolean(env, 'RNERDCTL_NO_CACHE', {}, '', config.path, false, warnings).enabled,
    disable: resolveBoolean(env, 'RNERDCTL_DISABLE', {}, '', config.path, false, warnings).enabled,
    warnings,
  }
}

function resolveNerdctlSetting(env: NodeJS.ProcessEnv, table: TomlTable, file: string, warnings: string[]): Options['nerdctl'] {
  const variable = readVariable(env, 'RNERDCTL_NERDCTL')
  if (variable !== undefined) return { value: variable, source: 'RNERDCTL_NERDCTL' }

  const key = table.nerdctl
  if (key === undefined) return null
  if (typeof key === 'string' && key !== '') return { value: key, source: file }
  warnings.push(`${file}: "nerdctl" must be a path string; searching PATH instead`)
  return null
}

function resolveChain(env: NodeJS.ProcessEnv, table: TomlTable, file: string, warnings: string[]): Options['chain'] {
  const variable = readVariable(env, 'RNERDCTL_SNAPSHOTTERS')
  if (variable !== undefined) {
    const parsed = parseChain(variable)
    if ('chain' in parsed) return { names: parsed.chain, source: 'RNERDCTL_SNAPSHOTTERS' }
    warnings.push(`RNERDCTL_SNAPSHOTTERS=${JSON.stringify(variable)}: ${parsed.error}; using the default chain (fix: a comma-separated list such as "overlayfs,native")`)
  } else if (table.snapshotters !== undefined) {
    const parsed = Array.isArray(table.snapshotters) ? parseChain(table.snapshotters) : { error: 'not an array' }
    if ('chain' in parsed) return { names: parsed.chain, source: file }
    warnings.push(`${file}: "snapshotters": ${parsed.error}; using the default chain (fix: snapshotters = ["overlayfs", "native"])`)
  }

  return { names: [...DEFAULT_CHAIN], source: 'default' }
}

function resolveBoolean(
  env: NodeJS.ProcessEnv,
  variable: string,
  table: TomlTable,
  key: string,
  file: string,
  fallback: boolean,
  warnings: string[],
): { enabled: boolean; source: string } {
  const raw = env[variable]
  const parsed = parseBoolean(raw)
  if (typeof parsed === 'boolean') return { enabled: parsed, source: variable }

  const value = key === '' ? undefined : table[key]
  const result = typeof value === 'boolean' ? { enabled: value, source: file } : { enabled: fallback, source: 'default' }
  if (value !== undefined && typeof value !== 'boolean') warnings.push(`${file}: "${key}" must be true or false; using ${fallback}`)
  if (parsed === null) {
    const used = `${result.enabled ? 'on' : 'off'}${result.source === file ? ` from ${file}` : ''}`
    warnings.push(`${variable}=${JSON.stringify(raw)} is not a boolean; using ${used} (fix: 1/0, true/false, yes/no or on/off)`)
  }
  return result
}
