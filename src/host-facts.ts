import { accessSync, closeSync, constants, openSync, readFileSync } from 'node:fs'
import { release } from 'node:os'
import path from 'node:path'
import { distrustProgram } from './trust.js'

// Thin readers of host facts; the rules that use them are pure functions
// elsewhere. Each returns a plain value and never throws.

export interface KernelFacts {
  release: string
  procVersion: string
  selinuxEnforcing: boolean
}

export function readKernelFacts(): KernelFacts {
  return {
    release: release(),
    procVersion: readText('/proc/version') ?? '',
    selinuxEnforcing: readText('/sys/fs/selinux/enforce')?.trim() === '1',
  }
}

export function checkDevFuse(): { usable: boolean; reason: string } {
  try {
    closeSync(openSync('/dev/fuse', constants.O_RDWR))
    return { usable: true, reason: '/dev/fuse opens read-write' }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return { usable: false, reason: `/dev/fuse cannot be opened read-write (${code}): FUSE-based snapshotters cannot mount` }
  }
}

export interface ContainerdProcess {
  pid: number
  startedAtMs: number
}

// Reads RootlessKit's child_pid and works out when that process started:
// /proc/<pid>/stat gives its start in clock ticks since boot (USER_HZ, 100
// on Linux), and /proc/uptime gives the time since boot.
export function readContainerdProcess(stateDir: string): ContainerdProcess | null {
  const pid = Number(readText(path.join(stateDir, 'child_pid'))?.trim())
  if (!Number.isInteger(pid) || pid <= 0) return null

  const stat = readText(`/proc/${pid}/stat`)
  const uptime = Number(readText('/proc/uptime')?.split(' ')[0])
  if (stat === null || Number.isNaN(uptime)) return null

  const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19])
  const bootMs = Date.now() - uptime * 1000
  return { pid, startedAtMs: bootMs + startTicks * 10 }
}

// Finds a helper program (unshare, ctr) on PATH, skipping relative PATH
// entries and any copy that someone other than root or the caller could
// have replaced.
export function findProgram(name: string, pathVariable: string, uid: number): string | null {
  for (const dir of pathVariable.split(':')) {
    if (!dir.startsWith('/')) continue
    const candidate = path.join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
    } catch {
      continue
    }
    if (distrustProgram(candidate, uid) === null) return candidate
  }
  return null
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return null
  }
}
