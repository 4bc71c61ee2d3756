import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

import { writeFileAtomic } from '../../src/atomic-write.js'
import { useTempDirs } from './support/temp-dir.js'

const makeTempDir = useTempDirs()

describe('writeFileAtomic', () => {
  it('writes the text', () => {
    const file = path.join(makeTempDir(), 'probes.json')
    writeFileAtomic(file, '{"a":1}')

    expect(readFileSync(file, 'utf8')).toBe('{"a":1}')
  })

  it('writes a Buffer', () => {
    const file = path.join(makeTempDir(), 'bytes')
    writeFileAtomic(file, Buffer.from([0, 255, 10]))

    expect(readFileSync(file)).toEqual(Buffer.from([0, 255, 10]))
  })

  it('mode 0600 by default', () => {
    const file = path.join(makeTempDir(), 'probes.json')
    writeFileAtomic(file, 'x')

    expect(statSync(file).mode & 0o777).toBe(0o600)
  })

  it('given mode', () => {
    const file = path.join(makeTempDir(), 'config.toml')
    writeFileAtomic(file, 'x', 0o644)

    expect(statSync(file).mode & 0o777).toBe(0o644)
  })

  it('creates missing parents 0700', () => {
    const root = makeTempDir()
    const file = path.join(root, 'a', 'b', 'probes.json')
    writeFileAtomic(file, 'x')

    expect(readFileSync(file, 'utf8')).toBe('x')
    expect(statSync(path.join(root, 'a')).mode & 0o777).toBe(0o700)
    expect(statSync(path.join(root, 'a', 'b')).mode & 0o777).toBe(0o700)
  })

  it('replaces by rename', () => {
    const file = path.join(makeTempDir(), 'probes.json')
    writeFileSync(file, 'old text, longer than the new one')
    const before = statSync(file).ino
    writeFileAtomic(file, 'new')

    expect(readFileSync(file, 'utf8')).toBe('new')
    expect(statSync(file).ino).not.toBe(before)
  })

  it('leaves no temp file', () => {
    const dir = makeTempDir()
    writeFileAtomic(path.join(dir, 'probes.json'), 'one')
    writeFileAtomic(path.join(dir, 'probes.json'), 'two')

    expect(readdirSync(dir)).toEqual(['probes.json'])
  })

  it('target is a directory', () => {
    const dir = makeTempDir()
    mkdirSync(path.join(dir, 'probes.json'))

    expect(() => writeFileAtomic(path.join(dir, 'probes.json'), 'x')).toThrow()
    expect(readdirSync(dir)).toEqual(['probes.json'])
  })

  it('parent is a file', () => {
    const dir = makeTempDir()
    writeFileSync(path.join(dir, 'blocker'), '')

    expect(() => writeFileAtomic(path.join(dir, 'blocker', 'probes.json'), 'x')).toThrow()
  })
})
