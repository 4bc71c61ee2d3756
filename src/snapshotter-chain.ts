import type { OverlayMountResult } from './overlay-test.js'
import type { OverlayRulesVerdict } from './kernel.js'
import type { SocketVerdict } from './socket-probe.js'

// The default chain, in order. stargz comes first, because a running stargz
// daemon means the user set up lazy pulling on purpose. overlayfs is next,
// the fastest snapshotter the kernel itself provides. fuse-overlayfs is the
// rootless fallback on kernels that reject unprivileged overlay mounts.
// native (plain copies) works everywhere, slowly and at a cost in disk.
export const DEFAULT_CHAIN: readonly string[] = ['stargz', 'overlayfs', 'fuse-overlayfs', 'native']

// Proxy snapshotters recognised by the socket name their daemon listens on,
// so a block keyed "fuse" is still known as fuse-overlayfs.
export const WELL_KNOWN_SOCKETS: Record<string, string> = {
  'fuse-overlayfs': 'containerd-fuse-overlayfs.sock',
  stargz: 'containerd-stargz-grpc.sock',
}

// Both FUSE-based: fuse-overlayfs mounts with FUSE, and stargz serves its
// lazily pulled layers through FUSE.
export const NEEDS_FUSE = new Set(['fuse-overlayfs', 'stargz'])

export interface FuseFacts {
  kernel: OverlayRulesVerdict
  device: { usable: boolean; reason: string }
}

export interface ProxyCandidateFacts {
  kind: 'proxy'
  wanted: string
  // The proxy plugin's key in config.toml: the name nerdctl is given.
  name: string | null
  declaredIn: string | null
  hostAddress: string | null
  problem: string | null
  // Said once per boot as well as in the reason: a config copied from
  // another user needs fixing, not just a fallback.
  warning?: string | null
  socket: SocketVerdict | null
  fuse: FuseFacts | null
}

export type CandidateFacts =
  | { kind: 'overlayfs'; rootless: boolean; rules: OverlayRulesVerdict; mount: OverlayMountResult | null }
  | { kind: 'native' }
  | ProxyCandidateFacts

export interface Candidate {
  name: string
  usable: boolean | null
  reason: string
  warning?: string
}

export function judgeCandidate(facts: CandidateFacts): Candidate {
  if (facts.kind === 'native') return { name: 'native', usable: true, reason: 'native works on every host (copies, no overlay)' }
  if (facts.kind === 'overlayfs') return judgeOverlay(facts)
  return judgeProxy(facts)
}

function judgeOverlay(facts: Extract<CandidateFacts, { kind: 'overlayfs' }>): Candidate {
  const name = 'overlayfs'
  if (!facts.rootless) return { name, usable: true, reason: 'rootful: the kernel overlay needs no user namespace' }
  if (facts.rules.allowed === false) return { name, usable: false, reason: facts.rules.reason }

  const mount = facts.mount
  if (mount === null || !mount.ran) {
    const why = mount === null ? 'not run' : mount.detail
    return facts.rules.allowed === true
      ? { name, usable: true, reason: `${facts.rules.reason} (mount test: ${why})` }
      : { name, usable: false, reason: `${facts.rules.reason}, and the mount test could not run: ${why}` }
  }

  return mount.ok
    ? { name, usable: true, reason: `${facts.rules.reason}; ${mount.detail}` }
    : { name, usable: false, reason: mount.detail }
}

function judgeProxy(facts: ProxyCandidateFacts): Candidate {
  const name = facts.name ?? facts.wanted
  if (facts.problem !== null) {
    const candidate: Candidate = { name, usable: false, reason: facts.problem }
    if (facts.warning) candidate.warning = facts.warning
    return candidate
  }

  if (facts.fuse !== null) {
    if (facts.fuse.kernel.allowed === false) return { name, usable: false, reason: facts.fuse.kernel.reason }
    if (!facts.fuse.device.usable) return { name, usable: false, reason: facts.fuse.device.reason }
  }

  if (facts.socket === null) return { name, usable: null, reason: 'socket not probed' }
  if (!facts.socket.alive) return { name, usable: false, reason: facts.socket.reason }
  return { name, usable: true, reason: `proxy plugin "${name}" from ${facts.declaredIn}: ${facts.socket.reason}` }
}

export function firstUsable(candidates: readonly Candidate[]): Candidate | null {
  return candidates.find((candidate) => candidate.usable === true) ?? null
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

// Returns the chain named by a setting, or an error naming the bad entry.
export function parseChain(value: string | readonly unknown[]): { chain: string[] } | { error: string } {
  const names = typeof value === 'string' ? value.split(',').map((name) => name.trim()) : [...value]
  const chain: string[] = []
  for (const name of names) {
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) return { error: `invalid snapshotter name ${describeValue(name)}` }
    if (!chain.includes(name)) chain.push(name)
  }
  return chain.length === 0 ? { error: 'empty snapshotter list' } : { chain }
}

// Any value as short text for a message: a config can hold values JSON
// cannot show (a BigInt) or nests too deep for it.
function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value !== 'object' || value === null) return String(value)
  if (Array.isArray(value)) return 'an array'
  const opaque = value as { tomlType?: unknown; text?: unknown }
  return typeof opaque.tomlType === 'string' ? `${String(opaque.text)} (a TOML ${opaque.tomlType})` : 'a table'
}
