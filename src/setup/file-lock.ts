import { randomBytes } from 'node:crypto'
import { closeSync, linkSync, lstatSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { SetupError } from './setup-error.js'

export interface LockOptions {
  timeoutMs: number
  pollMs: number
}

export const DEFAULT_LOCK_OPTIONS: LockOptions = { timeoutMs: 10_000, pollMs: 50 }

// A lock file whose writer died before writing its pid counts as stale
// after this long.
const EMPTY_LOCK_STALE_MS = 10_000

interface LockHolder {
  pid: number | null
  // The whole content, "<pid> <random token>". Inode numbers are reused as
  // soon as a file is removed, so only the content identifies a lock file.
  content: string
  mtimeMs: number
}

// Runs `action` while holding `lockPath`, a file created with O_EXCL that
// contains the holder's pid and a random token. Another holder is waited
// for up to `timeoutMs`, and a lock whose pid no longer runs is removed.
// The lock file is removed afterwards, also when `action` throws.
export async function withFileLock<T>(
  lockPath: string,
  action: () => Promise<T> | T,
  options = DEFAULT_LOCK_OPTIONS,
): Promise<T> {
  const content = await acquireLock(lockPath, options)
  try {
    return await action()
  } finally {
    releaseLock(lockPath, content)
  }
}

async function acquireLock(lockPath: string, options: LockOptions): Promise<string> {
  const content = `${process.pid} ${randomBytes(8).toString('hex')}\n`
  const deadline = Date.now() + options.timeoutMs
  for (;;) {
    if (tryCreateLock(lockPath, content)) return content

    const holder = readHolder(lockPath)
    if (holder !== null && isStale(holder)) {
      breakStaleLock(lockPath, holder)
      continue
    }

    if (Date.now() >= deadline) {
      const by = holder?.pid == null ? '' : ` (held by pid ${holder.pid})`
      throw new SetupError(
        `timed out after ${options.timeoutMs} ms waiting for the lock ${lockPath}${by}; ` +
          `if no rnerdctl setup is running, remove that file`,
      )
    }
    await sleep(options.pollMs)
  }
}

// Returns false when another process holds the lock.
function tryCreateLock(lockPath: string, content: string): boolean {
  let fd: number
  try {
    fd = openSync(lockPath, 'wx', 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw new SetupError(`cannot create the lock ${lockPath}: ${(error as Error).message}`)
  }

  try {
    writeSync(fd, content)
    return true
  } finally {
    closeSync(fd)
  }
}

// Returns null when the lock vanished between the attempt and this read.
function readHolder(lockPath: string): LockHolder | null {
  try {
    const stat = lstatSync(lockPath)
    const content = readFileSync(lockPath, 'utf8')
    const pid = Number.parseInt(content, 10)
    return { pid: Number.isInteger(pid) && pid > 0 ? pid : null, content, mtimeMs: stat.mtimeMs }
  } catch {
    return null
  }
}

function isStale(holder: LockHolder): boolean {
  if (holder.pid === null) return Date.now() - holder.mtimeMs > EMPTY_LOCK_STALE_MS
  try {
    process.kill(holder.pid, 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

// Moves the stale lock aside before removing it, and checks that the
// moved file is the one judged stale: another process may have broken it
// and taken a fresh lock in between, and that lock is then put back.
// NOTE: if a third process creates a lock in that short window too, the
// fresh lock cannot be put back (link fails with EEXIST), and two runs may
// both proceed. Each run still writes a whole, valid file, but one update
// may then be lost.
function breakStaleLock(lockPath: string, holder: LockHolder): void {
  const aside = `${lockPath}.stale-${process.pid}`
  try {
    renameSync(lockPath, aside)
  } catch {
    return
  }

  try {
    if (readFileSync(aside, 'utf8') !== holder.content) linkSync(aside, lockPath)
  } catch {
    // The lock path is taken again: that holder keeps it.
  } finally {
    rmSync(aside, { force: true })
  }
}

function releaseLock(lockPath: string, content: string): void {
  try {
    if (readFileSync(lockPath, 'utf8') === content) rmSync(lockPath, { force: true })
  } catch {
    // Already gone: nothing to release.
  }
}
