import { existsSync, statSync } from 'node:fs'
import { userInfo } from 'node:os'
import { readVariable } from './settings.js'

// A directory's owner, mode and type. stat follows symlinks, so a link into
// another user's directory is judged by its target.
export interface DirStat {
  uid: number
  mode: number
  isDirectory: boolean
}

export interface RuntimeDirInput {
  uid: number
  variable: string | undefined
  variableStat: DirStat | null
  defaultPath: string
  defaultStat: DirStat | null
  // For the fix in the warning: the user's name (null without a passwd
  // entry) and whether systemd runs (it makes /run/user/<uid> at login).
  userName?: string | null
  systemd?: boolean
}

export type RuntimeDirSource = 'env' | 'default' | 'none'

export interface RuntimeDir {
  path: string | null
  source: RuntimeDirSource
  warnings: string[]
}

// Returns why `stat` is not a runtime dir the caller can trust, or null
// when it is one: a directory owned by the caller that no one else can
// write to (nerdctl and containerd put their sockets there).
export function distrustRuntimeDir(stat: DirStat | null, uid: number): string | null {
  if (stat === null) return 'does not exist'
  if (!stat.isDirectory) return 'is not a directory'
  if (stat.uid !== uid) return `is owned by uid ${stat.uid}, not ${uid}`
  if ((stat.mode & 0o022) !== 0) return `is writable by group or others (mode ${(stat.mode & 0o777).toString(8)})`
  return null
}

export function resolveRuntimeDir(input: RuntimeDirInput): RuntimeDir {
  const warnings: string[] = []
  if (input.variable !== undefined) {
    const problem = input.variable.startsWith('/')
      ? distrustRuntimeDir(input.variableStat, input.uid)
      : 'is not an absolute path'

    if (problem === null) return { path: input.variable, source: 'env', warnings }

    const fallback = distrustRuntimeDir(input.defaultStat, input.uid) === null ? `using ${input.defaultPath} instead` : 'and there is no other'
    warnings.push(`ignoring XDG_RUNTIME_DIR=${input.variable}: it ${problem}, so no socket in it is trusted; ${fallback}`)
  }

  const problem = distrustRuntimeDir(input.defaultStat, input.uid)
  if (problem === null) return { path: input.defaultPath, source: 'default', warnings }

  warnings.push(`no runtime dir for uid ${input.uid}: ${input.defaultPath} ${problem} (fix: ${runtimeDirFix(input)})`)
  return { path: null, source: 'none', warnings }
}

// Returns the fix for what is wrong. systemd-logind makes a missing dir at
// login (and lingering keeps it); where systemd is absent, root makes it by
// hand. A dir with the wrong mode or owner needs that mended.
export function runtimeDirFix(input: RuntimeDirInput): string {
  const dir = input.defaultPath
  if (input.defaultStat !== null && input.defaultStat.isDirectory && input.defaultStat.uid === input.uid) return `chmod 700 ${dir}`
  if (input.defaultStat !== null) return `as root: chown ${input.uid} ${dir} && chmod 700 ${dir}, after checking who made it`

  const user = input.userName ?? String(input.uid)
  const linger = `loginctl enable-linger ${user}`
  if (input.systemd === false) {
    return `as root: install -d -m 0700 -o ${input.uid} ${dir}, since no systemd runs here to make it at login (with systemd: ${linger})`
  }
  return `as root: ${linger}; or log in through ssh or \`machinectl shell ${user}@\``
}

export function statDir(path: string): DirStat | null {
  try {
    const stat = statSync(path)
    return { uid: stat.uid, mode: stat.mode, isDirectory: stat.isDirectory() }
  } catch {
    return null
  }
}

// Rootful calls use /run, and leave XDG_RUNTIME_DIR alone. The user's name
// and systemd are looked up only when a warning needs them.
export function findRuntimeDir(env: NodeJS.ProcessEnv, uid: number): RuntimeDir {
  if (uid === 0) return { path: '/run', source: 'default', warnings: [] }

  const variable = readVariable(env, 'XDG_RUNTIME_DIR')
  const defaultPath = `/run/user/${uid}`
  const input: RuntimeDirInput = {
    uid,
    variable,
    variableStat: variable === undefined ? null : statDir(variable),
    defaultPath,
    defaultStat: statDir(defaultPath),
  }
  if (distrustRuntimeDir(input.defaultStat, uid) !== null) {
    input.userName = readUserName()
    input.systemd = existsSync('/run/systemd/system')
  }
  return resolveRuntimeDir(input)
}

function readUserName(): string | null {
  try {
    return userInfo().username
  } catch {
    return null
  }
}
