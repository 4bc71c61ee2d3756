import { statSync } from 'node:fs'
import { userInfo } from 'node:os'
import path from 'node:path'
import { readVariable } from './settings.js'

// The XDG base directories as containerd-rootless.sh, nerdctl and
// rnerdctl read them. The XDG spec makes a relative value invalid, so such
// a value is ignored and the default under HOME is used.
export interface UserDirs {
  home: string
  configHome: string
  dataHome: string
  stateHome: string
  cacheHome: string
}

// HOME counts only when absolute: an empty or relative HOME would put
// rnerdctl's config and state in the working directory, where a checkout
// could plant a config that names the program to run.
export function userDirs(env: NodeJS.ProcessEnv): UserDirs {
  const variable = readVariable(env, 'HOME')
  const home = variable !== undefined && path.isAbsolute(variable) ? variable : passwdHome()
  const pick = (name: string, fallback: string): string => {
    const value = readVariable(env, name)
    return value !== undefined && path.isAbsolute(value) ? value : path.join(home, fallback)
  }

  return {
    home,
    configHome: pick('XDG_CONFIG_HOME', '.config'),
    dataHome: pick('XDG_DATA_HOME', '.local/share'),
    stateHome: pick('XDG_STATE_HOME', '.local/state'),
    cacheHome: pick('XDG_CACHE_HOME', '.cache'),
  }
}

// rnerdctl's own directories, under the same XDG homes as containerd's
// and nerdctl's.
export interface OwnDirs {
  config: string
  state: string
  cache: string
}

export function ownDirs(env: NodeJS.ProcessEnv = process.env): OwnDirs {
  const dirs = userDirs(env)
  return {
    config: path.join(dirs.configHome, 'rnerdctl'),
    state: path.join(dirs.stateHome, 'rnerdctl'),
    cache: path.join(dirs.cacheHome, 'rnerdctl'),
  }
}

// The home dir from the passwd entry. A uid without one, with HOME unset,
// has no home, so /nonexistent is used (as for Debian's `nobody`): reads
// under it find nothing, and rnerdctl writes nothing there.
export const NO_HOME = '/nonexistent'

function passwdHome(): string {
  try {
    const home = userInfo().homedir
    return path.isAbsolute(home) ? home : NO_HOME
  } catch {
    return NO_HOME
  }
}

export const XDG_HOME_VARIABLES = ['XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_STATE_HOME', 'XDG_CACHE_HOME'] as const

// `su` without `-` keeps the XDG variables of the user it came from, so
// they name directories the caller cannot use. Returns each variable that
// names an existing directory owned by another uid, with a warning; the
// caller drops them, as it drops such an XDG_RUNTIME_DIR.
export function findForeignXdgHomes(env: NodeJS.ProcessEnv, uid: number): { names: string[]; warnings: string[] } {
  const names: string[] = []
  const warnings: string[] = []
  if (uid === 0) return { names, warnings }

  for (const name of XDG_HOME_VARIABLES) {
    const value = readVariable(env, name)
    if (value === undefined || !path.isAbsolute(value)) continue
    let problem: string
    try {
      const owner = statSync(value).uid
      if (owner === uid) continue
      problem = `it is owned by uid ${owner}, not ${uid}`
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EACCES') continue
      problem = `uid ${uid} cannot reach it`
    }
    names.push(name)
    warnings.push(`ignoring ${name}=${value}: ${problem} (left by su?); using the default under $HOME`)
  }
  return { names, warnings }
}
