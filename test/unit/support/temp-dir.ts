import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach } from 'vitest'

// Returns a function that creates a fresh directory under the system temp
// dir. Every directory it made is removed after each test.
export function useTempDirs(): () => string {
  const created: string[] = []
  afterEach(() => {
    for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  return () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rnerdctl-unit-'))
    created.push(dir)
    return dir
  }
}

// A uid with no /run/user/<uid> on this host, so the default runtime dir
// of that uid is known to be missing.
export function findUidWithoutRuntimeDir(): number {
  for (let uid = 61_000; uid < 62_000; uid++) {
    if (!existsSync(`/run/user/${uid}`)) return uid
  }
  throw new Error('every uid from 61000 to 61999 has a /run/user entry')
}

// Tests that give files to another owner with chown need root.
export const IS_ROOT = process.getuid?.() === 0
