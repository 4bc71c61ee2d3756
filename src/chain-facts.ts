import path from 'node:path'
import type { ProbeCache } from './cache.js'
import type { ContainerdConfig, ProxyPlugin } from './containerd-config.js'
import type { ContainerdProcess, KernelFacts } from './host-facts.js'
import { checkDevFuse } from './host-facts.js'
import { findUnloadedProxyPlugin, readCachedPluginList } from './doctor/plugin-list.js'
import { judgeRootlessFuse, judgeRootlessOverlay } from './kernel.js'
import { testOverlayMount, type OverlayMountResult } from './overlay-test.js'
import { foreignRuntimeDirUid, mapAddressToHost, type NamespaceDirs } from './proxy-address.js'
import { describeContainerdRestart, readRestartFacts } from './restart-hint.js'
import { ProbeCanceller, probeSocket } from './socket-probe.js'
import { NEEDS_FUSE, WELL_KNOWN_SOCKETS, type CandidateFacts, type ProxyCandidateFacts } from './snapshotter-chain.js'

// Gathers the facts for each candidate of the snapshotter chain. Probes run
// in parallel; a frozen daemon costs at most SOCKET_BUDGET_MS.
export const SOCKET_BUDGET_MS = 150

export interface ChainContext {
  uid: number
  dirs: NamespaceDirs
  kernel: KernelFacts
  bootId: string
  config: () => Promise<ContainerdConfig>
  containerd: ContainerdProcess | null
  unshare: string | null
  cache: ProbeCache
  canceller: ProbeCanceller
}

export function gatherCandidateFacts(wanted: string, context: ChainContext): Promise<CandidateFacts> {
  if (wanted === 'native') return Promise.resolve({ kind: 'native' })
  if (wanted === 'overlayfs') return gatherOverlayFacts(context)
  return gatherProxyFacts(wanted, context)
}

async function gatherOverlayFacts(context: ChainContext): Promise<CandidateFacts> {
  const rootless = context.dirs.rootless
  const rules = judgeRootlessOverlay(context.kernel)
  if (!rootless || rules.allowed === false) return { kind: 'overlayfs', rootless, rules, mount: null }

  const containerdRoot = path.join(context.dirs.dataHome, 'containerd')
  const deps = { release: context.kernel.release, bootId: context.bootId, containerdRoot }
  let mount = context.cache.get<OverlayMountResult>('overlay-mount', deps)
  if (mount === undefined) {
    mount = await testOverlayMount(containerdRoot, context.unshare)
    context.cache.set('overlay-mount', deps, mount)
  }
  return { kind: 'overlayfs', rootless, rules, mount }
}

async function gatherProxyFacts(wanted: string, context: ChainContext): Promise<ProxyCandidateFacts> {
  const config = await context.config()
  const plugin = matchProxyPlugin(wanted, config.plugins)
  const facts: ProxyCandidateFacts = {
    kind: 'proxy',
    wanted,
    name: plugin?.name ?? null,
    declaredIn: plugin?.file ?? null,
    hostAddress: null,
    problem: null,
    warning: null,
    socket: null,
    fuse: null,
  }

  if (plugin === null) {
    facts.problem = describeMissingPlugin(wanted, config)
    return facts
  }

  facts.hostAddress = mapAddressToHost(plugin.address, context.dirs)
  facts.problem = findPluginProblem(plugin, facts.hostAddress, context, config)
  if (facts.problem !== null && facts.hostAddress !== null && foreignRuntimeDirUid(facts.hostAddress, context.uid) !== null) {
    facts.warning = facts.problem
  }
  if (facts.problem !== null) return facts

  if (NEEDS_FUSE.has(proxyKind(plugin))) {
    facts.fuse = {
      kernel: context.dirs.rootless ? judgeRootlessFuse(context.kernel.release) : { allowed: true, reason: 'rootful' },
      device: checkDevFuse(),
    }
  }

  const options = { uid: context.uid, mode: 'http2' as const, timeoutMs: SOCKET_BUDGET_MS, canceller: context.canceller }
  facts.socket = await probeSocket(facts.hostAddress as string, options)
  return facts
}

// A plugin is found by its key, or, for the well-known daemons, by the
// socket it points at, so a block keyed "fuse" still counts as fuse-overlayfs.
export function matchProxyPlugin(wanted: string, plugins: readonly ProxyPlugin[]): ProxyPlugin | null {
  const byName = plugins.find((plugin) => plugin.name === wanted)
  if (byName !== undefined) return byName

  const socketName = WELL_KNOWN_SOCKETS[wanted]
  if (socketName === undefined) return null
  return plugins.find((plugin) => path.basename(plugin.address) === socketName) ?? null
}

function proxyKind(plugin: ProxyPlugin): string {
  const byAddress = Object.entries(WELL_KNOWN_SOCKETS).find(([, socket]) => path.basename(plugin.address) === socket)
  return byAddress?.[0] ?? plugin.name
}

function findPluginProblem(
  plugin: ProxyPlugin,
  hostAddress: string | null,
  context: ChainContext,
  config: ContainerdConfig,
): string | null {
  if (hostAddress === null) return `proxy plugin "${plugin.name}" at ${plugin.address} needs a runtime dir, and there is none`

  const foreignUid = foreignRuntimeDirUid(hostAddress, context.uid)
  if (foreignUid !== null) {
    return (
      `proxy plugin "${plugin.name}" in ${plugin.file} points into uid ${foreignUid}'s runtime dir (${plugin.address}); ` +
      `this config was written for another user: change the address to /run/user/${context.uid}/${hostAddress.split('/').slice(4).join('/')}`
    )
  }

  // containerd's own plugin list, cached by `rnerdctl doctor` for this
  // containerd process, settles whether the plugin loaded. Without it, a
  // config file newer than containerd means the plugin may not be loaded.
  const loaded = context.containerd === null ? null : readCachedPluginList(context.cache, context.containerd)
  if (loaded !== null) {
    const unloaded = findUnloadedProxyPlugin(plugin.name, plugin.file, loaded)
    return unloaded === null ? null : `${unloaded}: restart containerd: ${describeRestart(context.dirs)}`
  }

  const mtimeMs = config.files.find((file) => file.path === plugin.file)?.mtimeMs ?? null
  if (context.containerd !== null && mtimeMs !== null && mtimeMs > context.containerd.startedAtMs) {
    return (
      `proxy plugin "${plugin.name}" is declared in ${plugin.file}, changed after containerd started (by mtime), ` +
      `so containerd may not have loaded it: restart containerd: ${describeRestart(context.dirs)}`
    )
  }
  return null
}

// Read only when a message needs it: two stat calls.
function describeRestart(dirs: NamespaceDirs): string {
  return describeContainerdRestart(readRestartFacts(dirs.rootless, dirs.runtimeDir))
}

function describeMissingPlugin(wanted: string, config: ContainerdConfig): string {
  const main = config.files[0]
  const broken = config.files.filter((file) => file.error !== null).map((file) => file.error)
  if (broken.length > 0) return `no proxy plugin "${wanted}": ${broken.join('; ')} (its plugins count as unavailable)`
  if (main === undefined || main.missing) return `no proxy plugin "${wanted}": ${main?.path ?? 'containerd config'} does not exist`
  return `no proxy plugin "${wanted}" in ${main.path}${config.files.length > 1 ? ' or its imports' : ''}`
}
