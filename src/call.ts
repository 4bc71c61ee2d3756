import { existsSync, realpathSync } from 'node:fs'
import path from 'node:path'
import { ProbeCache, readBootId } from './cache.js'
import { readTomlFileCached } from './config-readers.js'
import { decide } from './decide.js'
import type { Decision } from './decision.js'
import { findNerdctl, type NerdctlLookup } from './find-nerdctl.js'
import { resolveOptions, type Options } from './options.js'
import { findForeignXdgHomes, NO_HOME, ownDirs, userDirs } from './paths.js'
import { judgeReentry, readAncestors, REENTRY_VARIABLE } from './reentry.js'
import { findRuntimeDir } from './runtime-dir.js'
import { parseBoolean, readVariable } from './settings.js'
import { distrustOwnConfigFile, type OwnerStat } from './trust.js'

export interface PreparedCall {
  lookup: NerdctlLookup
  options: Options
  cache: ProbeCache
  decision: Decision
}

export interface PrepareInput {
  args: readonly string[]
  env: NodeJS.ProcessEnv
  full: boolean
  recheck: boolean
}

// The shared first half of every call: pass-through, `env` and `doctor`
// all see the same decision, made here.
export async function prepareCall(input: PrepareInput): Promise<PreparedCall> {
  const uid = process.geteuid?.() ?? 0
  const foreign = dropForeignXdgHomes(input.env, uid)
  const own = ownDirs(input.env)
  const runtimeDir = findRuntimeDir(input.env, uid)
  const bootId = readBootId()
  const homeless = userDirs(input.env).home === NO_HOME
  const cache = new ProbeCache({
    file: homeless && runtimeDir.path === null ? null : cacheFile(runtimeDir.path, own.cache),
    uid,
    bootId,
    bypass: input.recheck || parseBoolean(input.env.RNERDCTL_NO_CACHE) === true,
  })

  const configPath = readVariable(input.env, 'RNERDCTL_CONFIG') ?? path.join(own.config, 'config.toml')
  const trust = (stat: OwnerStat): string | null => distrustOwnConfigFile(stat, uid)
  const options = resolveOptions(input.env, await readTomlFileCached(configPath, cache, trust))
  if (readVariable(input.env, 'RNERDCTL_CONFIG') !== undefined && !existsSync(configPath)) {
    options.warnings.push(`RNERDCTL_CONFIG=${configPath} does not exist, so no config file is read (fix: create it, or unset RNERDCTL_CONFIG)`)
  }
  const lookup = lookUpNerdctl(input.env, options)
  const decision = await decide({
    args: input.args,
    env: input.env,
    uid,
    full: input.full,
    options,
    cache,
    bootId,
    nerdctl: lookup,
    stateDir: own.state,
    runtimeDir,
  })
  decision.unset.push(...foreign.names)
  decision.warnings.unshift(...foreign.warnings)
  cache.flush()
  return { lookup, options, cache, decision }
}

// Removes XDG variables left by su from `env` (process.env on a real
// call), so rnerdctl's own paths and the environment nerdctl gets both
// fall back to the user's home.
function dropForeignXdgHomes(env: NodeJS.ProcessEnv, uid: number): ReturnType<typeof findForeignXdgHomes> {
  const foreign = findForeignXdgHomes(env, uid)
  for (const name of foreign.names) delete env[name]
  return foreign
}

// Runtime dir first, so cached results reset at reboot; the cache dir,
// keyed by boot id, where there is none.
function cacheFile(runtimeDir: string | null, cacheDir: string): string {
  return runtimeDir === null ? path.join(cacheDir, 'probes.json') : path.join(runtimeDir, 'rnerdctl', 'probes.json')
}

export function lookUpNerdctl(env: NodeJS.ProcessEnv, options: Pick<Options, 'nerdctl'>): NerdctlLookup {
  const exclude = new Set(ownEntryFiles())
  const looped = judgeReentry(env[REENTRY_VARIABLE], readAncestors(process.ppid))
  if (looped !== null) exclude.add(looped)

  return findNerdctl({
    explicit: options.nerdctl,
    pathVariable: env.PATH ?? '',
    cwd: safeCwd(),
    exclude,
    uid: process.geteuid?.() ?? 0,
  })
}

function ownEntryFiles(): string[] {
  const files = [process.argv[1], path.join(__dirname, '..', 'bin', 'rnerdctl'), path.join(__dirname, '..', 'shims', 'nerdctl')]
  return files.flatMap((file) => {
    try {
      return file === undefined ? [] : [realpathSync(file)]
    } catch {
      return []
    }
  })
}

// A deleted working directory makes process.cwd() throw.
export function safeCwd(): string {
  try {
    return process.cwd()
  } catch {
    return '/'
  }
}
