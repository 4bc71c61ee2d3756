import { readFileSync } from 'node:fs'
import { writeFileAtomic } from './atomic-write.js'
import { readConfigFile } from './read-file.js'

// Results of expensive probes (the overlay mount test, parsed configs,
// nerdctl's version), each stored with the inputs it depends on and used
// only while those inputs are unchanged. Socket liveness is never stored:
// a probe is cheap, and sockets come and go. The file also remembers which
// warnings were printed since boot, so each prints once.

interface Entry {
  deps: string
  value: unknown
}

// Bumped whenever the shape of a stored value changes, so a file written
// by an older rnerdctl is ignored instead of misread.
const STORE_FORMAT = 2

interface StoreFile {
  format: number
  bootId: string
  entries: Record<string, Entry>
  warned: string[]
}

const MAX_ENTRY_BYTES = 256 * 1024

export interface ProbeCacheOptions {
  file: string | null
  uid: number
  bootId: string
  // RNERDCTL_NO_CACHE and `doctor --recheck`: ignore stored results.
  bypass: boolean
}

export class ProbeCache {
  private store: StoreFile
  private dirty = false

  constructor(private readonly options: ProbeCacheOptions) {
    this.store = loadStore(options)
  }

  get<T>(name: string, deps: unknown): T | undefined {
    if (this.options.bypass) return undefined
    const entry = this.store.entries[name]
    return entry !== undefined && entry.deps === JSON.stringify(deps) ? (entry.value as T) : undefined
  }

  // An entry larger than MAX_ENTRY_BYTES (an import glob over thousands of
  // dirs, say) is not kept: the file must stay small enough to read fast.
  set(name: string, deps: unknown, value: unknown): void {
    let size: number
    try {
      size = JSON.stringify(value).length
    } catch {
      size = Infinity
    }
    if (size > MAX_ENTRY_BYTES) delete this.store.entries[name]
    else this.store.entries[name] = { deps: JSON.stringify(deps), value }
    this.dirty = true
  }

  // Returns true the first time `condition` is seen since boot.
  firstWarning(condition: string): boolean {
    if (this.store.warned.includes(condition)) return false
    this.store.warned.push(condition)
    this.dirty = true
    return true
  }

  // Failures to write are ignored: the cache only saves time.
  flush(): void {
    if (!this.dirty || this.options.file === null) return
    try {
      writeFileAtomic(this.options.file, JSON.stringify(this.store))
      this.dirty = false
    } catch {
      this.options.file = null
    }
  }
}

function loadStore(options: ProbeCacheOptions): StoreFile {
  const empty: StoreFile = { format: STORE_FORMAT, bootId: options.bootId, entries: {}, warned: [] }
  if (options.file === null) return empty

  const read = readConfigFile(options.file, 4 * 1024 * 1024)
  if (!read.ok) return empty
  if (read.stat.uid !== options.uid || (read.stat.mode & 0o022) !== 0) return empty

  try {
    const store = JSON.parse(read.text) as StoreFile
    return isStore(store, options.bootId) ? store : empty
  } catch {
    return empty
  }
}

function isStore(value: StoreFile | null, bootId: string): boolean {
  if (typeof value !== 'object' || value === null || value.bootId !== bootId || value.format !== STORE_FORMAT) return false
  if (!Array.isArray(value.warned) || typeof value.entries !== 'object' || value.entries === null) return false
  return Object.values(value.entries).every((entry) => typeof entry === 'object' && entry !== null && typeof entry.deps === 'string')
}

export function readBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
  } catch {
    return 'unknown'
  }
}
