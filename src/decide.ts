import path from 'node:path'
import { scanCommandLine, type CommandLine } from './argv/scan.js'
import { judgeBypass4netns } from './bypass4netns.js'
import { BUILDKIT_FIX, buildkitSocketCandidates } from './buildkit.js'
import { isNerdctl2OrLater, nerdctlRunFlags, nerdctlVersion } from './nerdctl-facts.js'
import { ProbeCanceller, probeSocket } from './socket-probe.js'
import { distrustOwnConfigFile, type OwnerStat, type TrustCheck } from './trust.js'
import type { ProbeCache } from './cache.js'
import { gatherCandidateFacts, matchProxyPlugin, type ChainContext } from './chain-facts.js'
import { nerdctlTomlPath, readContainerdConfigCached, readTomlFileCached } from './config-readers.js'
import type { ContainerdConfig } from './containerd-config.js'
import type { Decision } from './decision.js'
import type { NerdctlLookup } from './find-nerdctl.js'
import { findProgram, readContainerdProcess, readKernelFacts } from './host-facts.js'
import { describeChange, readLastChoice, writeLastChoice } from './last-choice.js'
import type { Options } from './options.js'
import { userDirs } from './paths.js'
import type { RuntimeDir } from './runtime-dir.js'
import { readVariable } from './settings.js'
import { firstUsable, judgeCandidate, type Candidate } from './snapshotter-chain.js'
import { DETECTED_VARIABLE, findUserChoice, type UserChoice } from './user-choice.js'

export interface DecideInput {
  args: readonly string[]
  env: NodeJS.ProcessEnv
  uid: number
  // true: judge every candidate (env, doctor); false: stop at the first
  // usable one (the pass-through path).
  full: boolean
  options: Options
  cache: ProbeCache
  bootId: string
  nerdctl: NerdctlLookup
  stateDir: string
  runtimeDir: RuntimeDir
}

// Works out nerdctl's environment for one call. Pure rules decide; this
// function only gathers the facts they need, in parallel where it can.
export async function decide(input: DecideInput): Promise<Decision> {
  const rootless = input.uid !== 0
  const dirs = userDirs(input.env)
  const decision = newDecision(rootless, input)
  const log = (line: string): number => decision.log.push(line)

  const runtimeDir = input.runtimeDir
  decision.runtimeDir = { path: runtimeDir.path, source: runtimeDir.source }
  decision.warnings.push(...runtimeDir.warnings)
  log(`runtime dir: ${runtimeDir.path ?? 'none'} (source: ${runtimeDir.source})`)
  applyRuntimeDir(decision, input.env, rootless)

  const scan = await scanWithInstalledFlags(input)
  decision.insertAt = scan.insertAt
  const tomlPath = nerdctlTomlPath(input.env, rootless, dirs.configHome)
  const nerdctlToml = await readTomlFileCached(tomlPath, input.cache)
  if (nerdctlToml.error !== null) decision.warnings.push(`${tomlPath}: ${nerdctlToml.error}`)
  const tomlSnapshotter = tomlString(nerdctlToml.table?.snapshotter)

  // A value that `eval "$(rnerdctl env)"` exported, marked as rnerdctl's own
  // detection, is no choice of the user's: the chain is probed again.
  const exported = input.env.CONTAINERD_SNAPSHOTTER
  const ownExport = exported !== undefined && exported !== '' && exported === input.env[DETECTED_VARIABLE]
  const variable = ownExport ? undefined : exported
  if (exported === '') decision.unset.push('CONTAINERD_SNAPSHOTTER')
  const choice = findUserChoice({ flag: scan.snapshotter, variable, nerdctlToml: { path: tomlPath, snapshotter: tomlSnapshotter } })

  const configPath = rootless ? path.join(dirs.configHome, 'containerd', 'config.toml') : '/etc/containerd/config.toml'
  const loaded: { config?: Promise<ContainerdConfig> } = {}
  const trust = (stat: OwnerStat): string | null => distrustOwnConfigFile(stat, input.uid)
  const config = (): Promise<ContainerdConfig> => (loaded.config ??= readConfigSafely(configPath, input.cache, trust))
  const context: ChainContext = {
    uid: input.uid,
    dirs: { rootless, runtimeDir: runtimeDir.path, dataHome: dirs.dataHome, configHome: dirs.configHome },
    kernel: readKernelFacts(),
    bootId: input.bootId,
    config,
    containerd: rootless && runtimeDir.path !== null ? readContainerdProcess(stateDirOf(input.env, runtimeDir.path)) : null,
    unshare: findProgram('unshare', readVariable(input.env, 'PATH') ?? '/usr/bin:/bin', input.uid),
    cache: input.cache,
    canceller: new ProbeCanceller(),
  }

  const snapshotterDone = (async () => {
    if (choice === null) return resolveChain(decision, context, input)
    decision.snapshotter = { name: choice.name, source: choice.source, reason: choice.reason }
    log(`snapshotter: ${choice.name}, the user's choice (${choice.reason}); rnerdctl sets none`)
    return warnIfChoiceDead(choice, decision, context)
  })()
  const namespace = scan.namespace ?? readVariable(input.env, 'CONTAINERD_NAMESPACE') ?? tomlString(nerdctlToml.table?.namespace) ?? 'default'
  await Promise.all([
    snapshotterDone,
    decideBypass4netns(decision, scan, input),
    checkBuildkit(decision, scan, namespace, input),
    input.full && input.nerdctl.ok ? nerdctlVersion(input.nerdctl.realPath, input.cache).then((version) => (decision.nerdctl.version = version)) : null,
  ])

  const configFile = await loaded.config
  for (const warning of configFile?.warnings ?? []) decision.warnings.push(warning)
  for (const file of configFile?.files ?? []) if (file.error !== null) decision.warnings.push(file.error)
  return decision
}

