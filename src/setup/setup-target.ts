import path from 'node:path'
import { userDirs } from '../paths.js'
import { mapAddressToHost, type NamespaceDirs } from '../proxy-address.js'
import { describeContainerdRestart, readRestartFacts } from '../restart-hint.js'
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
  // The systemd command that --restart runs.
  restartCommand: string[]
  // The instruction printed after a change: the restart command, or how to
  // restart containerd by hand where systemd does not run it.
  restartHint: string
  // Rootless only: the private socket of systemd's user manager, which
  // exists while the manager runs.
  systemdUserSocket: string | null
}

export interface TargetInput {
  snapshotter: ProxySnapshotterName
  configPath: string | undefined
  uid: number
  env: NodeJS.ProcessEnv
  exists?: (file: string) => boolean
}

export const CONFIG_VALUE_MISSING = '--config needs a path: pass --config PATH, or leave --config out for the default'

export function resolveSetupTarget(input: TargetInput): SetupTarget {
  // path.resolve('') is the working directory, so an empty value would
  // take the working directory for the config file.
  if (input.configPath === '') throw new SetupError(CONFIG_VALUE_MISSING)

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
    restartHint: describeContainerdRestart(readRestartFacts(rootless, rootless ? runtimeDir.path : null, input.exists)),
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
