import { fail, formatTime, ok, restartContainerdFix, startContainerdFix, warn, type Check } from './check.js'
import { CONTAINERD_SILENT, CTR_NOT_FOUND } from './containerd.js'
import type { ConfigFacts, DoctorFacts } from './facts.js'
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

// containerd's start time is worked out from clock ticks and /proc/uptime
// (10 ms steps), and some file systems store mtimes in whole seconds. A file
// written just before containerd started must not look newer, so a change
// within this margin after the start is not reported.
const START_MARGIN_MS = 1000

// containerd reads its config once, at start: a file changed since then
// (or a new file in an imported glob's directory) is not in effect.
export function checkContainerdConfig(facts: DoctorFacts): Check {
  const id = 'containerd-config'
  const config = facts.config
  const details = describeConfigFiles(config)
  const broken = config.files.filter((file) => file.error !== null)
  const restart = restartContainerdFix(facts)
  const startedAtMs = facts.containerd.process?.startedAtMs ?? null

  if (broken.length > 0) {
    const errors = broken.map((file) => file.error).join('; ')
    return warn(id, `invalid containerd config: ${errors}`, [...details, ...config.warnings], `fix the file, then restart containerd: ${restart}`)
  }
  if (config.warnings.length > 0) return warn(id, config.warnings.join('; '), details, `edit ${config.mainPath}, then restart containerd: ${restart}`)

  const main = config.files[0]
  if (main === undefined || main.missing) return ok(id, `${config.mainPath} does not exist: containerd runs with its defaults`, details)

  if (startedAtMs === null) {
    return ok(id, `${config.files.length} file(s) read; containerd's start time is unknown, so not compared with them`, details)
  }
  details.push(`containerd started at ${formatTime(startedAtMs)}`)

  const changed = [...config.files, ...config.globDirs].filter((file) => file.mtimeMs !== null && file.mtimeMs > startedAtMs + START_MARGIN_MS)
  if (changed.length === 0) return ok(id, `${config.mainPath} and its imports are unchanged since containerd started`, details)

  const names = changed.map((file) => file.path).join(', ')
  return warn(id, `containerd config changed after containerd started (${names}): the change is not in effect`, details, `restart containerd: ${restart}`)
}

function describeConfigFiles(config: ConfigFacts): string[] {
  return config.files.map((file) => {
    if (file.missing) return `${file.path}: does not exist`
    const modified = file.mtimeMs === null ? 'modification time unknown' : `modified ${formatTime(file.mtimeMs)}`
    return `${file.path}: ${modified}`
  })
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
  return warn(id, `containerd has not loaded declared proxy plugin(s) ${names}`, details, `restart containerd: ${restartContainerdFix(facts)}`)
}
