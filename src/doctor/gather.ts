import { userInfo } from 'node:os'
import path from 'node:path'
import type { PreparedCall } from '../call.js'
import { readBootId } from '../cache.js'
import type { ChainContext } from '../chain-facts.js'
import { nerdctlTomlPath, readContainerdConfigCached, readTomlFileCached, type TomlFileRead } from '../config-readers.js'
import { findProgram, readKernelFacts, type KernelFacts } from '../host-facts.js'
import { readLastChoice } from '../last-choice.js'
import { ownDirs, userDirs } from '../paths.js'
import type { NamespaceDirs } from '../proxy-address.js'
import { readVariable } from '../settings.js'
import { ProbeCanceller } from '../socket-probe.js'
import { distrustOwnConfigFile, type OwnerStat } from '../trust.js'
import { readCgroupFacts } from './cgroup.js'
import { readContainerdFacts } from './containerd.js'
import { readBuildkitFacts, readBypass4netnsFacts } from './daemons.js'
import type { ConfigFacts, ContainerdFacts, DoctorFacts, SettingsFacts } from './facts.js'
import { readFuseFacts, readOverlayFacts } from './overlay.js'
import { readProxyPluginFacts } from './proxy-plugins.js'
import { readRepeatedHeaders } from './repeated-header.js'
import { readRootlessKitFacts } from './rootlesskit.js'
import { readRuntimeDirFacts } from './runtime-dir.js'
import { readSystemdFacts } from './systemd.js'

// NOTE: the rootful branches (uid 0: /run/containerd, /etc/containerd, no
// RootlessKit) run in table tests only; no end-to-end test starts a
// rootful containerd.

interface Host {
  uid: number
  gid: number
  rootless: boolean
  user: string | null
  runtimeDir: string | null
  namespaceDirs: NamespaceDirs
  searchPath: string
  kernel: KernelFacts
}

// Reads everything the checks need from the host, around the decision
// that prepareCall made. Slow parts (sockets, ctr) run in parallel.
export async function gatherDoctorFacts(prepared: PreparedCall, env: NodeJS.ProcessEnv): Promise<DoctorFacts> {
  const host = readHost(prepared, env)
  const { uid, rootless, runtimeDir } = host
  const rootlessKit = rootless ? readRootlessKitFacts(env, runtimeDir, host.namespaceDirs.configHome) : null
  const config = await readConfigFacts(host, prepared)
  const ctr = findProgram('ctr', host.searchPath, uid)
  const containerd = await readContainerdFacts({ rootless, uid, runtimeDir, rootlessKit, ctr, cache: prepared.cache })

  const tomlPath = nerdctlTomlPath(env, rootless, host.namespaceDirs.configHome)
  const nerdctlToml = await readTomlFileCached(tomlPath, prepared.cache)
  const namespace = readVariable(env, 'CONTAINERD_NAMESPACE') ?? stringOr(nerdctlToml.table?.namespace, 'default')
  const [systemd, proxyPlugins, overlay, bypass4netns, buildkit] = await Promise.all([
    readSystemdFacts(rootless ? runtimeDir : null, host.user, uid),
    Promise.all(config.plugins.map((plugin) => readProxyPluginFacts(plugin, host.namespaceDirs, uid))),
    readOverlayFacts(buildChainContext(host, prepared, config, containerd)),
    rootless ? readBypass4netnsFacts(prepared.options.bypass4netns.enabled, runtimeDir, uid) : null,
    readBuildkitFacts(env, runtimeDir, namespace, uid),
  ])

  return {
    uid,
    gid: host.gid,
    user: host.user,
    rootless,
    decision: prepared.decision,
    runtimeDir: readRuntimeDirFacts(env, uid),
    systemd,
    rootlessKit,
    containerd,
    config,
    proxyPlugins,
    overlay,
    fuse: readFuseFacts(host.kernel, rootless),
    cgroup: readCgroupFacts(uid, rootless),
    bypass4netns,
    buildkit,
    nerdctl: {
      path: prepared.decision.nerdctl.path,
      version: prepared.decision.nerdctl.version,
      problem: prepared.lookup.ok ? null : prepared.lookup.message,
    },
    settings: readSettingsFacts(prepared, tomlPath, nerdctlToml),
    lastChoice: readLastChoice(ownDirs().state)?.name ?? null,
  }
}

function readHost(prepared: PreparedCall, env: NodeJS.ProcessEnv): Host {
  const uid = process.geteuid?.() ?? 0
  const rootless = uid !== 0
  const runtimeDir = prepared.decision.runtimeDir.path
  const dirs = userDirs(env)
  return {
    uid,
    gid: process.getegid?.() ?? 0,
    rootless,
    user: readUserName(),
    runtimeDir,
    namespaceDirs: { rootless, runtimeDir, dataHome: dirs.dataHome, configHome: dirs.configHome },
    searchPath: readVariable(env, 'PATH') ?? '/usr/bin:/bin',
    kernel: readKernelFacts(),
  }
}

// The same path and trust rule as the snapshotter chain's, so both read one
// config (and share its cache entry).
async function readConfigFacts(host: Host, prepared: PreparedCall): Promise<ConfigFacts> {
  const mainPath = host.rootless ? path.join(host.namespaceDirs.configHome, 'containerd', 'config.toml') : '/etc/containerd/config.toml'
  const trust = (stat: OwnerStat): string | null => distrustOwnConfigFile(stat, host.uid)
  const config = await readContainerdConfigCached(mainPath, prepared.cache, trust)
  return { ...config, mainPath, repeatedHeaders: readRepeatedHeaders(config.files) }
}

function buildChainContext(host: Host, prepared: PreparedCall, config: ConfigFacts, containerd: ContainerdFacts): ChainContext {
  return {
    uid: host.uid,
    dirs: host.namespaceDirs,
    kernel: host.kernel,
    bootId: readBootId(),
    config: () => Promise.resolve(config),
    containerd: containerd.process,
    unshare: findProgram('unshare', host.searchPath, host.uid),
    cache: prepared.cache,
    canceller: new ProbeCanceller(),
  }
}

function readSettingsFacts(prepared: PreparedCall, tomlPath: string, nerdctlToml: TomlFileRead): SettingsFacts {
  return {
    chain: prepared.options.chain.names,
    chainSource: prepared.options.chain.source,
    warnings: prepared.options.warnings,
    // readTomlFileCached reports a missing file as no table and no error.
    nerdctlToml: { path: tomlPath, exists: nerdctlToml.table !== null || nerdctlToml.error !== null, error: nerdctlToml.error },
  }
}

// os.userInfo() throws when the uid has no passwd entry (a bare container).
function readUserName(): string | null {
  try {
    return userInfo().username
  } catch {
    return null
  }
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback
}
