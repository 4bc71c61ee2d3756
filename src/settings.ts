// Every environment variable and config key rnerdctl reads, in one table.
// The README's table and `rnerdctl --help` are made from these rows.

export interface SettingRow {
  name: string
  values: string
  fallback: string
  meaning: string
}

export const ENVIRONMENT: readonly SettingRow[] = [
  { name: 'RNERDCTL_NERDCTL', values: 'absolute path', fallback: 'first `nerdctl` on PATH that is not rnerdctl', meaning: 'the nerdctl binary to run' },
  { name: 'RNERDCTL_DISABLE', values: 'boolean', fallback: 'off', meaning: 'skip all detection: run nerdctl with the environment unchanged' },
  { name: 'RNERDCTL_DEBUG', values: 'boolean', fallback: 'off', meaning: 'log each decision and its reason to stderr' },
  { name: 'RNERDCTL_SNAPSHOTTERS', values: 'comma-separated snapshotter names', fallback: 'stargz,overlayfs,fuse-overlayfs,native', meaning: 'the snapshotter chain, first usable wins' },
  { name: 'RNERDCTL_BYPASS4NETNS', values: 'boolean', fallback: 'on', meaning: 'add bypass4netns to run/create when bypass4netnsd answers' },
  { name: 'RNERDCTL_NO_CACHE', values: 'boolean', fallback: 'off', meaning: 'ignore cached probe results and probe again' },
  { name: 'RNERDCTL_CONFIG', values: 'path', fallback: '$XDG_CONFIG_HOME/rnerdctl/config.toml', meaning: "rnerdctl's own config file" },
  { name: 'XDG_RUNTIME_DIR', values: 'directory owned by the caller, mode without group/other write', fallback: '/run/user/<uid>', meaning: 'rootless runtime dir (sockets, RootlessKit state)' },
  { name: 'XDG_CONFIG_HOME', values: 'directory', fallback: '~/.config', meaning: "where containerd's, nerdctl's and rnerdctl's configs live" },
  { name: 'XDG_DATA_HOME', values: 'directory', fallback: '~/.local/share', meaning: "containerd's root (`containerd/` below it), where the overlay test runs" },
  { name: 'XDG_STATE_HOME', values: 'directory', fallback: '~/.local/state', meaning: 'where the last snapshotter choice is kept' },
  { name: 'XDG_CACHE_HOME', values: 'directory', fallback: '~/.cache', meaning: 'probe cache when there is no runtime dir' },
  { name: 'ROOTLESSKIT_STATE_DIR', values: 'directory', fallback: '$XDG_RUNTIME_DIR/containerd-rootless', meaning: "RootlessKit's state dir (child_pid)" },
  { name: 'CONTAINERD_SNAPSHOTTER', values: 'snapshotter name', fallback: 'unset', meaning: "the user's choice: rnerdctl then sets none (an empty value is removed)" },
  { name: 'RNERDCTL_DETECTED_SNAPSHOTTER', values: 'set by rnerdctl', fallback: 'unset', meaning: 'marks a CONTAINERD_SNAPSHOTTER exported by `rnerdctl env` as detected, not chosen' },
  { name: 'CONTAINERD_NAMESPACE', values: 'namespace', fallback: 'default', meaning: 'namespace for the BuildKit socket check' },
  { name: 'NERDCTL_TOML', values: 'path', fallback: '$XDG_CONFIG_HOME/nerdctl/nerdctl.toml', meaning: "nerdctl's config, read for `snapshotter` and `namespace`" },
  { name: 'BUILDKIT_HOST', values: 'address', fallback: 'unset', meaning: 'when set, rnerdctl does not look for BuildKit sockets' },
  { name: 'NO_COLOR', values: 'any non-empty value', fallback: 'unset', meaning: 'no colour in `rnerdctl doctor`' },
]

export const CONFIG_KEYS: readonly SettingRow[] = [
  { name: 'nerdctl', values: 'absolute path', fallback: 'PATH search', meaning: 'as RNERDCTL_NERDCTL' },
  { name: 'snapshotters', values: 'array of snapshotter names', fallback: '["stargz", "overlayfs", "fuse-overlayfs", "native"]', meaning: 'as RNERDCTL_SNAPSHOTTERS' },
  { name: 'bypass4netns', values: 'boolean', fallback: 'true', meaning: 'as RNERDCTL_BYPASS4NETNS' },
  { name: 'debug', values: 'boolean', fallback: 'false', meaning: 'as RNERDCTL_DEBUG' },
]

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on'])
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off'])

// Returns undefined for an empty or unset value, and null for a value that
// is not a boolean word, so callers can tell "unset" from "invalid".
export function parseBoolean(value: string | undefined): boolean | null | undefined {
  if (value === undefined || value === '') return undefined

  const word = value.trim().toLowerCase()
  if (TRUE_WORDS.has(word)) return true
  if (FALSE_WORDS.has(word)) return false
  return null
}

// Environment values count as unset when empty, as in the README's table.
export function readVariable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]
  return value === undefined || value === '' ? undefined : value
}
