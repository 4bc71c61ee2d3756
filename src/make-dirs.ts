import { mkdirSync, statSync } from 'node:fs'
import path from 'node:path'

// Makes `dir` and its missing parents, each with one mkdir. Node 20's
// mkdirSync({ recursive: true }) loops without end where mkdir fails with
// ENOENT under an existing parent, as it does anywhere under /proc (an
// XDG_STATE_HOME=/proc/x would hang every call); here any failure throws.
export function makeDirs(dir: string, mode = 0o700): void {
  const missing: string[] = []
  let current = path.resolve(dir)
  while (!isDirectory(current)) {
    missing.unshift(current)
    const parent = path.dirname(current)
    if (parent === current) break
    current = parent
  }

  for (const part of missing) {
    try {
      mkdirSync(part, { mode })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !isDirectory(part)) throw error
    }
  }
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory()
  } catch {
    return false
  }
}
