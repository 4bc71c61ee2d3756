import { readFileSync, readlinkSync } from 'node:fs'

// rnerdctl marks the environment of the nerdctl it starts with its own pid
// and that nerdctl's real path. When rnerdctl starts again under that pid
// without the nerdctl binary in between, the "nerdctl" it ran was a shim
// leading back to rnerdctl: that path is excluded, so there is no loop. The
// marker is never printed by `rnerdctl env`, so it cannot leak into a shell.
export const REENTRY_VARIABLE = 'RNERDCTL_PARENT'

export function formatMarker(pid: number, nerdctlRealPath: string): string {
  return `${pid}:${nerdctlRealPath}`
}

export interface Ancestor {
  pid: number
  exe: string | null
}

// Returns the nerdctl path to exclude, or null when the marker is stale or
// the call is a nested one that went through the real nerdctl (nerdctl
// running `nerdctl` from PATH, say).
export function judgeReentry(marker: string | undefined, ancestors: readonly Ancestor[]): string | null {
  const match = marker === undefined ? null : /^(\d+):(\/.*)$/s.exec(marker)
  if (match === null) return null

  const markerPid = Number(match[1])
  const nerdctlPath = match[2] as string
  for (const ancestor of ancestors) {
    if (ancestor.pid === markerPid) return nerdctlPath
    if (ancestor.exe === nerdctlPath) return null
  }
  return null
}

const MAX_ANCESTORS = 16

export function readAncestors(startPid: number): Ancestor[] {
  const ancestors: Ancestor[] = []
  let pid = startPid
  while (pid > 1 && ancestors.length < MAX_ANCESTORS) {
    ancestors.push({ pid, exe: readExe(pid) })
    const parent = readParentPid(pid)
    if (parent === null) break
    pid = parent
  }
  return ancestors
}

function readExe(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/exe`)
  } catch {
    return null
  }
}

export function readParentPid(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(fields[1])
  } catch {
    return null
  }
}
