import type { ProbeCache } from '../cache.js'
import type { ContainerdProcess } from '../host-facts.js'

// The plugins containerd reports through its introspection service, as
// `ctr plugins ls` prints them. containerd loads plugins only when it
// starts, so a list stays true for one containerd process and is cached
// per process. This module only parses and uses the cache (it starts no
// program), so the snapshotter chain can read the list on every call.

export const SNAPSHOTTER_PLUGIN_TYPE = 'io.containerd.snapshotter.v1'

export interface ContainerdPlugin {
  type: string
  id: string
  platforms: string[]
  // "ok", "skip" (the plugin chose not to load on this host) or "error".
  status: string
}

// Parses the table of `ctr plugins ls`: a header line "TYPE ID PLATFORMS
// STATUS", then one line per plugin. ctr aligns the columns with spaces, and
// no field contains a space (platforms are joined with commas, "-" for
// none). Returns null when the header is missing.
export function parsePluginList(output: string): ContainerdPlugin[] | null {
  const lines = output.split('\n').map((line) => line.trim())
  const header = lines.findIndex((line) => /^TYPE\s+ID\s+PLATFORMS\s+STATUS$/.test(line))
  if (header === -1) return null

  const plugins: ContainerdPlugin[] = []
  for (const line of lines.slice(header + 1)) {
    const fields = line.split(/\s+/)
    if (fields.length !== 4) continue

    const [type, id, platforms, status] = fields as [string, string, string, string]
    plugins.push({ type, id, platforms: platforms === '-' ? [] : platforms.split(','), status })
  }
  return plugins
}

export function findSnapshotterPlugin(plugins: readonly ContainerdPlugin[], name: string): ContainerdPlugin | null {
  return plugins.find((plugin) => plugin.type === SNAPSHOTTER_PLUGIN_TYPE && plugin.id === name) ?? null
}

const CACHE_NAME = 'containerd-plugins'

// startedAtMs is worked out from /proc/uptime (10 ms steps) and the wall
// clock, so two reads for the same process differ by a few milliseconds.
// A restarted containerd gets a new pid, so the slack cannot join two
// processes unless a pid is reused within this second of the same boot.
const START_TIME_SLACK_MS = 1000

interface StoredPluginList {
  startedAtMs: number
  plugins: ContainerdPlugin[]
}

// Returns the plugin list cached for this containerd process, or null
// when there is none (never asked, another process, or cache bypassed).
export function readCachedPluginList(cache: ProbeCache, containerd: ContainerdProcess): ContainerdPlugin[] | null {
  const stored = cache.get<StoredPluginList>(CACHE_NAME, { pid: containerd.pid })
  if (stored === undefined || !Array.isArray(stored.plugins)) return null
  if (Math.abs(stored.startedAtMs - containerd.startedAtMs) > START_TIME_SLACK_MS) return null
  return stored.plugins
}

export function storePluginList(cache: ProbeCache, containerd: ContainerdProcess, plugins: ContainerdPlugin[]): void {
  const value: StoredPluginList = { startedAtMs: containerd.startedAtMs, plugins }
  cache.set(CACHE_NAME, { pid: containerd.pid }, value)
}

// Returns why containerd has not loaded proxy plugin `name` according to
// its own plugin list, or null when it lists the plugin as loaded. The
// caller adds the restart instruction, which depends on how containerd runs.
export function findUnloadedProxyPlugin(name: string, file: string, plugins: readonly ContainerdPlugin[]): string | null {
  const entry = findSnapshotterPlugin(plugins, name)
  if (entry?.status === 'ok') return null

  const listed = entry === null ? 'does not list it' : `lists it as "${entry.status}"`
  return `containerd has not loaded proxy plugin "${name}" declared in ${file} (its plugin list ${listed})`
}
