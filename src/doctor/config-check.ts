import type { ConfigFileState, ProxyPlugin } from '../containerd-config.js'
import { countNoun, formatTime, joinWords, ok, restartContainerdFix, warn, type Check } from './check.js'
import type { ConfigFacts, DoctorFacts } from './facts.js'
import { findSnapshotterPlugin } from './plugin-list.js'

// containerd's start time is worked out from clock ticks and /proc/uptime
// (10 ms steps), and some file systems store mtimes in whole seconds. A file
// written just before containerd started must not look newer, so a change
// within this margin after the start is not reported.
const START_MARGIN_MS = 1000

// containerd reads its config once, at start. A file modified since then
// (or a new file in an imported glob's directory) may contain a change that
// is not in effect. A copy of the same bytes also moves the mtime, so the
// check reads containerd's plugin list to learn whether the proxy plugins
// declared there are loaded.
export function checkContainerdConfig(facts: DoctorFacts): Check {
  const id = 'containerd-config'
  const config = facts.config
  const details = describeConfigFiles(config)
  const restart = restartContainerdFix(facts)
  const startedAtMs = facts.containerd.process?.startedAtMs ?? null

  const broken = config.files.filter((file) => file.error !== null)
  if (broken.length > 0) return checkInvalidConfig(facts, broken, details)

  if (config.warnings.length === 1) return warn(id, config.warnings[0] as string, details, `edit ${config.mainPath}, then restart containerd: ${restart}`)
  if (config.warnings.length > 1) {
    const summary = `${countNoun(config.warnings.length, 'problem')} in containerd's config`
    return warn(id, summary, [...config.warnings, ...details], `edit the files named above, then restart containerd: ${restart}`)
  }

  const main = config.files[0]
  if (main === undefined || main.missing) return ok(id, `${config.mainPath} does not exist: containerd runs with its defaults`, details)

  if (startedAtMs === null) {
    return ok(id, `${countNoun(config.files.length, 'file')} read, but containerd's start time is unknown, so not compared with them`, details)
  }
  details.push(`containerd started at ${formatTime(startedAtMs)}`)

  const changed = [...config.files, ...config.globDirs].filter((file) => file.mtimeMs !== null && file.mtimeMs > startedAtMs + START_MARGIN_MS)
  if (changed.length === 0) return ok(id, `${config.mainPath} and its imports are unchanged since containerd started`, details)

  return checkChangedConfig(facts, changed.map((file) => file.path), details)
}

function checkInvalidConfig(facts: DoctorFacts, broken: readonly ConfigFileState[], details: string[]): Check {
  const id = 'containerd-config'
  const config = facts.config
  const described = broken.map((file) => describeInvalidFile(config, file))
  const problems = described.map((entry) => entry.problem)
  const fix = `${described.map((entry) => entry.repair).join('\n')}, then restart containerd: ${restartContainerdFix(facts)}`
  if (problems.length === 1) return warn(id, `invalid containerd config: ${problems[0]}`, [...details, ...config.warnings], fix)

  const summary = `${countNoun(problems.length, 'containerd config file')} invalid`
  return warn(id, summary, [...problems, ...details, ...config.warnings], fix)
}

// A repeated table header is described from the file's lines, in place of
// the parser's message, so the fix is named once.
function describeInvalidFile(config: ConfigFacts, file: ConfigFileState): { problem: string; repair: string } {
  const repeated = config.repeatedHeaders.find((entry) => entry.file === file.path)
  if (repeated === undefined) return { problem: file.error as string, repair: `correct ${file.path}` }

  const lines = joinWords(repeated.lines.map(String))
  const times = repeated.lines.length === 2 ? 'twice' : `${repeated.lines.length} times`
  return {
    problem: `${file.path}: the table header ${repeated.header} appears ${times} (lines ${lines}), which TOML does not allow`,
    repair: `merge the tables under one ${repeated.header} header in ${file.path}`,
  }
}

// The plugin list settles the change for the proxy plugins declared in the
// changed files: containerd lists each one as loaded, or it does not.
function checkChangedConfig(facts: DoctorFacts, changed: readonly string[], details: string[]): Check {
  const id = 'containerd-config'
  const names = changed.join(', ')
  const restart = `restart containerd: ${restartContainerdFix(facts)}`
  const list = facts.containerd.pluginList
  const declared = facts.config.plugins.filter((plugin) => changed.includes(plugin.file))
  if (list.source === 'none' || declared.length === 0) {
    const pronoun = changed.length === 1 ? 'it' : 'them'
    return warn(id, `${names} changed after containerd started (by mtime), so containerd may not have loaded ${pronoun}`, details, restart)
  }

  const source = list.source === 'cache' ? 'the plugin list cached for this containerd process' : '`ctr plugins ls`'
  details.push(`proxy plugins checked against ${source}`)
  const unloaded = declared.filter((plugin) => findSnapshotterPlugin(list.plugins, plugin.name)?.status !== 'ok')
  if (unloaded.length > 0) {
    const plugins = `${unloaded.length === 1 ? 'proxy plugin' : 'proxy plugins'} ${quoteNames(unloaded)}`
    return warn(id, `${names} changed after containerd started, and containerd has not loaded ${plugins} declared there`, details, restart)
  }

  details.push('settings other than proxy plugins cannot be checked: a restart applies them')
  const plugins = `${declared.length === 1 ? 'proxy plugin' : 'proxy plugins'} ${quoteNames(declared)}`
  return ok(id, `${names} changed after containerd started (by mtime), and containerd has loaded the ${plugins} declared there`, details)
}

function quoteNames(plugins: readonly ProxyPlugin[]): string {
  return joinWords(plugins.map((plugin) => `"${plugin.name}"`))
}

function describeConfigFiles(config: ConfigFacts): string[] {
  return config.files.map((file) => {
    if (file.missing) return `${file.path}: does not exist`
    const modified = file.mtimeMs === null ? 'modification time unknown' : `modified ${formatTime(file.mtimeMs)}`
    return `${file.path}: ${modified}`
  })
}
