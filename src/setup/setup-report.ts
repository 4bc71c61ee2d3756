import type { ConfigChange } from './config-change.js'
import type { SetupTarget } from './setup-target.js'

type Changed = Extract<ConfigChange, { kind: 'changed' }>

export function describeUnchanged(target: SetupTarget, pluginKey: string): string {
  return `proxy plugin "${pluginKey}" is already set up in ${target.configPath} (address ${target.request.address})`
}

// One line: what was added, where the original went, and how to restart
// containerd so that it loads the new config.
export function describeChanged(target: SetupTarget, change: Changed, backup: string | null): string {
  const saved = backup === null ? 'created the file' : `original saved as ${backup}`
  return `${describeAdditions(change)} in ${target.configPath} (${saved}); to load it, restart containerd: ${target.restartHint}`
}

function describeAdditions(change: Changed): string {
  const { additions, pluginKey } = change
  const first = additions.unpackEntries[0]
  const names = additions.unpackEntries.map((entry) => entry.snapshotter).join(' and ')
  const entries = first === undefined ? null : `unpack_config entries for ${names} (${first.platform})`
  if (additions.plugin === null) return `added ${entries}`

  const plugin = `proxy plugin "${pluginKey}" (address ${additions.plugin.address})`
  const pluginClause = additions.replacedAddress ? `set the address of ${plugin}` : `added ${plugin}`
  if (entries === null) return pluginClause
  return additions.replacedAddress ? `${pluginClause} and added ${entries}` : `${pluginClause} and ${entries}`
}
