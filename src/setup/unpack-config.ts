import { endianness } from 'node:os'
import type { TomlTable } from '../toml-parse.js'
import { isTable } from './proxy-plugin-state.js'

// containerd 2.x unpacks pulled layers with the snapshotters listed in the
// transfer service's unpack config. Read from containerd's source
// (plugins/transfer/plugin.go and plugin_defaults_*.go, tags v2.0.0 to
// v2.3.0 and main at v2.4.0-beta.0):
// - the list is `[[plugins."io.containerd.transfer.v1.local".unpack_config]]`,
//   each entry with `platform`, `snapshotter` and optional `differ`,
//   `config_type`, `layer_types`, `optional`.
// - a config without `unpack_config` gets the default list (overlayfs for
//   the host platform, and since v2.3 an optional erofs entry). A config
//   that has the key replaces the default list entirely.
// So adding an entry for a proxy snapshotter must also add overlayfs back,
// or pulls with the default snapshotter stop working. An erofs entry is
// not added back: configs that use erofs name it themselves.
export const UNPACK_CONFIG_PATH = ['plugins', 'io.containerd.transfer.v1.local', 'unpack_config']

export const TRANSFER_PLUGIN_PATH = UNPACK_CONFIG_PATH.slice(0, 2)

export interface UnpackEntry {
  platform: string
  snapshotter: string
}

// Node's process.arch names, mapped to Go's GOARCH names, which containerd's
// platform strings use. Node reports little-endian 64-bit PowerPC as "ppc64".
const GO_ARCH: Record<string, string> = {
  x64: 'amd64',
  ia32: '386',
  arm: 'arm',
  arm64: 'arm64',
  ppc64: endianness() === 'LE' ? 'ppc64le' : 'ppc64',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
  mips64el: 'mips64le',
}

// Spellings that containerd's platforms.Normalize turns into GOARCH names.
const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', i386: '386' }

export function goArch(nodeArch: string): string {
  return GO_ARCH[nodeArch] ?? nodeArch
}

export function hostPlatform(nodeArch: string): string {
  return `linux/${goArch(nodeArch)}`
}

// Returns the entries to add: one for the proxy snapshotter and one for
// overlayfs, each unless the config already has an entry that unpacks that
// snapshotter for this platform.
export function missingUnpackEntries(table: TomlTable, snapshotter: string, platform: string): UnpackEntry[] {
  const existing = readUnpackEntries(table)
  const wanted = [snapshotter, 'overlayfs'].map((name) => ({ platform, snapshotter: name }))
  return wanted.filter((entry) => !existing.some((other) => coversEntry(other, entry)))
}

export function readUnpackEntries(table: TomlTable): unknown[] {
  let node: unknown = table
  for (const key of UNPACK_CONFIG_PATH) node = isTable(node) ? node[key] : undefined
  return Array.isArray(node) ? node : []
}

// An entry covers the wanted one when it names the same snapshotter and a
// platform that matches the host: "linux" alone, or "linux/<arch>" with an
// optional variant.
function coversEntry(entry: unknown, wanted: UnpackEntry): boolean {
  if (!isTable(entry) || entry.snapshotter !== wanted.snapshotter || typeof entry.platform !== 'string') return false

  const [os, arch] = entry.platform.toLowerCase().split('/')
  const [wantedOs, wantedArch] = wanted.platform.split('/')
  if (os !== wantedOs) return false
  return arch === undefined || (ARCH_ALIASES[arch] ?? arch) === wantedArch
}
