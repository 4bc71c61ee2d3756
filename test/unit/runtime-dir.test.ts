import { chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

import { distrustRuntimeDir, findRuntimeDir, resolveRuntimeDir, statDir, type DirStat, type RuntimeDirInput } from '../../src/runtime-dir.js'
import { IS_ROOT, findUidWithoutRuntimeDir, useTempDirs } from './support/temp-dir.js'

// uid 1001 stands for any user whose uid is not 1000.
const UID = 1001
const DEFAULT_PATH = '/run/user/1001'

function dir(uid: number, permissions: number): DirStat {
  return { uid, mode: 0o040000 | permissions, isDirectory: true }
}

const OWN = dir(UID, 0o700)
const FILE: DirStat = { uid: UID, mode: 0o100600, isDirectory: false }

describe('distrustRuntimeDir', () => {
  it.each<[string, DirStat | null, string | null]>([
    ['own 0700', OWN, null],
    ['own 0755', dir(UID, 0o755), null],
    ['own 0500', dir(UID, 0o500), null],
    ['missing', null, 'does not exist'],
    ['regular file', FILE, 'is not a directory'],
    ['uid 1000', dir(1000, 0o700), 'is owned by uid 1000, not 1001'],
    ['root-owned', dir(0, 0o755), 'is owned by uid 0, not 1001'],
    ['group-writable', dir(UID, 0o770), 'is writable by group or others (mode 770)'],
    ['other-writable', dir(UID, 0o702), 'is writable by group or others (mode 702)'],
    ['sticky 1777', dir(UID, 0o1777), 'is writable by group or others (mode 777)'],
  ])('%s', (_name, stat, expected) => {
    expect(distrustRuntimeDir(stat, UID)).toBe(expected)
  })
})

interface ResolveCase {
  name: string
  input: Partial<RuntimeDirInput>
  path: string | null
  source: 'env' | 'default' | 'none'
  warnings: string[]
}

function resolve(input: Partial<RuntimeDirInput>): ReturnType<typeof resolveRuntimeDir> {
  return resolveRuntimeDir({
    uid: UID,
    variable: undefined,
    variableStat: null,
    defaultPath: DEFAULT_PATH,
    defaultStat: OWN,
    ...input,
  })
}

describe('resolveRuntimeDir', () => {
  it.each<ResolveCase>([
    {
      name: 'variable valid',
      input: { variable: '/run/user/1001', variableStat: OWN },
      path: '/run/user/1001',
      source: 'env',
      warnings: [],
    },
    {
      name: 'variable elsewhere, valid',
      input: { variable: '/tmp/xdg-1001', variableStat: OWN, defaultStat: null },
      path: '/tmp/xdg-1001',
      source: 'env',
      warnings: [],
    },
    {
      name: 'variable unset, default valid',
      input: {},
      path: DEFAULT_PATH,
      source: 'default',
      warnings: [],
    },
    {
      name: 'variable owned by uid 1000',
      input: { variable: '/run/user/1000', variableStat: dir(1000, 0o700) },
      path: DEFAULT_PATH,
      source: 'default',
      warnings: ['ignoring XDG_RUNTIME_DIR=/run/user/1000: it is owned by uid 1000, not 1001, so no socket in it is trusted; using /run/user/1001 instead'],
    },
    {
      name: 'variable group-writable',
      input: { variable: '/srv/shared-run', variableStat: dir(UID, 0o775) },
      path: DEFAULT_PATH,
      source: 'default',
      warnings: ['ignoring XDG_RUNTIME_DIR=/srv/shared-run: it is writable by group or others (mode 775), so no socket in it is trusted; using /run/user/1001 instead'],
    },
    {
      name: 'variable relative',
      input: { variable: 'run/user/1001', variableStat: OWN },
      path: DEFAULT_PATH,
      source: 'default',
      warnings: ['ignoring XDG_RUNTIME_DIR=run/user/1001: it is not an absolute path, so no socket in it is trusted; using /run/user/1001 instead'],
    },
    {
      name: 'variable missing',
      input: { variable: '/run/user/1001-gone', variableStat: null },
      path: DEFAULT_PATH,
      source: 'default',
      warnings: ['ignoring XDG_RUNTIME_DIR=/run/user/1001-gone: it does not exist, so no socket in it is trusted; using /run/user/1001 instead'],
    },
    {
      name: 'variable a file',
      input: { variable: '/home/u/run', variableStat: FILE },
      path: DEFAULT_PATH,
      source: 'default',
      warnings: ['ignoring XDG_RUNTIME_DIR=/home/u/run: it is not a directory, so no socket in it is trusted; using /run/user/1001 instead'],
    },
  ])('$name', ({ input, path: expectedPath, source, warnings }) => {
    const result = resolve(input)

    expect(result.path).toBe(expectedPath)
    expect(result.source).toBe(source)
    expect(result.warnings).toEqual(warnings)
  })

  it('nothing valid gives no path', () => {
    const result = resolve({ defaultStat: null })

    expect(result.path).toBeNull()
    expect(result.source).toBe('none')
    expect(result.warnings).toHaveLength(1)
    expect(result.warnings[0]).toContain('loginctl enable-linger')
    expect(result.warnings[0]).toContain('no runtime dir for uid 1001: /run/user/1001 does not exist')
    expect(result.warnings[0]).toContain('machinectl shell')
  })

  it.each([
    ['missing, systemd, named', { defaultStat: null, systemd: true, userName: 'ann' }, 'as root: loginctl enable-linger ann;'],
    ['missing, no passwd entry', { defaultStat: null, systemd: true, userName: null }, 'loginctl enable-linger 1001'],
    ['missing, no systemd', { defaultStat: null, systemd: false, userName: 'ann' }, 'as root: install -d -m 0700 -o 1001 /run/user/1001'],
    ['own dir, mode 0777', { defaultStat: dir(1001, 0o777) }, 'fix: chmod 700 /run/user/1001'],
    ['foreign dir', { defaultStat: dir(0, 0o700) }, 'as root: chown 1001 /run/user/1001'],
  ] as const)('fix for %s', (_name, input, fix) => {
    const result = resolve(input)

    expect(result.path).toBeNull()
    expect(result.warnings[0]).toContain(fix)
  })

  it('bad variable and no default', () => {
    const result = resolve({ variable: '/run/user/1000', variableStat: dir(1000, 0o700), defaultStat: null })

    expect(result.path).toBeNull()
    expect(result.source).toBe('none')
    expect(result.warnings).toHaveLength(2)
    expect(result.warnings[0]).toContain('XDG_RUNTIME_DIR=/run/user/1000')
    expect(result.warnings[1]).toContain('loginctl enable-linger')
  })

  it('default owned by another uid', () => {
    const result = resolve({ defaultStat: dir(0, 0o755) })

    expect(result.path).toBeNull()
    expect(result.source).toBe('none')
    expect(result.warnings[0]).toContain('/run/user/1001 is owned by uid 0, not 1001')
  })

  it('never assumes uid 1000', () => {
    const result = resolve({ uid: 1000, defaultPath: '/run/user/1000', defaultStat: OWN })

    expect(result.path).toBeNull()
    expect(result.warnings[0]).toContain('is owned by uid 1001, not 1000')
  })
})

describe('statDir', () => {
  const makeTempDir = useTempDirs()

  it('directory', () => {
    const root = makeTempDir()
    chmodSync(root, 0o750)
    const stat = statDir(root)

    expect(stat?.isDirectory).toBe(true)
    expect(stat?.uid).toBe(process.getuid?.())
    expect((stat?.mode ?? 0) & 0o777).toBe(0o750)
  })

  it('missing path', () => {
    expect(statDir(path.join(makeTempDir(), 'absent'))).toBeNull()
  })

  it('file', () => {
    const file = path.join(makeTempDir(), 'file')
    writeFileSync(file, '')

    expect(statDir(file)?.isDirectory).toBe(false)
  })
})

describe('findRuntimeDir', () => {
  const makeTempDir = useTempDirs()
  const uid = findUidWithoutRuntimeDir()

  // A directory owned by `owner` with the given permissions, inside a
  // fresh temp dir.
  function makeRuntimeDir(owner: number, permissions = 0o700): string {
    const runtimeDir = path.join(makeTempDir(), 'xdg')
    mkdirSync(runtimeDir)
    chownSync(runtimeDir, owner, owner)
    chmodSync(runtimeDir, permissions)
    return runtimeDir
  }

  it('root uses /run', () => {
    const result = findRuntimeDir({ XDG_RUNTIME_DIR: '/run/user/1001' }, 0)

    expect(result).toEqual({ path: '/run', source: 'default', warnings: [] })
  })

  it.skipIf(!IS_ROOT)('variable owned by the caller', () => {
    const runtimeDir = makeRuntimeDir(uid)

    expect(findRuntimeDir({ XDG_RUNTIME_DIR: runtimeDir }, uid)).toEqual({ path: runtimeDir, source: 'env', warnings: [] })
  })

  it.skipIf(!IS_ROOT)('variable owned by someone else', () => {
    const runtimeDir = makeRuntimeDir(0)
    const result = findRuntimeDir({ XDG_RUNTIME_DIR: runtimeDir }, uid)

    expect(result.path).toBeNull()
    expect(result.source).toBe('none')
    expect(result.warnings[0]).toBe(`ignoring XDG_RUNTIME_DIR=${runtimeDir}: it is owned by uid 0, not ${uid}, so no socket in it is trusted; and there is no other`)
    expect(result.warnings[1]).toContain(`/run/user/${uid} does not exist`)
  })

  it.skipIf(!IS_ROOT)('variable group-writable', () => {
    const runtimeDir = makeRuntimeDir(uid, 0o770)
    const result = findRuntimeDir({ XDG_RUNTIME_DIR: runtimeDir }, uid)

    expect(result.path).toBeNull()
    expect(result.warnings[0]).toContain('mode 770')
  })

  it.skipIf(!IS_ROOT)('symlink judged by its target', () => {
    const target = makeRuntimeDir(0)
    const link = path.join(makeTempDir(), 'link')
    symlinkSync(target, link)
    const result = findRuntimeDir({ XDG_RUNTIME_DIR: link }, uid)

    expect(result.path).toBeNull()
    expect(result.warnings[0]).toContain('is owned by uid 0')
  })

  it.skipIf(!IS_ROOT)('symlink to own dir kept as given', () => {
    const target = makeRuntimeDir(uid)
    const link = path.join(makeTempDir(), 'link')
    symlinkSync(target, link)

    expect(findRuntimeDir({ XDG_RUNTIME_DIR: link }, uid).path).toBe(link)
  })

  it('empty variable counts as unset', () => {
    const result = findRuntimeDir({ XDG_RUNTIME_DIR: '' }, uid)

    expect(result.path).toBeNull()
    expect(result.source).toBe('none')
    expect(result.warnings).toHaveLength(1)
    expect(result.warnings[0]).toContain('loginctl enable-linger')
  })

  it('variable unset, no default', () => {
    const result = findRuntimeDir({}, uid)

    expect(result.path).toBeNull()
    expect(result.warnings).toHaveLength(1)
    expect(result.warnings[0]).toContain(`no runtime dir for uid ${uid}`)
  })
})
