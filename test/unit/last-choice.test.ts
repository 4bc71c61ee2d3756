import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

import { describeChange, readLastChoice, writeLastChoice } from '../../src/last-choice.js'
import type { Candidate } from '../../src/snapshotter-chain.js'
import { useTempDirs } from './support/temp-dir.js'

const makeTempDir = useTempDirs()

describe('readLastChoice and writeLastChoice', () => {
  it('round trip', () => {
    const stateDir = makeTempDir()
    writeLastChoice(stateDir, 'fuse-overlayfs')

    expect(readLastChoice(stateDir)).toEqual({ name: 'fuse-overlayfs' })
    expect(readFileSync(path.join(stateDir, 'last-snapshotter.json'), 'utf8')).toBe('{"name":"fuse-overlayfs"}\n')
  })

  it('state dir created', () => {
    const stateDir = path.join(makeTempDir(), 'rnerdctl')
    writeLastChoice(stateDir, 'native')

    expect(readLastChoice(stateDir)).toEqual({ name: 'native' })
  })

  it('overwrite', () => {
    const stateDir = makeTempDir()
    writeLastChoice(stateDir, 'overlayfs')
    writeLastChoice(stateDir, 'native')

    expect(readLastChoice(stateDir)).toEqual({ name: 'native' })
  })

  it('no file', () => {
    expect(readLastChoice(makeTempDir())).toBeNull()
  })

  it.each<[string, string]>([
    ['not JSON', 'overlayfs'],
    ['name a number', '{"name": 3}'],
    ['no name', '{}'],
    ['JSON array', '[]'],
  ])('%s', (_name, text) => {
    const stateDir = makeTempDir()
    writeFileSync(path.join(stateDir, 'last-snapshotter.json'), text)

    expect(readLastChoice(stateDir)).toBeNull()
  })

  it('JSON null', () => {
    const stateDir = makeTempDir()
    writeFileSync(path.join(stateDir, 'last-snapshotter.json'), 'null')

    expect(readLastChoice(stateDir)).toBeNull()
  })

  it('directory in the way', () => {
    const stateDir = makeTempDir()
    mkdirSync(path.join(stateDir, 'last-snapshotter.json'))

    expect(readLastChoice(stateDir)).toBeNull()
  })

  it('write failure ignored', () => {
    const blocker = path.join(makeTempDir(), 'blocker')
    writeFileSync(blocker, '')

    expect(() => writeLastChoice(path.join(blocker, 'state'), 'native')).not.toThrow()
  })
})

describe('describeChange', () => {
  const native: Candidate = { name: 'native', usable: true, reason: 'native works on every host (copies, no overlay)' }

  it('previous unusable', () => {
    const previous: Candidate = { name: 'fuse-overlayfs', usable: false, reason: '/run/user/1001/containerd-fuse-overlayfs.sock refuses connections' }

    expect(describeChange('fuse-overlayfs', native, previous)).toBe(
      'snapshotter changed from fuse-overlayfs to native: fuse-overlayfs is unusable now ' +
        '(/run/user/1001/containerd-fuse-overlayfs.sock refuses connections); ' +
        'images unpacked for fuse-overlayfs are unpacked again for native',
    )
  })

  it('previous not in the chain', () => {
    expect(describeChange('zfs', native, undefined)).toBe(
      'snapshotter changed from zfs to native: native works on every host (copies, no overlay); images unpacked for zfs are unpacked again for native',
    )
  })

  it('previous not checked', () => {
    const overlay: Candidate = { name: 'overlayfs', usable: true, reason: 'kernel 6.1.0 is 5.13 or later' }
    const previous: Candidate = { name: 'native', usable: null, reason: 'not checked: overlayfs comes first' }

    expect(describeChange('native', overlay, previous)).toBe(
      'snapshotter changed from native to overlayfs: kernel 6.1.0 is 5.13 or later; images unpacked for native are unpacked again for overlayfs',
    )
  })
})
