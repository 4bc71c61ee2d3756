import { homedir } from 'node:os'
import path from 'node:path'
import envPaths from 'env-paths'
import { readVariable } from './settings.js'

// The XDG base directories as containerd-rootless.sh, nerdctl and
// rnerdctl read them. A relative value is invalid under the XDG spec and
// is ignored, as Go's os.UserConfigDir does not (it would fail).
export interface UserDirs {
  home: string
  configHome: string
  dataHome: string
  stateHome: string
  cacheHome: string
}

export function userDirs(env: NodeJS.ProcessEnv): UserDirs {
  const home = readVariable(env, 'HOME') ?? safeHomedir()
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

// rnerdctl's own directories, from env-paths, which reads HOME and the XDG
// variables of this process when it loads. `suffix: ''` keeps it from
// appending "-nodejs" to every path; its `log` dir is $XDG_STATE_HOME's.
export interface OwnDirs {
  config: string
  state: string
  cache: string
}

export function ownDirs(): OwnDirs {
  const paths = envPaths('rnerdctl', { suffix: '' })
  return { config: paths.config, state: paths.log, cache: paths.cache }
}

function safeHomedir(): string {
  try {
    return homedir()
  } catch {
    return '/'
  }
}
