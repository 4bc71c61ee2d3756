import { chmodSync, chownSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

import { ProbeCache, readBootId, type ProbeCacheOptions } from '../../src/cache.js'
import { IS_ROOT, useTempDirs } from './support/temp-dir.js'

const makeTempDir = useTempDirs()
const UID = process.getuid?.() ?? 0
const OTHER_UID = UID === 1001 ? 1002 : 1001

function cacheFile(): string {
  return path.join(makeTempDir(), 'rnerdctl', 'probes.json')
}

function makeCache(file: string | null, overrides: Partial<ProbeCacheOptions> = {}): ProbeCache {
  return new ProbeCache({ file, uid: UID, bootId: 'boot-a', bypass: false, ...overrides })
}

// Writes a cache file by hand, in the shape ProbeCache stores.
function writeStore(file: string, store: unknown): void {
  const cache = makeCache(file)
  cache.set('placeholder', 0, 0)
  cache.flush()
  writeFileSync(file, typeof store === 'string' ? store : JSON.stringify(store))
}

describe('ProbeCache get and set', () => {
  it('round trip through the file', () => {
    const file = cacheFile()
    const first = makeCache(file)
    first.set('overlay-mount', { release: '6.1.0', bootId: 'boot-a' }, { ran: true, ok: true })
    first.flush()

    expect(makeCache(file).get('overlay-mount', { release: '6.1.0', bootId: 'boot-a' })).toEqual({ ran: true, ok: true })
  })

  it('same instance', () => {
    const cache = makeCache(null)
    cache.set('nerdctl-version', '/usr/local/bin/nerdctl:123', '2.0.3')

    expect(cache.get('nerdctl-version', '/usr/local/bin/nerdctl:123')).toBe('2.0.3')
  })

  it('deps mismatch', () => {
    const cache = makeCache(null)
    cache.set('overlay-mount', { release: '6.1.0' }, 'yes')

    expect(cache.get('overlay-mount', { release: '6.2.0' })).toBeUndefined()
  })

  it('unknown name', () => {
    expect(makeCache(null).get('overlay-mount', {})).toBeUndefined()
  })

  it('set replaces', () => {
    const cache = makeCache(null)
    cache.set('x', 1, 'old')
    cache.set('x', 2, 'new')

    expect(cache.get('x', 1)).toBeUndefined()
    expect(cache.get('x', 2)).toBe('new')
  })

  it('falsy values kept', () => {
    const cache = makeCache(null)
    cache.set('flags', 'd', null)
    cache.set('zero', 'd', 0)

    expect(cache.get('flags', 'd')).toBeNull()
    expect(cache.get('zero', 'd')).toBe(0)
  })
})

describe('ProbeCache bypass', () => {
  it('get returns nothing', () => {
    const file = cacheFile()
    const first = makeCache(file)
    first.set('x', 'd', 'stored')
    first.flush()
    const bypassed = makeCache(file, { bypass: true })

    expect(bypassed.get('x', 'd')).toBeUndefined()
  })

  it('fresh results still stored', () => {
    const file = cacheFile()
    const bypassed = makeCache(file, { bypass: true })
    bypassed.set('x', 'd', 'fresh')
    bypassed.flush()

    expect(makeCache(file).get('x', 'd')).toBe('fresh')
  })
})

describe('ProbeCache file checks', () => {
  it('corrupt file ignored', () => {
    const file = cacheFile()
    writeStore(file, '{"bootId": "boot-a", "entries": {')
    const cache = makeCache(file)

    expect(cache.get('x', 'd')).toBeUndefined()
    cache.set('x', 'd', 'new')
    cache.flush()
    expect(makeCache(file).get('x', 'd')).toBe('new')
  })

  it.each<[string, unknown]>([
    ['JSON null', null],
    ['array', []],
    ['warned not an array', { bootId: 'boot-a', entries: {}, warned: 'x' }],
    ['entries a string', { bootId: 'boot-a', entries: 'x', warned: [] }],
  ])('%s ignored', (_name, store) => {
    const file = cacheFile()
    writeStore(file, store)

    expect(makeCache(file).get('x', 'd')).toBeUndefined()
    expect(makeCache(file).firstWarning('w')).toBe(true)
  })

  // A file of valid JSON in the wrong shape must read as empty rather than
  // throw, because the cache only saves time.
  it('entries null ignored', () => {
    const file = cacheFile()
    writeStore(file, { bootId: 'boot-a', entries: null, warned: [] })

    expect(makeCache(file).get('x', 'd')).toBeUndefined()
  })

  it('entry null ignored', () => {
    const file = cacheFile()
    writeStore(file, { bootId: 'boot-a', entries: { x: null }, warned: [] })

    expect(makeCache(file).get('x', 'd')).toBeUndefined()
  })

  it('other boot id ignored', () => {
    const file = cacheFile()
    const before = makeCache(file, { bootId: 'boot-a' })
    before.set('overlay-mount', 'd', 'old result')
    before.firstWarning('no runtime dir')
    before.flush()
    const after = makeCache(file, { bootId: 'boot-b' })

    expect(after.get('overlay-mount', 'd')).toBeUndefined()
    expect(after.firstWarning('no runtime dir')).toBe(true)
  })

  it.skipIf(!IS_ROOT)('file of another uid ignored', () => {
    const file = cacheFile()
    const first = makeCache(file)
    first.set('x', 'd', 'theirs')
    first.flush()
    chownSync(file, OTHER_UID, OTHER_UID)

    expect(makeCache(file).get('x', 'd')).toBeUndefined()
  })

  it.each([[0o620], [0o602], [0o666]])('mode %o ignored', (mode) => {
    const file = cacheFile()
    const first = makeCache(file)
    first.set('x', 'd', 'value')
    first.flush()
    chmodSync(file, mode)

    expect(makeCache(file).get('x', 'd')).toBeUndefined()
  })

  it('file mode 0600', () => {
    const file = cacheFile()
    const cache = makeCache(file)
    cache.set('x', 'd', 1)
    cache.flush()

    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700)
  })

  it('stored as JSON with the boot id', () => {
    const file = cacheFile()
    const cache = makeCache(file)
    cache.set('x', { a: 1 }, 'v')
    cache.flush()

    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ format: 2, bootId: 'boot-a', entries: { x: { deps: '{"a":1}', value: 'v' } }, warned: [] })
  })

  it('file of another format ignored', () => {
    const file = cacheFile()
    writeStore(file, { bootId: 'boot-a', entries: { x: { deps: '{"a":1}', value: 'v' } }, warned: [] })

    expect(makeCache(file).get('x', { a: 1 })).toBeUndefined()
  })
})

