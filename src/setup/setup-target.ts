import path from 'node:path'
import { userDirs } from '../paths.js'
import { mapAddressToHost, type NamespaceDirs } from '../proxy-address.js'
import { findRuntimeDir } from '../runtime-dir.js'
import type { AddressMatcher } from './proxy-plugin-state.js'
import { proxyPluginRequest, type ProxyPluginRequest, type ProxySnapshotterName } from './proxy-snapshotters.js'
import { SetupError } from './setup-error.js'

// The config file, plugin address and commands of one `rnerdctl setup`,
// from the caller's uid and environment. Rootless (euid != 0) uses the
// caller's runtime dir and $XDG_CONFIG_HOME. Root uses /run and /etc, as
// containerd's packages do.
export interface SetupTarget {
  rootless: boolean
  configPath: string
  request: ProxyPluginRequest
  matches: AddressMatcher
  // containerd's socket on the host, for `ctr plugins ls`.
  containerdSocket: string
  restartCommand: string[]
  // Present when systemd's user manager runs: its private socket.
  systemdUserSocket: string | null
}

export interface TargetInput {
  snapshotter: ProxySnapshotterName
  configPath: string | undefined
  uid: number
  env: NodeJS.ProcessEnv
}

export function resolveSetupTarget(input: TargetInput): SetupTarget {
  const rootless = input.uid !== 0
  const dirs = userDirs(input.env)
  const runtimeDir = findRuntimeDir(input.env, input.uid)
  if (runtimeDir.path === null) throw new SetupError(runtimeDir.warnings.join('; '))

  const defaultConfig = rootless ? path.join(dirs.configHome, 'containerd', 'config.toml') : '/etc/containerd/config.toml'
  const request = proxyPluginRequest(input.snapshotter, runtimeDir.path)
  const namespaceDirs: NamespaceDirs = {
    rootless,
    runtimeDir: runtimeDir.path,
    dataHome: dirs.dataHome,
    configHome: dirs.configHome,
  }

  return {
    rootless,
    configPath: path.resolve(input.configPath ?? defaultConfig),
    request,
    matches: matchAddress(request.address, namespaceDirs),
    containerdSocket: path.join(runtimeDir.path, 'containerd', 'containerd.sock'),
    restartCommand: rootless ? ['systemctl', '--user', 'restart', 'containerd.service'] : ['systemctl', 'restart', 'containerd'],
    systemdUserSocket: rootless ? path.join(runtimeDir.path, 'systemd', 'private') : null,
  }
}

// Two spellings of one socket count as the same address: "unix://" or not,
// extra slashes, and (rootless) a path inside RootlessKit's namespace that
// containerd-rootless.sh bind-mounts from the host.
export function matchAddress(wanted: string, dirs: NamespaceDirs): AddressMatcher {
  const normalize = (address: string): string => path.normalize(mapAddressToHost(address, dirs) ?? address)
  const target = normalize(wanted)
  return (address) => normalize(address) === target
}
