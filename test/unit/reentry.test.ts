import { realpathSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

import { formatMarker, judgeReentry, readAncestors, readParentPid, REENTRY_VARIABLE, type Ancestor } from '../../src/reentry.js'

const NERDCTL = '/usr/local/bin/nerdctl'
const NODE = '/usr/bin/node'

describe('judgeReentry', () => {
  it.each<[string, string | undefined, Ancestor[], string | null]>([
    ['no marker', undefined, [{ pid: 200, exe: NODE }, { pid: 100, exe: NODE }], null],
    ['empty marker', '', [{ pid: 100, exe: NODE }], null],
    ['no colon', '100', [{ pid: 100, exe: NODE }], null],
    ['not a number', 'abc:/usr/local/bin/nerdctl', [{ pid: 100, exe: NODE }], null],
    ['negative pid', '-100:/usr/local/bin/nerdctl', [{ pid: 100, exe: NODE }], null],
    ['relative path', '100:usr/local/bin/nerdctl', [{ pid: 100, exe: NODE }], null],
    ['empty path', '100:', [{ pid: 100, exe: NODE }], null],
    ['no ancestors', `100:${NERDCTL}`, [], null],
    ['stale pid', `999:${NERDCTL}`, [{ pid: 200, exe: NODE }, { pid: 100, exe: '/bin/bash' }], null],
    ['direct child of the marker pid', `100:${NERDCTL}`, [{ pid: 200, exe: NODE }, { pid: 100, exe: NODE }], NERDCTL],
    ['shim script between', `100:${NERDCTL}`, [{ pid: 200, exe: NODE }, { pid: 150, exe: '/bin/sh' }, { pid: 100, exe: NODE }], NERDCTL],
    ['nerdctl between', `100:${NERDCTL}`, [{ pid: 200, exe: NODE }, { pid: 150, exe: NERDCTL }, { pid: 100, exe: NODE }], null],
    ['unreadable exe between', `100:${NERDCTL}`, [{ pid: 200, exe: NODE }, { pid: 150, exe: null }, { pid: 100, exe: NODE }], NERDCTL],
    ['marker pid is this process', `200:${NERDCTL}`, [{ pid: 200, exe: NODE }], NERDCTL],
    ['path with a colon', '100:/opt/a:b/nerdctl', [{ pid: 100, exe: NODE }], '/opt/a:b/nerdctl'],
    ['path with a newline', '100:/opt/a\nb/nerdctl', [{ pid: 100, exe: NODE }], '/opt/a\nb/nerdctl'],
  ])('%s', (_name, marker, ancestors, expected) => {
    expect(judgeReentry(marker, ancestors)).toBe(expected)
  })

  it('marker round-trip', () => {
    const marker = formatMarker(4242, NERDCTL)

    expect(marker).toBe(`4242:${NERDCTL}`)
    expect(judgeReentry(marker, [{ pid: 4242, exe: NODE }])).toBe(NERDCTL)
  })

  it('variable name', () => {
    expect(REENTRY_VARIABLE).toBe('RNERDCTL_PARENT')
  })
})

describe('readAncestors', () => {
  it('starts at the given pid', () => {
    const ancestors = readAncestors(process.pid)

    expect(ancestors[0]).toEqual({ pid: process.pid, exe: realpathSync(process.execPath) })
  })

  it('second is the parent', () => {
    const ancestors = readAncestors(process.pid)

    expect(ancestors[1]?.pid).toBe(process.ppid)
  })

  it('at most 16 entries, no pid 1', () => {
    const ancestors = readAncestors(process.pid)

    expect(ancestors.length).toBeLessThanOrEqual(16)
    expect(ancestors.map((ancestor) => ancestor.pid)).not.toContain(1)
  })

  it('pid 1 gives nothing', () => {
    expect(readAncestors(1)).toEqual([])
  })
})

describe('readParentPid', () => {
  it('this process', () => {
    expect(readParentPid(process.pid)).toBe(process.ppid)
  })

  it('unknown pid', () => {
    expect(readParentPid(2 ** 22 + 1)).toBeNull()
  })
})
