// nerdctl's command line as plain data, read from nerdctl v2.3.5 (commit
// 347782c28efe1753d5cc9652f6304752ed431221): cmd/nerdctl/main.go and
// cmd/nerdctl/helpers/cobra.go for the global flags,
// cmd/nerdctl/container/container_run.go for run and create,
// cmd/nerdctl/image/image_pull.go and cmd/nerdctl/builder/ for pull and build.
// Entries marked "main only" exist on the main branch at commit
// 8da504083f1543446a003f5870dec1bc12a75b85 but in no release up to v2.3.5.
// nerdctl v1.7.7 has a subset of the same run flags.

import type { CommandKind } from './scan.js'

/** nerdctl release and commits the tables were read from. */
export const nerdctlSource = {
  version: 'v2.3.5',
  commit: '347782c28efe1753d5cc9652f6304752ed431221',
  mainCommit: '8da504083f1543446a003f5870dec1bc12a75b85',
} as const

/** One pflag flag: its long name, its one-letter shorthand, whether it takes a value. */
export interface Flag {
  readonly name: string
  readonly short?: string
  /** False for booleans, which accept a value only as `--name=value`. */
  readonly takesValue: boolean
}

export type FlagTable = readonly Flag[]

/** The flags of `nerdctl run` or `nerdctl create`, in the shape `parseRunHelp` returns. */
export type RunFlagTable = FlagTable

export interface GlobalFlag extends Flag {
  /** Long name of the flag this spelling stands for. */
  readonly aliasOf?: string
  /** Registered on the root command only, so accepted only before the subcommand. */
  readonly rootOnly?: boolean
}

// nerdctl registers each one-letter alias also as a long flag (`--n`), since
// pflag cannot register a shorthand alone.
export const globalFlags: readonly GlobalFlag[] = [
  { name: 'debug', takesValue: false },
  { name: 'debug-full', takesValue: false },
  { name: 'address', takesValue: true },
  { name: 'host', takesValue: true, aliasOf: 'address' },
  { name: 'a', short: 'a', takesValue: true, aliasOf: 'address', rootOnly: true },
  { name: 'H', short: 'H', takesValue: true, aliasOf: 'address', rootOnly: true },
  { name: 'namespace', takesValue: true },
  { name: 'n', short: 'n', takesValue: true, aliasOf: 'namespace', rootOnly: true },
  { name: 'snapshotter', takesValue: true },
  { name: 'storage-driver', takesValue: true, aliasOf: 'snapshotter' },
  { name: 'cni-path', takesValue: true },
  { name: 'cni-netconfpath', takesValue: true },
  { name: 'data-root', takesValue: true },
  { name: 'cgroup-manager', takesValue: true },
  { name: 'insecure-registry', takesValue: false },
  { name: 'hosts-dir', takesValue: true },
  { name: 'experimental', takesValue: false },
  { name: 'host-gateway-ip', takesValue: true },
  { name: 'bridge-ip', takesValue: true },
  { name: 'kube-hide-dupe', takesValue: false },
  { name: 'selinux-enabled', takesValue: false },
  { name: 'cdi-spec-dirs', takesValue: true },
  { name: 'userns-remap', takesValue: true },
  { name: 'global-dns', takesValue: true }, // hidden from --help
  { name: 'global-dns-opts', takesValue: true }, // hidden from --help
  { name: 'global-dns-search', takesValue: true }, // hidden from --help
  // Added by cobra to the root command.
  { name: 'help', short: 'h', takesValue: false, rootOnly: true },
  { name: 'version', short: 'v', takesValue: false, rootOnly: true },
]

/** The help flag cobra adds to every command that does not define `--help` itself. */
export const helpFlag: Flag = { name: 'help', short: 'h', takesValue: false }

// Shared by run and create. Order as in setCreateFlags.
// Image signature checks, shared by run/create and pull.
const imageVerifyFlags: FlagTable = [
  { name: 'verify', takesValue: true },
  { name: 'cosign-key', takesValue: true },
  { name: 'cosign-certificate-identity', takesValue: true },
  { name: 'cosign-certificate-identity-regexp', takesValue: true },
  { name: 'cosign-certificate-oidc-issuer', takesValue: true },
  { name: 'cosign-certificate-oidc-issuer-regexp', takesValue: true },
]

