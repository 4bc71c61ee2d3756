import { fail, ok, restartContainerdFix, startContainerdFix, warn, type Check } from './check.js'
import { CONTAINERD_SILENT, CTR_NOT_FOUND } from './containerd.js'
import type { DoctorFacts } from './facts.js'
import { SNAPSHOTTER_PLUGIN_TYPE, findSnapshotterPlugin } from './plugin-list.js'

export function checkContainerd(facts: DoctorFacts): Check {
  const id = 'containerd'
  const { socket, answer } = facts.containerd
  const fix = startContainerdFix(facts)
  if (socket === null || answer === null) return fail(id, 'containerd not checked: there is no runtime dir to hold its socket', [], fix)
  if (answer.alive) return ok(id, `containerd answers gRPC on ${socket}`)

  // RootlessKit's child runs, yet its socket is silent: containerd is hung
  // or still starting, and a restart is what clears it.
  const childAlive = facts.rootlessKit?.child?.alive === true
  return fail(id, `containerd does not answer on ${socket}`, [answer.reason], childAlive ? restartContainerdFix(facts) : fix)
}

export function checkContainerdSnapshotters(facts: DoctorFacts): Check {
  const id = 'containerd-snapshotters'
  const list = facts.containerd.pluginList
  if (list.source === 'none') {
    let fix = `restart containerd: ${restartContainerdFix(facts)}`
    if (list.reason === CTR_NOT_FOUND) fix = 'put ctr, which ships with containerd, on PATH'
    if (list.reason === CONTAINERD_SILENT) fix = startContainerdFix(facts)
    return warn(id, `cannot query containerd for its snapshotters: ${list.reason}`, [], fix)
  }

  const snapshotters = list.plugins.filter((plugin) => plugin.type === SNAPSHOTTER_PLUGIN_TYPE)
  const details = snapshotters.map((plugin) => `${plugin.id}: ${plugin.status}`)
  details.push(list.source === 'cache' ? 'from the list cached for this containerd process' : 'from `ctr plugins ls`, just now')

  const unloaded = facts.config.plugins.filter((plugin) => findSnapshotterPlugin(list.plugins, plugin.name)?.status !== 'ok')
  const loaded = snapshotters.filter((plugin) => plugin.status === 'ok').map((plugin) => plugin.id)
  if (unloaded.length === 0) return ok(id, `containerd loaded: ${loaded.join(', ') || 'no snapshotter'}`, details)

  const names = unloaded.map((plugin) => `"${plugin.name}" (${plugin.file})`).join(', ')
  const plugins = unloaded.length === 1 ? 'declared proxy plugin' : 'declared proxy plugins'
  return warn(id, `containerd has not loaded ${plugins} ${names}`, details, `restart containerd: ${restartContainerdFix(facts)}`)
}
