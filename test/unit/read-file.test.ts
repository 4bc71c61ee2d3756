import { execFileSync } from 'node:child_process'
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

import { MAX_CONFIG_BYTES, readConfigFile } from '../../src/read-file.js'
import { useTempDirs } from './support/temp-dir.js'

describe('readConfigFile', () => {
  const makeTempDir = useTempDirs()

  function writeFile(name: string, data: string | Buffer): string {
    const file = path.join(makeTempDir(), name)
    writeFileSync(file, data)
    return file
  }

  it('regular file', () => {
    const file = writeFile('config.toml', 'version = 2\n')
    const result = readConfigFile(file)

    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.text).toBe('version = 2\n')
    expect(result.stat.size).toBe(12)
  })

  it('empty file', () => {
    const result = readConfigFile(writeFile('empty.toml', ''))

    expect(result).toMatchObject({ ok: true, text: '' })
  })

  it('UTF-8 text', () => {
    const result = readConfigFile(writeFile('u.toml', 'name = "Grüße ✓"\n'))

    expect(result).toMatchObject({ ok: true, text: 'name = "Grüße ✓"\n' })
  })

  it('byte order mark dropped', () => {
    const result = readConfigFile(writeFile('bom.toml', Buffer.from('\ufeffversion = 2\n')))

    expect(result).toMatchObject({ ok: true, text: 'version = 2\n' })
  })

  it('missing file', () => {
    const result = readConfigFile(path.join(makeTempDir(), 'absent.toml'))

    expect(result).toEqual({ ok: false, missing: true, reason: 'not found' })
  })

  it('parent is a file', () => {
    const file = writeFile('plain', '')
    const result = readConfigFile(path.join(file, 'config.toml'))

    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.missing).toBe(true)
    expect(result.reason).toBe('cannot open (ENOTDIR)')
  })

  it('directory', () => {
    const dir = path.join(makeTempDir(), 'conf.d')
    mkdirSync(dir)

    expect(readConfigFile(dir)).toMatchObject({ ok: false, missing: false, reason: 'not a regular file' })
  })

  it('FIFO does not block', () => {
    const fifo = path.join(makeTempDir(), 'fifo')
    execFileSync('mkfifo', [fifo])

    expect(readConfigFile(fifo)).toMatchObject({ ok: false, missing: false, reason: 'not a regular file' })
  }, 5_000)

  it('character device', () => {
    expect(readConfigFile('/dev/null')).toMatchObject({ ok: false, missing: false, reason: 'not a regular file' })
  })

  it('invalid UTF-8', () => {
    const result = readConfigFile(writeFile('bad.toml', Buffer.from([0x61, 0xc3, 0x28])))

    expect(result).toMatchObject({ ok: false, missing: false, reason: 'not valid UTF-8' })
  })

  it('20 MB file refused', () => {
    const file = writeFile('big.toml', '')
    truncateSync(file, 20 * 1024 * 1024)
    const result = readConfigFile(file)

    expect(result).toMatchObject({ ok: false, missing: false, reason: `larger than ${MAX_CONFIG_BYTES} bytes` })
    expect(result.stat?.size).toBe(20 * 1024 * 1024)
  })

  it.each<[string, number, boolean]>([
    ['one under the limit', 9, true],
    ['at the limit', 10, true],
    ['one over the limit', 11, false],
  ])('maxBytes: %s', (_name, size, ok) => {
    const file = writeFile('sized.toml', 'x'.repeat(size))

    expect(readConfigFile(file, 10).ok).toBe(ok)
  })

  it('default limit is 1 MiB', () => {
    expect(MAX_CONFIG_BYTES).toBe(1024 * 1024)
  })
})