function newDecision(rootless: boolean, input: DecideInput): Decision {
  return {
    rootless,
    runtimeDir: { path: null, source: 'none' },
    snapshotter: { name: null, source: 'none', reason: '' },
    candidates: [],
    bypass4netns: { enabled: false, reason: 'not run or create' },
    nerdctl: { path: input.nerdctl.ok ? input.nerdctl.path : null, version: null },
    env: {},
    unset: [],
    args: [],
    insertAt: -1,
    warnings: [...input.options.warnings],
    notices: [],
    log: [],
  }
}

// Rootless: export the runtime dir found, or remove a variable that names
// no usable one, so nerdctl prints its own error rather than using another
// user's sockets. Rootful: leave the variable alone.
function applyRuntimeDir(decision: Decision, env: NodeJS.ProcessEnv, rootless: boolean): void {
  if (!rootless) return
  if (decision.runtimeDir.path !== null) decision.env.XDG_RUNTIME_DIR = decision.runtimeDir.path
  else if (env.XDG_RUNTIME_DIR !== undefined) decision.unset.push('XDG_RUNTIME_DIR')
}

function stateDirOf(env: NodeJS.ProcessEnv, runtimeDir: string): string {
  return readVariable(env, 'ROOTLESSKIT_STATE_DIR') ?? path.join(runtimeDir, 'containerd-rootless')
}

async function resolveChain(decision: Decision, context: ChainContext, input: DecideInput): Promise<void> {
  const canceller = context.canceller
  const names = input.options.chain.names
  // Every probe settles into a candidate, so none can reject unobserved
  // while an earlier one is awaited.
  const pending = names.map((name) =>
    gatherCandidateFacts(name, context).then(judgeCandidate, (error: Error): Candidate => ({ name, usable: false, reason: `probe failed: ${error.message}` })),
  )

  for (const [index, promise] of pending.entries()) {
    const candidate = await promise
    decision.candidates.push(candidate)
    if (candidate.warning !== undefined) decision.warnings.push(candidate.warning)
    decision.log.push(`candidate ${candidate.name}: ${candidate.usable ? 'usable' : 'unusable'}: ${candidate.reason}`)
    if (candidate.usable === true && !input.full) {
      canceller.cancel()
      for (const name of names.slice(index + 1)) decision.candidates.push({ name, usable: null, reason: `not checked: ${candidate.name} comes first` })
      break
    }
  }

  const chosen = firstUsable(decision.candidates)
  if (chosen === null) {
    decision.snapshotter = { name: null, source: 'none', reason: 'no snapshotter in the chain is usable' }
    decision.warnings.push(`no usable snapshotter in [${names.join(', ')}]; CONTAINERD_SNAPSHOTTER left unset (run \`rnerdctl doctor\` for details)`)
    return
  }

  decision.snapshotter = { name: chosen.name, source: 'detected', reason: chosen.reason }
  decision.env.CONTAINERD_SNAPSHOTTER = chosen.name
  decision.env[DETECTED_VARIABLE] = chosen.name
  decision.unset = decision.unset.filter((name) => name !== 'CONTAINERD_SNAPSHOTTER')
  decision.log.push(`snapshotter: ${chosen.name} (first usable in [${names.join(', ')}], from ${input.options.chain.source})`)
  noteChange(decision, chosen, input)
}

