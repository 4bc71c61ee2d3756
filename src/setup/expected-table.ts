import type { TomlTable } from '../toml-parse.js'
import { isTable } from './proxy-plugin-state.js'
import type { ProxyPluginRequest } from './proxy-snapshotters.js'
import { UNPACK_CONFIG_PATH, type UnpackEntry } from './unpack-config.js'

// The additions setup plans for a config. The edited text must parse to
// the original table plus exactly these, which catches an insertion that
// landed where it changes meaning (inside a string, under the wrong table)
// even when the result still parses.
export interface PlannedAdditions {
  // Set when the plugin table is added, or its address replaced.
  plugin: ProxyPluginRequest | null
  replacedAddress: boolean
  unpackEntries: UnpackEntry[]
}

export function expectTable(original: TomlTable, additions: PlannedAdditions): TomlTable {
  const expected = structuredClone(original)
  const plugin = additions.plugin
  if (plugin !== null) {
    const section = ensureTable(expected, 'proxy_plugins')
    const existing = section[plugin.name]
    if (additions.replacedAddress && isTable(existing)) existing.address = plugin.address
    else section[plugin.name] = { type: 'snapshot', address: plugin.address }
  }

  if (additions.unpackEntries.length > 0) {
    const transfer = ensureTable(ensureTable(expected, UNPACK_CONFIG_PATH[0] as string), UNPACK_CONFIG_PATH[1] as string)
    const key = UNPACK_CONFIG_PATH[2] as string
    const list = Array.isArray(transfer[key]) ? (transfer[key] as unknown[]) : []
    transfer[key] = [...list, ...additions.unpackEntries.map((entry) => ({ ...entry }))]
  }
  return expected
}

function ensureTable(parent: TomlTable, key: string): TomlTable {
  const value = parent[key]
  if (isTable(value)) return value

  const created: TomlTable = {}
  parent[key] = created
  return created
}

// Compares two parsed tables by value, ignoring key order.
export function isSameTable(a: TomlTable, b: TomlTable): boolean {
  return canonicalJson(a) === canonicalJson(b)
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, item: unknown) => {
    if (typeof item === 'bigint') return `${item}n`
    if (!isTable(item)) return item

    const sorted: TomlTable = {}
    for (const key of Object.keys(item).sort()) sorted[key] = item[key]
    return sorted
  })
}
