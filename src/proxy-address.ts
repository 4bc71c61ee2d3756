import path from 'node:path'

export interface NamespaceDirs {
  rootless: boolean
  runtimeDir: string | null
  dataHome: string
  configHome: string
}

// containerd reads config.toml inside RootlessKit's mount namespace, where
// containerd-rootless.sh bind-mounts $XDG_RUNTIME_DIR/containerd on
// /run/containerd, $XDG_DATA_HOME/containerd on /var/lib/containerd and
// $XDG_CONFIG_HOME/containerd on /etc/containerd. Returns the host path of
// an address, or null when it needs a runtime dir that does not exist.
export function mapAddressToHost(address: string, dirs: NamespaceDirs): string | null {
  const plain = address.replace(/^unix:\/\//, '')
  if (!dirs.rootless) return plain

  const mounts: [string, string | null][] = [
    ['/run/containerd', dirs.runtimeDir === null ? null : path.join(dirs.runtimeDir, 'containerd')],
    ['/var/lib/containerd', path.join(dirs.dataHome, 'containerd')],
    ['/etc/containerd', path.join(dirs.configHome, 'containerd')],
  ]
  for (const [inside, host] of mounts) {
    if (plain === inside || plain.startsWith(`${inside}/`)) return host === null ? null : host + plain.slice(inside.length)
  }
  return plain
}

// Returns the uid whose runtime dir contains `hostPath` when that is not
// `uid`: a config copied from another user points at that user's sockets.
export function foreignRuntimeDirUid(hostPath: string, uid: number): number | null {
  const match = /^\/run\/user\/(\d+)(\/|$)/.exec(hostPath)
  if (match === null) return null
  const owner = Number(match[1])
  return owner === uid ? null : owner
}
