import { statSync } from 'node:fs'
import type { RunFlagTable } from './argv/flags.js'
import type { ProbeCache } from './cache.js'

// nerdctl's version and run flags, kept per binary: a new install changes
// the real path, size or mtime, and so the cache key.

function binaryKey(realPath: string): string {
  try {
    const stat = statSync(realPath)
    return `${realPath}:${stat.size}:${stat.mtimeMs}`
  } catch {
    return `${realPath}:missing`
  }
}

export async function nerdctlVersion(realPath: string, cache: ProbeCache): Promise<string | null> {
  const key = binaryKey(realPath)
  const stored = cache.get<{ version: string | null }>('nerdctl-version', key)
  if (stored !== undefined) return stored.version

  const probes = await import('./nerdctl-probes.js')
  const version = await probes.readNerdctlVersion(realPath).catch(() => null)
  cache.set('nerdctl-version', key, { version })
  return version
}

export async function nerdctlRunFlags(realPath: string, cache: ProbeCache): Promise<RunFlagTable | null> {
  const key = binaryKey(realPath)
  const stored = cache.get<{ flags: RunFlagTable | null }>('nerdctl-run-flags', key)
  if (stored !== undefined) return stored.flags

  const probes = await import('./nerdctl-probes.js')
  const flags = await probes.readRunFlags(realPath).catch(() => null)
  cache.set('nerdctl-run-flags', key, { flags })
  return flags
}

// nerdctl 2.0 moved bypass4netns from a label to an annotation; 2.x still
// accepts the label, so an unreadable version gets the label.
export function isNerdctl2OrLater(version: string | null): boolean {
  const major = version === null ? NaN : Number(version.split('.')[0])
  return major >= 2
}
