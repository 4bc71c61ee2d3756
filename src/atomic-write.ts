import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import path from 'node:path'
import { makeDirs } from './make-dirs.js'

// Writes `data` to a temp file beside `file` and renames it into place, so a
// reader sees the old file or the new one, never a mix.
export function writeFileAtomic(file: string, data: string | Buffer, mode = 0o600): void {
  makeDirs(path.dirname(file))
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`
  const fd = openSync(temp, 'wx', mode)
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data)
    fsyncSync(fd)
  } catch (error) {
    closeSync(fd)
    rmSync(temp, { force: true })
    throw error
  }

  closeSync(fd)
  try {
    renameSync(temp, file)
  } catch (error) {
    rmSync(temp, { force: true })
    throw error
  }
}
