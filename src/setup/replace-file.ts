import { randomBytes } from 'node:crypto'
import { closeSync, fchmodSync, fchownSync, fsyncSync, openSync, renameSync, rmSync, writeSync, type Stats } from 'node:fs'
import path from 'node:path'
import { SetupError } from './setup-error.js'

// A new config.toml gets 0644, the mode that
// `containerd config default > /etc/containerd/config.toml` gives under umask 022.
export const NEW_CONFIG_MODE = 0o644

export interface ReplaceInput {
  // The real file, symlinks already resolved.
  file: string
  data: Buffer
  // The current file, or null when setup creates it.
  original: { bytes: Buffer; stat: Stats } | null
  now: Date
}

// Keeps a backup of the original, then writes `data` to a temp file in the
// same directory and renames it over the file, so readers see the old or
// the new config and never a mix. The new file gets the original's mode,
// owner and group. Returns the backup's path.
export function replaceConfigFile(input: ReplaceInput): string | null {
  const { original } = input
  const backup = original === null ? null : writeBackup(input.file, original.bytes, original.stat, input.now)
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`
  const temp = path.join(path.dirname(input.file), `.${path.basename(input.file)}.${suffix}.tmp`)

  try {
    writeExclusive(temp, input.data, original?.stat ?? null, input.file)
    renameSync(temp, input.file)
  } catch (error) {
    rmSync(temp, { force: true })
    throw error
  }

  syncDirectory(path.dirname(input.file))
  return backup
}

// The backup is named config.toml.bak-<UTC time>, with -2, -3... added
// when two runs fall in the same second.
function writeBackup(file: string, bytes: Buffer, stat: Stats, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
  for (let attempt = 1; ; attempt++) {
    const backup = `${file}.bak-${stamp}${attempt === 1 ? '' : `-${attempt}`}`
    try {
      writeExclusive(backup, bytes, stat, file)
      return backup
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
  }
}

// Creates `target` (failing with EEXIST when it exists) with the mode and
// owner of `like`, and flushes it to disk.
function writeExclusive(target: string, data: Buffer, like: Stats | null, file: string): void {
  const fd = openSync(target, 'wx', 0o600)
  try {
    if (like !== null) keepOwner(fd, like, file)
    fchmodSync(fd, like === null ? NEW_CONFIG_MODE : like.mode & 0o7777)
    writeAll(fd, data)
    fsyncSync(fd)
  } catch (error) {
    closeSync(fd)
    rmSync(target, { force: true })
    throw error
  }
  closeSync(fd)
}

function keepOwner(fd: number, like: Stats, file: string): void {
  if (like.uid === process.geteuid?.() && like.gid === process.getegid?.()) return
  try {
    fchownSync(fd, like.uid, like.gid)
  } catch (error) {
    // Only root can give a file to another user, or to a group the caller
    // is not in. The message names which of the two is in the way.
    const ownUid = like.uid === process.geteuid?.()
    const who = ownUid ? `as root, or chgrp the file to one of your groups first` : `as uid ${like.uid} or as root`
    throw new SetupError(
      `cannot keep the owner ${like.uid}:${like.gid} of ${file} (${(error as NodeJS.ErrnoException).code}); run rnerdctl setup ${who}`,
    )
  }
}

function writeAll(fd: number, data: Buffer): void {
  let written = 0
  while (written < data.length) written += writeSync(fd, data, written, data.length - written)
}

// Makes the rename itself durable. Some filesystems refuse fsync on a
// directory, but the rename has happened either way.
function syncDirectory(dir: string): void {
  let fd: number | null = null
  try {
    fd = openSync(dir, 'r')
    fsyncSync(fd)
  } catch {
    // Not durable across a crash on such a filesystem, but written.
  } finally {
    if (fd !== null) closeSync(fd)
  }
}
