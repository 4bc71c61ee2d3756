import path from 'node:path'
import type { ProbeCache } from '../cache.js'
import { readContainerdProcess } from '../host-facts.js'
import { probeSocket } from '../socket-probe.js'
import { listContainerdPlugins } from './ctr.js'
import type { ContainerdFacts, PluginListFacts, RootlessKitFacts } from './facts.js'
import { readCachedPluginList, storePluginList } from './plugin-list.js'

// Finds containerd, checks that it serves gRPC, and queries it for the
// plugins it loaded (or reads the list cached for this containerd process).

export const ROOTFUL_SOCKET = '/run/containerd/containerd.sock'

// A busy containerd may take longer than the pass-through path's 150 ms;
// doctor can afford to wait.
const SOCKET_TIMEOUT_MS = 1000

// findProgram skips copies that someone other than root or the caller
// could have replaced, so a found ctr is one rnerdctl may run.
export const CTR_NOT_FOUND = 'no ctr on PATH that only root or you can replace'
export const CONTAINERD_SILENT = 'containerd does not answer'

export interface ContainerdLookup {
  rootless: boolean
  uid: number
  runtimeDir: string | null
  rootlessKit: RootlessKitFacts | null
  ctr: string | null
  cache: ProbeCache
}

export async function readContainerdFacts(lookup: ContainerdLookup): Promise<ContainerdFacts> {
  const socket = containerdSocket(lookup.rootless, lookup.runtimeDir)
  const stateDir = lookup.rootlessKit?.stateDir ?? null
  const process = lookup.rootless && stateDir !== null ? readContainerdProcess(stateDir) : null
  const answer = socket === null ? null : await probeSocket(socket, { uid: lookup.uid, mode: 'http2', timeoutMs: SOCKET_TIMEOUT_MS })
  const facts: ContainerdFacts = { socket, answer, process, pluginList: { source: 'none', reason: '' } }

  facts.pluginList = await readPluginList(facts, lookup)
  return facts
}

// The host side of containerd's socket: containerd-rootless.sh bind-mounts
// $XDG_RUNTIME_DIR/containerd on /run/containerd inside the namespace.
export function containerdSocket(rootless: boolean, runtimeDir: string | null): string | null {
  if (!rootless) return ROOTFUL_SOCKET
  return runtimeDir === null ? null : path.join(runtimeDir, 'containerd', 'containerd.sock')
}

async function readPluginList(facts: ContainerdFacts, lookup: ContainerdLookup): Promise<PluginListFacts> {
  if (facts.process !== null) {
    const cached = readCachedPluginList(lookup.cache, facts.process)
    if (cached !== null) return { source: 'cache', plugins: cached }
  }

  if (facts.socket === null || facts.answer?.alive !== true) return { source: 'none', reason: CONTAINERD_SILENT }
  if (lookup.ctr === null) return { source: 'none', reason: CTR_NOT_FOUND }

  const listed = await listContainerdPlugins(lookup.ctr, facts.socket)
  if (!listed.ok) return { source: 'none', reason: listed.reason }

  if (facts.process !== null) storePluginList(lookup.cache, facts.process, listed.plugins)
  return { source: 'containerd', plugins: listed.plugins }
}
