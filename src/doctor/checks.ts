import { checkCgroup, checkCgroupDelegation } from './cgroup.js'
import { countNoun, fail, ok, warn, type Check } from './check.js'
import { checkContainerdConfig } from './config-check.js'
import { checkContainerd, checkContainerdSnapshotters } from './containerd-checks.js'
import { checkBuildkit, checkBypass4netns } from './daemons.js'
import type { DoctorFacts } from './facts.js'
import { checkFuse, checkOverlay } from './overlay.js'
import { checkProxyPlugin } from './proxy-plugins.js'
import { checkRootlessKit } from './rootlesskit.js'
import { checkRuntimeDir } from './runtime-dir.js'
import { checkSnapshotter } from './snapshotter.js'
import { checkLinger, checkSystemdSession } from './systemd.js'

// Turns the gathered facts into the doctor's checks, in the order a user
// would fix them: session, containerd, snapshotters, host, tools. Pure.
export function buildChecks(facts: DoctorFacts): Check[] {
  const checks: Check[] = []
  if (facts.rootless) checks.push(checkRuntimeDir(facts), checkSystemdSession(facts), checkLinger(facts), checkRootlessKit(facts))

  checks.push(checkContainerd(facts), checkContainerdConfig(facts), checkContainerdSnapshotters(facts))
  for (const plugin of facts.proxyPlugins) checks.push(checkProxyPlugin(facts, plugin))

  checks.push(checkOverlay(facts), checkFuse(facts), checkCgroup(facts))
  if (facts.rootless) checks.push(checkCgroupDelegation(facts))

  checks.push(checkSettings(facts), checkNerdctl(facts), checkNerdctlToml(facts), checkSnapshotter(facts))
  if (facts.rootless) checks.push(checkBypass4netns(facts))
  checks.push(checkBuildkit(facts))
  return checks
}

// rnerdctl ignores a bad setting and uses the default, so a typo never
// stops nerdctl; this check is where the user sees it.
export function checkSettings(facts: DoctorFacts): Check {
  const id = 'settings'
  const settings = facts.settings
  const chain = `snapshotter chain: ${settings.chain.join(', ')} (from ${settings.chainSource})`
  if (settings.warnings.length === 0) return ok(id, "rnerdctl's settings are valid", [chain])

  const summary = `${countNoun(settings.warnings.length, 'invalid setting')} ignored`
  return warn(id, summary, [...settings.warnings, chain], 'correct the values named above; until then the defaults apply')
}

// nerdctl reads nerdctl.toml on every call, rejects unknown keys, and
// stops at any error but a missing file (cmd/nerdctl/main.go).
export function checkNerdctlToml(facts: DoctorFacts): Check {
  const id = 'nerdctl-toml'
  const toml = facts.settings.nerdctlToml
  if (!toml.exists) return ok(id, `${toml.path} does not exist: nerdctl uses its defaults`)
  if (toml.error === null) return ok(id, `${toml.path} is valid TOML`)

  return fail(id, `nerdctl cannot read ${toml.path}: ${toml.error}`, [], `correct ${toml.path}, or move it away`)
}

const NERDCTL_INSTALL = 'install nerdctl (https://github.com/containerd/nerdctl/releases) or set RNERDCTL_NERDCTL=/path/to/nerdctl'

export function checkNerdctl(facts: DoctorFacts): Check {
  const id = 'nerdctl'
  const nerdctl = facts.nerdctl
  if (nerdctl.path === null) {
    const { problem, fix } = splitLookupMessage(nerdctl.problem ?? 'nerdctl not found')
    return fail(id, problem, [], fix)
  }

  const version = nerdctl.version === null ? 'version unknown (`nerdctl --version` failed)' : `version ${nerdctl.version}`
  return ok(id, `nerdctl at ${nerdctl.path}, ${version}`)
}

// The lookup's message ends with its fix, either "(fix: ...)" for a file
// that cannot run or ": install nerdctl ..." when none is found. The
// summary keeps what is wrong, and the fix is printed once, below it.
export function splitLookupMessage(message: string): { problem: string; fix: string } {
  const fix = /^(.*?) \(fix: (.+)\)$/.exec(message)
  if (fix !== null) return { problem: fix[1] as string, fix: fix[2] as string }

  const install = `: ${NERDCTL_INSTALL}`
  if (message.endsWith(install)) return { problem: message.slice(0, -install.length), fix: NERDCTL_INSTALL }
  return { problem: message, fix: NERDCTL_INSTALL }
}
