import { closeSync, openSync, readSync, realpathSync, statSync } from 'node:fs'
import path from 'node:path'
import { ENTRY_MARKER } from '../find-nerdctl.js'

// Tells whether the first `nerdctl` on PATH is rnerdctl's shim. The shim
// carries the entry marker in its first lines, and the real nerdctl, a
// large binary, does not.
export function isShimFirstNerdctl(pathVariable: string, cwd: string): boolean {
  for (const dir of pathVariable.split(':')) {
    const candidate = path.resolve(cwd, dir === '' ? '.' : dir, 'nerdctl')
    const head = readHead(candidate)
    if (head !== null) return head.includes(ENTRY_MARKER)
  }
  return false
}

// Returns the first KiB of a regular file, or null when there is none.
function readHead(file: string): string | null {
  let fd: number | null = null
  try {
    const real = realpathSync(file)
    if (!statSync(real).isFile()) return null
    fd = openSync(real, 'r')
    const buffer = Buffer.alloc(1024)
    const length = readSync(fd, buffer, 0, buffer.length, 0)
    return buffer.subarray(0, length).toString('latin1')
  } catch {
    return null
  } finally {
    if (fd !== null) closeSync(fd)
  }
}
