import { statSync } from 'node:fs'

// A file's identity for cache keys: a change of size, mtime or inode (a
// file replaced by rename) gives a new signature.
export function statSignature(file: string): string {
  try {
    const stat = statSync(file)
    return `${file}:${stat.size}:${stat.mtimeMs}:${stat.ino}`
  } catch {
    return `${file}:missing`
  }
}