describe('ProbeCache flush', () => {
  it('nothing changed, nothing written', () => {
    const file = cacheFile()
    const cache = makeCache(file)
    cache.get('x', 'd')
    cache.flush()

    expect(existsSync(file)).toBe(false)
  })

  it('no file, no write', () => {
    const cache = makeCache(null)
    cache.set('x', 'd', 1)

    expect(() => cache.flush()).not.toThrow()
  })

  it('write failure ignored', () => {
    const blocker = path.join(makeTempDir(), 'blocker')
    writeFileSync(blocker, '')
    const cache = makeCache(path.join(blocker, 'probes.json'))
    cache.set('x', 'd', 1)

    expect(() => cache.flush()).not.toThrow()
    cache.set('y', 'd', 2)
    expect(() => cache.flush()).not.toThrow()
    expect(cache.get('y', 'd')).toBe(2)
  })
})

describe('ProbeCache firstWarning', () => {
  it('once per condition', () => {
    const cache = makeCache(null)

    expect(cache.firstWarning('stale socket')).toBe(true)
    expect(cache.firstWarning('stale socket')).toBe(false)
    expect(cache.firstWarning('other')).toBe(true)
  })

  it('remembered across calls', () => {
    const file = cacheFile()
    const first = makeCache(file)
    first.firstWarning('stale socket')
    first.flush()
    const second = makeCache(file)

    expect(second.firstWarning('stale socket')).toBe(false)
    expect(second.firstWarning('new condition')).toBe(true)
  })

  it('marks the store for writing', () => {
    const file = cacheFile()
    const cache = makeCache(file)
    cache.firstWarning('w')
    cache.flush()

    expect(existsSync(file)).toBe(true)
  })
})

describe('readBootId', () => {
  it('reads the kernel boot id', () => {
    const expected = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()

    expect(readBootId()).toBe(expected)
    expect(readBootId()).toMatch(/^[0-9a-f-]{36}$/)
  })
})