function noteChange(decision: Decision, chosen: Candidate, input: DecideInput): void {
  const last = readLastChoice(input.stateDir)
  if (last?.name === chosen.name) return
  // Views (env, doctor) report a change; only a real call records it.
  if (!input.full) writeLastChoice(input.stateDir, chosen.name)
  if (last === null) return

  const previous = decision.candidates.find((candidate) => candidate.name === last.name)
  decision.warnings.push(describeChange(last.name, chosen, previous))
}

// The user's choice is always kept. A proxy plugin whose daemon is down
// gets a warning, because nerdctl would then fail with a less helpful error.
async function warnIfChoiceDead(choice: UserChoice, decision: Decision, context: ChainContext): Promise<void> {
  const name = choice.name
  if (name === 'overlayfs' || name === 'native') return
  const plugin = matchProxyPlugin(name, (await context.config()).plugins)
  if (plugin === null || plugin.name !== name) return

  const candidate = judgeCandidate(await gatherCandidateFacts(name, context))
  decision.candidates.push(candidate)
  if (candidate.usable === false) decision.warnings.push(`snapshotter "${name}" (${choice.reason}) cannot work now: ${candidate.reason}`)
}

// run and create stop reading flags at the image, so where the image is
// depends on which flags take a value: the installed nerdctl's own list
// when it gives one, else the built-in table.
async function scanWithInstalledFlags(input: DecideInput): Promise<CommandLine> {
  const scan = scanCommandLine(input.args)
  if ((scan.kind !== 'run' && scan.kind !== 'create') || !input.nerdctl.ok) return scan

  const flags = await nerdctlRunFlags(input.nerdctl.realPath, input.cache)
  return flags === null ? scan : scanCommandLine(input.args, flags)
}

async function decideBypass4netns(decision: Decision, scan: CommandLine, input: DecideInput): Promise<void> {
  const runtimeDir = decision.runtimeDir.path
  const wanted = (scan.kind === 'run' || scan.kind === 'create') && decision.rootless && input.options.bypass4netns.enabled
  const socket =
    wanted && runtimeDir !== null && scan.bypass4netns === null
      ? await probeSocket(path.join(runtimeDir, 'bypass4netnsd.sock'), { uid: input.uid, mode: 'connect', timeoutMs: 150 })
      : null
  const nerdctl2 = socket?.alive === true && input.nerdctl.ok && isNerdctl2OrLater(await nerdctlVersion(input.nerdctl.realPath, input.cache))

  const verdict = judgeBypass4netns({ scan, rootless: decision.rootless, setting: input.options.bypass4netns, socket, nerdctl2 })
  decision.bypass4netns = { enabled: verdict.enabled, reason: verdict.reason }
  decision.args.push(...verdict.args)
  decision.log.push(`bypass4netns: ${verdict.enabled ? 'on' : 'off'}: ${verdict.reason}`)
}

// nerdctl finds a running BuildKit itself, so rnerdctl only prints what to
// do when none runs, before the build fails.
async function checkBuildkit(decision: Decision, scan: CommandLine, namespace: string, input: DecideInput): Promise<void> {
  if (scan.kind !== 'build' && scan.kind !== 'builder') return
  if (scan.buildkitHost !== null || readVariable(input.env, 'BUILDKIT_HOST') !== undefined) return
  const runDir = decision.runtimeDir.path
  if (runDir === null) return

  const candidates = buildkitSocketCandidates(runDir, namespace)
  const verdicts = await Promise.all(candidates.map((socket) => probeSocket(socket, { uid: input.uid, mode: 'connect', timeoutMs: 150 })))
  const live = verdicts.findIndex((verdict) => verdict.alive)
  if (live !== -1) {
    decision.log.push(`buildkit: ${candidates[live]} accepts connections; nerdctl finds it itself`)
    return
  }

  const fix = decision.rootless ? BUILDKIT_FIX : 'systemctl enable --now buildkit'
  decision.notices.push(`no BuildKit daemon answers at ${candidates.join(', ')}: start one with \`${fix}\`, or set BUILDKIT_HOST`)
}

function tomlString(value: unknown): string | null {
  return typeof value === 'string' ? value : null
}

// A config that cannot be read for a reason the reader did not foresee
// counts as one that failed to read: its plugins are unavailable, and the
// rest of the decision is made as usual.
async function readConfigSafely(configPath: string, cache: ProbeCache, trust: TrustCheck): Promise<ContainerdConfig> {
  try {
    return await readContainerdConfigCached(configPath, cache, trust)
  } catch (error) {
    const file = { path: configPath, mtimeMs: null, size: null, error: `${configPath}: cannot read: ${(error as Error).message}`, missing: false }
    return { files: [file], globDirs: [], plugins: [], warnings: [] }
  }
}
