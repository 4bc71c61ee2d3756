import { statSync } from 'node:fs'
import { readVariable } from './settings.js'

// What rnerdctl needs to know of a directory: stat follows symlinks, so a
// link into another user's directory is judged by its target.
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

    warnings.push(`ignoring XDG_RUNTIME_DIR=${input.variable}: it ${problem}; no socket in it is trusted`)
  }

  const problem = distrustRuntimeDir(input.defaultStat, input.uid)
  if (problem === null) return { path: input.defaultPath, source: 'default', warnings }

  warnings.push(
    `no runtime dir for uid ${input.uid} (${input.defaultPath} ${problem}): ` +
      `run \`loginctl enable-linger $(id -un)\` as root, or log in through ssh or \`machinectl shell\``,
  )
  return { path: null, source: 'none', warnings }
}

export function statDir(path: string): DirStat | null {
  try {
    const stat = statSync(path)
    return { uid: stat.uid, mode: stat.mode, isDirectory: stat.isDirectory() }
  } catch {
    return null
  }
}

// Rootful calls use /run, and leave XDG_RUNTIME_DIR alone.
export function findRuntimeDir(env: NodeJS.ProcessEnv, uid: number): RuntimeDir {
  if (uid === 0) return { path: '/run', source: 'default', warnings: [] }

  const variable = readVariable(env, 'XDG_RUNTIME_DIR')
  const defaultPath = `/run/user/${uid}`
  return resolveRuntimeDir({
    uid,
    variable,
    variableStat: variable === undefined ? null : statDir(variable),
    defaultPath,
    defaultStat: statDir(defaultPath),
  })
}
