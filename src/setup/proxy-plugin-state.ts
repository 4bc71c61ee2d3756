import type { TomlTable } from '../toml-parse.js'
import type { ProxyPluginRequest } from './proxy-snapshotters.js'

// containerd accepts both spellings of a snapshot proxy plugin's type
// (cmd/containerd/server/server.go, containerd v2.3: `case
// string(plugins.SnapshotPlugin), "snapshot"`).
const SNAPSHOT_TYPES: ReadonlySet<unknown> = new Set(['snapshot', 'io.containerd.snapshotter.v1'])

export type ProxyPluginState =
  | { kind: 'present'; key: string }
  | { kind: 'absent' }
  | { kind: 'other-address'; address: unknown }
  | { kind: 'other-type'; type: unknown }

export type AddressMatcher = (address: string) => boolean

// Looks for the requested plugin in a parsed config. The plugin's own key
// is checked first, because CONTAINERD_SNAPSHOTTER selects by key: a stale
// address there is a conflict even when another key has the right one.
export function findProxyPlugin(table: TomlTable, request: ProxyPluginRequest, matches: AddressMatcher): ProxyPluginState {
  const section = table.proxy_plugins
  const entries = isTable(section) ? section : {}
  const own = entries[request.name]

  if (own !== undefined) {
    if (!isTable(own) || !SNAPSHOT_TYPES.has(own.type)) return { kind: 'other-type', type: isTable(own) ? own.type : own }
    if (typeof own.address === 'string' && matches(own.address)) return { kind: 'present', key: request.name }
    return { kind: 'other-address', address: own.address }
  }

  for (const [key, entry] of Object.entries(entries)) {
    if (isSnapshotPluginAt(entry, matches)) return { kind: 'present', key }
  }
  return { kind: 'absent' }
}

// Returns the keys of every snapshot proxy plugin whose address matches.
export function keysWithAddress(table: TomlTable, matches: AddressMatcher): string[] {
  const section = table.proxy_plugins
  if (!isTable(section)) return []
  return Object.entries(section)
    .filter(([, entry]) => isSnapshotPluginAt(entry, matches))
    .map(([key]) => key)
}

function isSnapshotPluginAt(entry: unknown, matches: AddressMatcher): boolean {
  return isTable(entry) && SNAPSHOT_TYPES.has(entry.type) && typeof entry.address === 'string' && matches(entry.address)
}

export function isTable(value: unknown): value is TomlTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
}