export const createFlags: RunFlagTable = [
  { name: 'help', takesValue: false }, // no -h, because -h is --hostname
  { name: 'tty', short: 't', takesValue: false },
  { name: 'sig-proxy', takesValue: false },
  { name: 'interactive', short: 'i', takesValue: false },
  { name: 'restart', takesValue: true },
  { name: 'rm', takesValue: false },
  { name: 'pull', takesValue: true },
  { name: 'quiet', short: 'q', takesValue: false },
  { name: 'stop-signal', takesValue: true },
  { name: 'stop-timeout', takesValue: true },
  { name: 'detach-keys', takesValue: true },
  { name: 'init', takesValue: false },
  { name: 'init-binary', takesValue: true },
  { name: 'platform', takesValue: true },
  { name: 'network', takesValue: true },
  { name: 'net', takesValue: true }, // alias of --network
  { name: 'dns', takesValue: true },
  { name: 'dns-search', takesValue: true },
  { name: 'dns-opt', takesValue: true },
  { name: 'dns-option', takesValue: true },
  { name: 'publish', short: 'p', takesValue: true },
  { name: 'expose', takesValue: true }, // main only
  { name: 'publish-all', short: 'P', takesValue: false }, // main only
  { name: 'ip', takesValue: true },
  { name: 'ip6', takesValue: true },
  { name: 'hostname', short: 'h', takesValue: true },
  { name: 'domainname', takesValue: true },
  { name: 'mac-address', takesValue: true },
  { name: 'ipc', takesValue: true },
  { name: 'cpus', takesValue: true },
  { name: 'memory', short: 'm', takesValue: true },
  { name: 'memory-reservation', takesValue: true },
  { name: 'memory-swap', takesValue: true },
  { name: 'memory-swappiness', takesValue: true },
  { name: 'kernel-memory', takesValue: true },
  { name: 'oom-kill-disable', takesValue: false },
  { name: 'oom-score-adj', takesValue: true },
  { name: 'pid', takesValue: true },
  { name: 'uts', takesValue: true },
  { name: 'pids-limit', takesValue: true },
  { name: 'cgroup-conf', takesValue: true },
  { name: 'cgroupns', takesValue: true },
  { name: 'cgroup-parent', takesValue: true },
  { name: 'cpuset-cpus', takesValue: true },
  { name: 'cpuset-mems', takesValue: true },
  { name: 'cpu-shares', takesValue: true }, // no -c, unlike Docker
  { name: 'cpu-quota', takesValue: true },
  { name: 'cpu-period', takesValue: true },
  { name: 'cpu-rt-period', takesValue: true },
  { name: 'cpu-rt-runtime', takesValue: true },
  { name: 'device', takesValue: true },
  { name: 'ulimit', takesValue: true },
  { name: 'rdt-class', takesValue: true },
  { name: 'blkio-weight', takesValue: true },
  { name: 'blkio-weight-device', takesValue: true },
  { name: 'device-read-bps', takesValue: true },
  { name: 'device-read-iops', takesValue: true },
  { name: 'device-write-bps', takesValue: true },
  { name: 'device-write-iops', takesValue: true },
  { name: 'user', short: 'u', takesValue: true },
  { name: 'umask', takesValue: true },
  { name: 'group-add', takesValue: true },
  { name: 'security-opt', takesValue: true },
  { name: 'cap-add', takesValue: true },
  { name: 'cap-drop', takesValue: true },
  { name: 'privileged', takesValue: false },
  { name: 'systemd', takesValue: true }, // a string ("true", "false", "always"), not a boolean
  { name: 'runtime', takesValue: true },
  { name: 'sysctl', takesValue: true },
  { name: 'gpus', takesValue: true },
  { name: 'volume', short: 'v', takesValue: true },
  { name: 'tmpfs', takesValue: true },
  { name: 'mount', takesValue: true },
  { name: 'volumes-from', takesValue: true },
  { name: 'read-only', takesValue: false },
  { name: 'rootfs', takesValue: false },
  { name: 'health-cmd', takesValue: true },
  { name: 'health-interval', takesValue: true },
  { name: 'health-timeout', takesValue: true },
  { name: 'health-retries', takesValue: true },
  { name: 'health-start-period', takesValue: true },
  { name: 'no-healthcheck', takesValue: false },
  { name: 'entrypoint', takesValue: true },
  { name: 'workdir', short: 'w', takesValue: true },
  { name: 'env', short: 'e', takesValue: true },
  { name: 'add-host', takesValue: true },
  { name: 'env-file', takesValue: true },
  { name: 'name', takesValue: true },
  { name: 'label', short: 'l', takesValue: true },
  { name: 'annotation', takesValue: true },
  { name: 'label-file', takesValue: true },
  { name: 'cidfile', takesValue: true },
  { name: 'log-driver', takesValue: true },
  { name: 'log-opt', takesValue: true },
  { name: 'shm-size', takesValue: true },
  { name: 'pidfile', takesValue: true },
  ...imageVerifyFlags,
  { name: 'ipfs-address', takesValue: true },
  { name: 'isolation', takesValue: true },
  { name: 'userns', takesValue: true },
]

// `run` adds these two to the create flags.
export const runFlags: RunFlagTable = [
  ...createFlags,
  { name: 'detach', short: 'd', takesValue: false },
  { name: 'attach', short: 'a', takesValue: true },
]

export const pullFlags: FlagTable = [
  { name: 'unpack', takesValue: true },
  { name: 'platform', takesValue: true },
  { name: 'all-platforms', takesValue: false },
  ...imageVerifyFlags,
  { name: 'soci-index-digest', takesValue: true },
  { name: 'quiet', short: 'q', takesValue: false },
  { name: 'ipfs-address', takesValue: true },
  helpFlag,
]

