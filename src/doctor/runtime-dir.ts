import { readVariable } from '../settings.js'
import { distrustRuntimeDir, statDir, type DirStat } from '../runtime-dir.js'
import { enableLingerFix, fail, formatMode, ok, warn, type Check } from './check.js'
import type { DoctorFacts, RuntimeDirFacts } from './facts.js'

// The runtime dir contains every rootless socket. rnerdctl finds it as the
// pass-through path does (src/runtime-dir.ts); this check explains the
// result with the owner and mode of each place it looked.

export function readRuntimeDirFacts(env: NodeJS.ProcessEnv, uid: number): RuntimeDirFacts {
  const variable = readVariable(env, 'XDG_RUNTIME_DIR') ?? null
  const defaultPath = `/run/user/${uid}`
  return {
    variable,
    variableStat: variable === null ? null : statDir(variable),
    defaultPath,
    defaultStat: statDir(defaultPath),
  }
}

function describeStat(stat: DirStat | null): string {
  if (stat === null) return 'does not exist'
  return `owner uid ${stat.uid}, mode ${formatMode(stat.mode)}${stat.isDirectory ? '' : ', not a directory'}`
}

// Without systemd, nothing creates /run/user/<uid>, so root makes it once
// per boot, as pam_systemd would.
function createFix(facts: DoctorFacts): string {
  if (facts.systemd.booted) return `${enableLingerFix(facts)} (or log in through ssh or \`machinectl shell\`)`
  return `sudo install -d -m 0700 -o ${facts.uid} -g ${facts.gid} ${facts.runtimeDir.defaultPath} (systemd is not running, so nothing creates it at boot)`
}

export function checkRuntimeDir(facts: DoctorFacts): Check {
  const id = 'runtime-dir'
  const dir = facts.runtimeDir
  const chosen = facts.decision.runtimeDir
  const details: string[] = []
  if (dir.variable !== null) details.push(`XDG_RUNTIME_DIR=${dir.variable}: ${describeStat(dir.variableStat)}`)
  else details.push('XDG_RUNTIME_DIR is unset')
  details.push(`${dir.defaultPath}: ${describeStat(dir.defaultStat)}`)

  if (chosen.path === null) {
    const problem = distrustRuntimeDir(dir.defaultStat, facts.uid) ?? 'is not usable'
    return fail(id, `no runtime dir: ${dir.defaultPath} ${problem}`, details, createFix(facts))
  }

  if (chosen.source === 'default' && dir.variable !== null) {
    const problem = dir.variable.startsWith('/') ? distrustRuntimeDir(dir.variableStat, facts.uid) : 'is not an absolute path'
    return warn(id, `XDG_RUNTIME_DIR=${dir.variable} is ignored (it ${problem}); using ${chosen.path}`, details, `export XDG_RUNTIME_DIR=${chosen.path}`)
  }

  const source = chosen.source === 'env' ? 'from XDG_RUNTIME_DIR' : 'the default; rnerdctl exports it to nerdctl'
  return ok(id, `${chosen.path} (${source})`, details)
}
