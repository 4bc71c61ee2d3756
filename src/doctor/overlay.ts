import { existsSync } from 'node:fs'
import { gatherCandidateFacts, matchProxyPlugin, type ChainContext } from '../chain-facts.js'
import { checkDevFuse, type KernelFacts } from '../host-facts.js'
import { isUbuntuKernel, judgeRootlessFuse, judgeRootlessOverlay } from '../kernel.js'
import { judgeCandidate } from '../snapshotter-chain.js'
import { ok, warn, type Check } from './check.js'
import type { DoctorFacts, FuseFacts, OverlayFacts } from './facts.js'

// Kernel overlayfs and FUSE, the two ways rootless containerd can stack
// image layers without copying them.

// Runs the same rules and mount test as the snapshotter chain, with the
// same cache entry, so doctor and the chain cannot disagree.
export async function readOverlayFacts(context: ChainContext): Promise<OverlayFacts> {
  const gathered = await gatherCandidateFacts('overlayfs', context)
  const rules = gathered.kind === 'overlayfs' ? gathered.rules : judgeRootlessOverlay(context.kernel)
  const mount = gathered.kind === 'overlayfs' ? gathered.mount : null
  return { kernel: context.kernel, rules, mount, verdict: judgeCandidate(gathered) }
}

export function readFuseFacts(kernel: KernelFacts, rootless: boolean): FuseFacts {
  return {
    exists: existsSync('/dev/fuse'),
    device: checkDevFuse(),
    kernel: rootless ? judgeRootlessFuse(kernel.release) : { allowed: true, reason: 'rootful' },
  }
}

export function checkOverlay(facts: DoctorFacts): Check {
  const id = 'overlayfs'
  const overlay = facts.overlay
  const details = [
    `kernel release: ${overlay.kernel.release}`,
    `Ubuntu kernel: ${isUbuntuKernel(overlay.kernel.procVersion) ? 'yes' : 'no'}`,
    `SELinux enforcing: ${overlay.kernel.selinuxEnforcing ? 'yes' : 'no'}`,
    `kernel rules: ${overlay.rules.reason}`,
    `mount test: ${describeMount(facts)}`,
  ]
  if (overlay.verdict.usable === true) return ok(id, `overlayfs is usable: ${overlay.verdict.reason}`, details)

  const fuse = facts.decision.candidates.find((candidate) => candidate.name === 'fuse-overlayfs' && candidate.usable === true)
  if (fuse !== undefined) return ok(id, `overlayfs is not usable (${overlay.verdict.reason}); fuse-overlayfs stands in`, details)

  return warn(
    id,
    `overlayfs is not usable: ${overlay.verdict.reason}`,
    details,
    'use fuse-overlayfs: `containerd-rootless-setuptool.sh install-fuse-overlayfs`, or run kernel 5.13 or later',
  )
}

function describeMount(facts: DoctorFacts): string {
  if (!facts.rootless) return 'not needed (rootful)'
  const mount = facts.overlay.mount
  if (mount === null) return 'not run (the kernel rules decide)'
  return mount.ran ? mount.detail : `could not run: ${mount.detail}`
}

// FUSE matters only to FUSE-based proxy plugins, so an unusable /dev/fuse
// is a warning only when one is declared.
export function checkFuse(facts: DoctorFacts): Check {
  const id = 'fuse'
  const fuse = facts.fuse
  const details = [fuse.device.reason, `kernel: ${fuse.kernel.reason}`]
  const usable = fuse.device.usable && fuse.kernel.allowed !== false
  if (usable) return ok(id, '/dev/fuse is usable', details)

  const users = ['fuse-overlayfs', 'stargz'].flatMap((name) => matchProxyPlugin(name, facts.config.plugins)?.name ?? [])
  if (users.length === 0) return ok(id, 'FUSE is not usable, but no FUSE-based proxy plugin is declared', details)

  return warn(id, `FUSE is not usable, so ${users.join(' and ')} cannot mount`, details, fuseFix(fuse))
}

// Distributions ship /dev/fuse as mode 0666 once the fuse module is loaded;
// a chmod lasts until the next boot.
function fuseFix(fuse: FuseFacts): string {
  if (fuse.kernel.allowed === false) return 'run kernel 4.18 or later'
  if (!fuse.exists) return 'sudo modprobe fuse'
  return 'sudo chmod 0666 /dev/fuse'
}
