import type { Candidate } from '../snapshotter-chain.js'
import { fail, ok, restartContainerdFix, warn, type Check } from './check.js'
import type { DoctorFacts } from './facts.js'
import { findSnapshotterPlugin } from './plugin-list.js'

// The snapshotter nerdctl would get now, and why. It fails when nerdctl
// could not use it: containerd has not loaded it, or the user chose one
// that cannot work.

function describeCandidate(candidate: Candidate): string {
  let verdict = 'not checked'
  if (candidate.usable !== null) verdict = candidate.usable ? 'usable' : 'unusable'
  return `${candidate.name}: ${verdict}: ${candidate.reason}`
}

export function checkSnapshotter(facts: DoctorFacts): Check {
  const id = 'snapshotter'
  const chosen = facts.decision.snapshotter
  const details = facts.decision.candidates.map(describeCandidate)
  if (facts.lastChoice !== null && facts.lastChoice !== chosen.name) details.push(`last time rnerdctl chose ${facts.lastChoice}`)

  if (chosen.name === null) {
    return warn(id, `no usable snapshotter: ${chosen.reason}; nerdctl falls back to its default, overlayfs`, details, 'add native to the chain: RNERDCTL_SNAPSHOTTERS=stargz,overlayfs,fuse-overlayfs,native')
  }

  const name = chosen.name
  const detected = chosen.source === 'detected'
  const choice = detected ? `rnerdctl chooses ${name}` : `${name} is your choice (${chosen.reason})`
  const restart = restartContainerdFix(facts)
  const list = facts.containerd.pluginList
  if (list.source !== 'none') {
    const entry = findSnapshotterPlugin(list.plugins, name)
    if (entry?.status !== 'ok') {
      const listed = entry === null ? 'does not list it' : `lists it as "${entry.status}"`
      const fix = detected ? `restart containerd: ${restart}` : `choose a snapshotter containerd loaded, or restart containerd: ${restart}`
      return fail(id, `${choice}, but containerd has not loaded it (its plugin list ${listed})`, details, fix)
    }
  }

  const own = facts.decision.candidates.find((candidate) => candidate.name === name)
  if (!detected && own?.usable === false) {
    return fail(id, `${choice}, but it cannot work now: ${own.reason}`, details, `start its daemon, or change or remove the choice (${chosen.reason})`)
  }

  const change = facts.lastChoice !== null && facts.lastChoice !== name ? ` (was ${facts.lastChoice} last time)` : ''
  return ok(id, detected ? `${choice}${change}: ${chosen.reason}` : `${choice}${change}`, details)
}
