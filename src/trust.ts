import { readFileSync, realpathSync, statSync } from 'node:fs'
import { userInfo } from 'node:os'
import path from 'node:path'

// Who may have written a file rnerdctl acts on. Pure rules over stat
// records, with thin readers below them.

export interface OwnerStat {
  uid: number
  gid: number
  mode: number
}

// Returns why a file with this stat is not to be trusted, or null.
export type TrustCheck = (stat: OwnerStat) => string | null

export interface Caller {
  uid: number
  // The caller's private group (same name as the user, no other
  // members), which Fedora's umask 002 makes files group-writable for.
  privateGid: number | null
}

// Config and cache files: owned by the caller or root, not writable by
// others, and group-writable only for the caller's private group.
export function distrustConfigFile(stat: OwnerStat, caller: Caller): string | null {
  if (stat.uid !== caller.uid && stat.uid !== 0) return `is owned by uid ${stat.uid}`
  if ((stat.mode & 0o002) !== 0) return 'is writable by others'
  if ((stat.mode & 0o020) !== 0 && stat.gid !== caller.privateGid) return `is writable by group ${stat.gid}`
  return null
}

// A directory on the way to a program: owned by root or the caller, and
// writable by others only when root owns it and the sticky bit keeps
// others from replacing what is in it (as /tmp).
export function distrustProgramDir(stat: OwnerStat, uid: number): string | null {
  if (stat.uid !== uid && stat.uid !== 0) return `is owned by uid ${stat.uid}`
  const othersWrite = (stat.mode & 0o002) !== 0
  if (othersWrite && !(stat.uid === 0 && (stat.mode & 0o1000) !== 0)) return 'is writable by others'
  return null
}

// Returns why `program` is not to be run, or null. Every directory from
// the program's real path up to / is checked, and the file itself.
export function distrustProgram(program: string, uid: number): string | null {
  let real: string
  try {
    real = realpathSync(program)
    const file = statSync(real)
    if (file.uid !== uid && file.uid !== 0) return `${real} is owned by uid ${file.uid}`
    if ((file.mode & 0o002) !== 0) return `${real} is writable by others`
  } catch (error) {
    return `${program} cannot be checked (${(error as NodeJS.ErrnoException).code})`
  }

  for (let dir = path.dirname(real); ; dir = path.dirname(dir)) {
    const problem = distrustProgramDir(statOrNull(dir) ?? { uid: -1, gid: -1, mode: 0 }, uid)
    if (problem !== null) return `${dir} ${problem}, so ${real} could have been replaced`
    if (dir === '/') return null
  }
}

// The config-file rule for the calling process; /etc/group is read only
// for a group-writable file.
export function distrustOwnConfigFile(stat: OwnerStat, uid: number): string | null {
  const groupWritable = (stat.mode & 0o020) !== 0
  return distrustConfigFile(stat, { uid, privateGid: groupWritable ? findPrivateGid(uid) : null })
}

function statOrNull(file: string): OwnerStat | null {
  try {
    return statSync(file)
  } catch {
    return null
  }
}

function findPrivateGid(uid: number): number | null {
  try {
    const { username, gid } = userInfo()
    if (process.geteuid?.() !== uid) return null
    const line = readFileSync('/etc/group', 'utf8')
      .split('\n')
      .find((entry) => entry.split(':')[2] === String(gid))
    const [name, , , members] = (line ?? '').split(':')
    return name === username && (members === undefined || members === '' || members === username) ? gid : null
  } catch {
    return null
  }
}