export const buildFlags: FlagTable = [
  { name: 'buildkit-host', takesValue: true },
  { name: 'add-host', takesValue: true },
  { name: 'tag', short: 't', takesValue: true },
  { name: 'file', short: 'f', takesValue: true },
  { name: 'target', takesValue: true },
  { name: 'build-arg', takesValue: true },
  { name: 'no-cache', takesValue: false },
  { name: 'output', short: 'o', takesValue: true },
  { name: 'progress', takesValue: true },
  { name: 'provenance', takesValue: true },
  { name: 'pull', takesValue: false },
  { name: 'secret', takesValue: true },
  { name: 'allow', takesValue: true },
  { name: 'attest', takesValue: true },
  { name: 'ssh', takesValue: true },
  { name: 'quiet', short: 'q', takesValue: false },
  { name: 'sbom', takesValue: true },
  { name: 'cache-from', takesValue: true },
  { name: 'cache-to', takesValue: true },
  { name: 'rm', takesValue: false },
  { name: 'network', takesValue: true },
  { name: 'platform', takesValue: true },
  { name: 'build-context', takesValue: true },
  { name: 'iidfile', takesValue: true },
  { name: 'label', takesValue: true },
  { name: 'source-policy-file', takesValue: true },
  helpFlag,
]

export const builderPruneFlags: FlagTable = [
  { name: 'buildkit-host', takesValue: true },
  { name: 'all', short: 'a', takesValue: false },
  { name: 'force', short: 'f', takesValue: false },
  helpFlag,
]

export const builderDebugFlags: FlagTable = [
  { name: 'file', short: 'f', takesValue: true },
  { name: 'target', takesValue: true },
  { name: 'build-arg', takesValue: true },
  { name: 'image', takesValue: true },
  { name: 'ssh', takesValue: true },
  { name: 'secret', takesValue: true },
  { name: 'buildg-startup-timeout', takesValue: true },
  helpFlag,
]

// Persistent flags of `compose`, so its subcommands accept them too.
export const composeFlags: FlagTable = [
  { name: 'file', short: 'f', takesValue: true },
  { name: 'project-directory', takesValue: true },
  { name: 'project-name', short: 'p', takesValue: true },
  { name: 'env-file', takesValue: true },
  { name: 'ipfs-address', takesValue: true },
  { name: 'profile', takesValue: true },
  helpFlag,
]

/**
 * Flag tables of commands other than run and create, keyed by command path.
 * A path not listed falls back to the entry for its first word, and then to
 * cobra's help flag alone.
 */
export const commandFlags: Readonly<Record<string, FlagTable>> = {
  pull: pullFlags,
  'image pull': pullFlags,
  build: buildFlags,
  'builder build': buildFlags,
  'image build': buildFlags,
  'builder prune': builderPruneFlags,
  'builder debug': builderDebugFlags,
  compose: composeFlags,
  completion: [{ name: 'no-descriptions', takesValue: false }, helpFlag],
}

/** Commands whose next positional word names a child command. */
export const commandGroups: readonly string[] = [
  'apparmor',
  'builder',
  'checkpoint',
  'completion', // children added by cobra: bash, zsh, fish, powershell
  'compose',
  'container',
  'image',
  'internal',
  'ipfs',
  'ipfs registry',
  'manifest',
  'namespace',
  'ns', // alias of namespace
  'network',
  'system',
  'volume',
]

/**
 * Commands that stop reading flags at their first positional argument
 * (cobra SetInterspersed(false)), so what follows belongs to the container
 * or to the command run in it.
 */
export const nonInterspersedCommands: readonly string[] = [
  'run',
  'container run',
  'create',
  'container create',
  'exec',
  'container exec',
  'start',
  'container start',
  'top',
  'container top',
  'update',
  'container update',
  'compose run',
  'compose exec',
]

/**
 * Kinds of command paths. A typed path takes the kind of the longest entry
 * it starts with, and 'other' when none matches. `compose run` has flags
 * of its own, so every compose command is 'other'.
 */
export const commandKinds: readonly { path: string; kind: CommandKind }[] = [
  { path: 'run', kind: 'run' },
  { path: 'container run', kind: 'run' },
  { path: 'create', kind: 'create' },
  { path: 'container create', kind: 'create' },
  { path: 'pull', kind: 'pull' },
  { path: 'image pull', kind: 'pull' },
  { path: 'build', kind: 'build' },
  { path: 'builder build', kind: 'build' },
  { path: 'image build', kind: 'build' },
  { path: 'builder', kind: 'builder' }, // prune, debug, and the group itself
  { path: 'completion', kind: 'completion' }, // prints a shell script
  { path: '__complete', kind: 'completion' }, // cobra's hidden completion request
  { path: '__completeNoDesc', kind: 'completion' },
]
