import type { ContainerdConfig, ProxyPlugin } from '../containerd-config.js'
import type { Decision } from '../decision.js'
import type { ContainerdProcess, KernelFacts } from '../host-facts.js'
import type { OverlayRulesVerdict } from '../kernel.js'
import type { OverlayMountResult } from '../overlay-test.js'
import type { DirStat } from '../runtime-dir.js'
import type { Candidate } from '../snapshotter-chain.js'
import type { SocketVerdict } from '../socket-probe.js'
import type { ContainerdPlugin } from './plugin-list.js'

// Everything `rnerdctl doctor` looks at, as plain data. The gatherers fill
// it in; the checks are pure functions of it.
export interface DoctorFacts {
  uid: number
  gid: number
  // The login name, or null when the uid has no passwd entry.
  user: string | null
  rootless: boolean
  decision: Decision
  runtimeDir: RuntimeDirFacts
  systemd: SystemdFacts
  // null when rootful: containerd then runs without RootlessKit.
  rootlessKit: RootlessKitFacts | null
  containerd: ContainerdFacts
  config: ConfigFacts
  proxyPlugins: ProxyPluginFacts[]
  overlay: OverlayFacts
  fuse: FuseFacts
  cgroup: CgroupFacts
  // null when rootful: bypass4netns is for rootless networking only.
  bypass4netns: Bypass4netnsFacts | null
  buildkit: BuildkitFacts
  nerdctl: NerdctlFacts
  settings: SettingsFacts
  // The snapshotter rnerdctl chose on its last pass-through call.
  lastChoice: string | null
}

export interface RuntimeDirFacts {
  variable: string | null
  variableStat: DirStat | null
  defaultPath: string
  defaultStat: DirStat | null
}

export interface SystemdFacts {
  // /run/systemd/system exists: systemd is the init system.
  booted: boolean
  // The user manager's private socket and whether it accepts connections;
  // null when there is no runtime dir to look in.
  userManager: { socket: string; answer: SocketVerdict } | null
  linger: { file: string; enabled: boolean } | null
}

export interface RootlessKitFacts {
  stateDir: string | null
  stateDirSource: 'ROOTLESSKIT_STATE_DIR' | 'default'
  stateDirExists: boolean
  // The text of child_pid, or null when the file cannot be read.
  childPidText: string | null
  child: { pid: number; alive: boolean; command: string | null } | null
  // containerd.service as containerd-rootless-setuptool.sh installs it.
  unitFile: { path: string; exists: boolean }
}

export type PluginListFacts =
  | { source: 'containerd' | 'cache'; plugins: ContainerdPlugin[] }
  | { source: 'none'; reason: string }

export interface ContainerdFacts {
  // null when rootless and there is no runtime dir to hold the socket.
  socket: string | null
  answer: SocketVerdict | null
  process: ContainerdProcess | null
  pluginList: PluginListFacts
}

export interface ConfigFacts extends ContainerdConfig {
  mainPath: string
  // Table headers that an invalid file repeats, read from the file where
  // the parser stopped with "Can't redefine existing key".
  repeatedHeaders: RepeatedHeader[]
}

export interface RepeatedHeader {
  file: string
  // The header at the line the parser stopped at, without the spaces TOML
  // allows inside it, such as "[proxy_plugins]".
  header: string
  // The 1-based lines where the same table header appears.
  lines: number[]
}

export interface ProxyPluginFacts {
  plugin: ProxyPlugin
  // The address as seen from the host, or null when it needs a runtime
  // dir and there is none.
  hostAddress: string | null
  socketOwner: number | null
  answer: SocketVerdict | null
}

export interface OverlayFacts {
  kernel: KernelFacts
  rules: OverlayRulesVerdict
  mount: OverlayMountResult | null
  verdict: Candidate
}

export interface FuseFacts {
  exists: boolean
  device: { usable: boolean; reason: string }
  kernel: OverlayRulesVerdict
}

export interface CgroupFacts {
  v2: boolean
  // The user's systemd service cgroup and the controllers delegated to it;
  // controllers is null when the file does not exist.
  userCgroup: { path: string; controllers: string[] | null } | null
}

export interface Bypass4netnsFacts {
  enabled: boolean
  socket: string | null
  exists: boolean
  answer: SocketVerdict | null
}

export interface BuildkitFacts {
  // BUILDKIT_HOST: nerdctl then uses it and looks for no socket.
  host: string | null
  sockets: { path: string; exists: boolean; answer: SocketVerdict }[]
}

export interface NerdctlFacts {
  path: string | null
  version: string | null
  // The lookup's error message when no nerdctl can run; null when one was found.
  problem: string | null
}

export interface SettingsFacts {
  chain: string[]
  chainSource: string
  // Bad values in rnerdctl's variables or config file, each ignored.
  warnings: string[]
  nerdctlToml: { path: string; exists: boolean; error: string | null }
}
