import path from 'node:path'

// The proxy snapshotters `rnerdctl setup` can add, with the socket each
// daemon listens on below the runtime dir ($XDG_RUNTIME_DIR rootless, /run
// as root), as containerd-rootless-setuptool.sh installs them.
export const PROXY_SNAPSHOTTERS = {
  'fuse-overlayfs': { socket: 'containerd-fuse-overlayfs.sock', userUnit: 'containerd-fuse-overlayfs.service' },
  stargz: { socket: 'containerd-stargz-grpc/containerd-stargz-grpc.sock', userUnit: 'stargz-snapshotter.service' },
} as const

export type ProxySnapshotterName = keyof typeof PROXY_SNAPSHOTTERS

export const PROXY_SNAPSHOTTER_NAMES = Object.keys(PROXY_SNAPSHOTTERS) as ProxySnapshotterName[]

// The plugin's TOML key under [proxy_plugins] and its socket address. The
// key is the snapshotter's name, as CONTAINERD_SNAPSHOTTER selects it.
export interface ProxyPluginRequest {
  name: string
  address: string
}

export function proxyPluginRequest(name: ProxySnapshotterName, runtimeDir: string): ProxyPluginRequest {
  return { name, address: path.join(runtimeDir, PROXY_SNAPSHOTTERS[name].socket) }
}
