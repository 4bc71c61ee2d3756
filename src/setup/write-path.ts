import { lstatSync, readlinkSync, realpathSync } from 'node:fs'
import path from 'node:path'
import { SetupError } from './setup-error.js'

// Linux gives up after 40 links in one path (ELOOP).
const MAX_LINKS = 40

// Returns the file that setup writes for `file`: the target of a symlinked
// config.toml (dotfile managers link it into a repository), so the link
// stays a link. A dangling link resolves to the path it points at, which
// setup then creates.
export function resolveWritePath(file: string): string {
  let current = path.resolve(file)
  for (let hops = 0; hops < MAX_LINKS; hops++) {
    try {
      return realpathSync(current)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new SetupError(`cannot resolve ${file}: ${(error as Error).message}`)
      }
    }

    const next = readLinkOrNull(current)
    if (next === null) return resolveParent(current)
    current = path.resolve(path.dirname(current), next)
  }
  throw new SetupError(`cannot resolve ${file}: more than ${MAX_LINKS} symbolic links`)
}

function readLinkOrNull(file: string): string | null {
  try {
    return lstatSync(file).isSymbolicLink() ? readlinkSync(file) : null
  } catch {
    return null
  }
}

// The file is missing: resolve the links in its directory, if it exists,
// so the lock and backup go beside the real file.
function resolveParent(file: string): string {
  try {
    return path.join(realpathSync(path.dirname(file)), path.basename(file))
  } catch {
    return file
  }
}
