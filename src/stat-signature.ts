import { statSync, type Stats } from 'node:fs'

// A file's identity for cache keys: a change of size, mtime, inode (a file
// replaced by rename), owner or mode gives a new signature.
export function statSignature(file: string): string {
  try {
    return signatureOf(file, statSync(file))
  } catch {
    return `${file}:missing`
  }
}

export function signatureOf(file: string, stat: Stats): string {
  return `${file}:${stat.size}:${stat.mtimeMs}:${stat.ino}:${stat.uid}:${stat.gid}:${stat.mode}`
}
