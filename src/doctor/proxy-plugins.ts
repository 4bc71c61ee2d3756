import { statSync } from 'node:fs'
import path from 'node:path'
import type { ProxyPlugin } from '../containerd-config.js'
import { foreignRuntimeDirUid, mapAddressToHost, type NamespaceDirs } from '../proxy-address.js'
import { probeSocket } from '../socket-probe.js'
import { WELL_KNOWN_SOCKETS } from '../snapshotter-chain.js'
import { ok, restartContainerdFix, warn, type Check } from './check.js'
import type { DoctorFacts, ProxyPluginFacts } from './facts.js'
import { findSnapshotterPlugin } from './plugin-list.js'

// Each proxy plugin of type "snapshot" declared in containerd's config: a
// gRPC daemon that containerd dials at `address`, and nerdctl uses when
// CONTAINERD_SNAPSHOTTER names it.

const SOCKET_TIMEOUT_MS = 1000

export async function readProxyPluginFacts(plugin: ProxyPlugin, dirs: NamespaceDirs, uid: number): Promise<ProxyPluginFacts> {
  const hostAddress = mapAddressToHost(plugin.address, dirs)
  if (hostAddress === null) return { plugin, hostAddress, socketOwner: null, answer: null }

  let socketOwner: number | null
  try {
    socketOwner = statSync(hostAddress).uid
  } catch {
    socketOwner = null
  }
  const answer = await probeSocket(hostAddress, { uid, mode: 'http2', timeoutMs: SOCKET_TIMEOUT_MS })
  return { plugin, hostAddress, socketOwner, answer }
}

// The systemd units containerd-rootless-setuptool.sh installs for the
// well-known daemons, by the socket name they listen on.
const UNITS: Record<string, string> = {
  'fuse-overlayfs': 'containerd-fuse-overlayfs.service',
  stargz: 'stargz-snapshotter.service',
}

function startDaemonFix(facts: DoctorFacts, entry: ProxyPluginFacts): string {
  const known = Object.entries(WELL_KNOWN_SOCKETS).find(([, socket]) => path.basename(entry.plugin.address) === socket)
  const unit = known === undefined ? undefined : UNITS[known[0]]
  if (unit === undefined || !facts.systemd.booted) return `start the daemon for proxy plugin "${entry.plugin.name}" so that it listens on ${entry.hostAddress}`
  return facts.rootless ? `systemctl --user start ${unit}` : `systemctl start ${unit}`
}

export function checkProxyPlugin(facts: DoctorFacts, entry: ProxyPluginFacts): Check {
  const { plugin, hostAddress } = entry
  const id = `proxy-plugin:${plugin.name}`
  const details = [`declared in ${plugin.file}`, `address: ${plugin.address}${hostAddress !== null && hostAddress !== plugin.address ? ` (${hostAddress} on the host)` : ''}`]
  if (hostAddress === null) return warn(id, `"${plugin.name}" needs a runtime dir for ${plugin.address}, and there is none`, details, 'see the runtime-dir check')

  const foreign = foreignRuntimeDirUid(hostAddress, facts.uid)
  if (foreign !== null) {
    const own = `/run/user/${facts.uid}/${hostAddress.split('/').slice(4).join('/')}`
    return warn(id, `"${plugin.name}" points into uid ${foreign}'s runtime dir: the config was written for another user`, details, `set address = "${own}" in ${plugin.file}, then restart containerd: ${restartContainerdFix(facts)}`)
  }

  const runtimeDir = facts.decision.runtimeDir.path
  if (facts.rootless && runtimeDir !== null && !hostAddress.startsWith(`${runtimeDir}/`)) {
    return warn(id, `"${plugin.name}" listens outside your runtime dir ${runtimeDir}: rnerdctl trusts only sockets there`, details, `run its daemon with a socket under ${runtimeDir} and set that address in ${plugin.file}`)
  }

  if (entry.socketOwner !== null) details.push(`socket owner: uid ${entry.socketOwner}`)
  details.push(entry.answer?.reason ?? 'socket not probed')
  const listed = describeLoaded(facts, plugin.name)
  if (listed !== null) details.push(listed.detail)

  if (listed !== null && !listed.loaded) {
    return warn(id, `containerd has not loaded "${plugin.name}"`, details, `restart containerd: ${restartContainerdFix(facts)}`)
  }
  if (entry.answer?.alive !== true) return warn(id, `"${plugin.name}" does not answer on ${hostAddress}`, details, startDaemonFix(facts, entry))

  return ok(id, `"${plugin.name}" answers on ${hostAddress}`, details)
}

function describeLoaded(facts: DoctorFacts, name: string): { loaded: boolean; detail: string } | null {
  const list = facts.containerd.pluginList
  if (list.source === 'none') return null

  const entry = findSnapshotterPlugin(list.plugins, name)
  if (entry === null) return { loaded: false, detail: 'containerd does not list it: containerd has not loaded it' }
  return { loaded: entry.status === 'ok', detail: `containerd lists it as "${entry.status}"` }
}
