import { chmodSync, chownSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

import { ENTRY_MARKER, findNerdctl, type LookupInput } from '../../src/find-nerdctl.js'
import { IS_ROOT, useTempDirs } from './support/temp-dir.js'

const makeTempDir = useTempDirs()
const UID = process.getuid?.() ?? 0
const OTHER_UID = UID === 1001 ? 1002 : 1001

const PROGRAM = '#!/bin/sh\nexit 0\n'
const SHIM = `#!/bin/sh\n# ${ENTRY_MARKER}\nexec rnerdctl "$@"\n`

// A directory holding a `nerdctl` with the given mode and text.
function binDir(mode: number, text = PROGRAM): string {
  const dir = makeTempDir()
  writeFileSync(path.join(dir, 'nerdctl'), text, { mode })
  return dir
}

function lookup(overrides: Partial<LookupInput>): ReturnType<typeof findNerdctl> {
  return findNerdctl({ explicit: null, pathVariable: '', cwd: makeTempDir(), exclude: new Set(), uid: UID, ...overrides })
}

describe('findNerdctl on PATH', () => {
  it('first executable wins', () => {
    const first = binDir(0o755)
    const second = binDir(0o755)
    const result = lookup({ pathVariable: `${first}:${second}` })

    expect(result).toEqual({ ok: true, path: path.join(first, 'nerdctl'), realPath: realpathSync(path.join(first, 'nerdctl')), source: 'PATH' })
  })

  it('non-executable skipped', () => {
    const plain = binDir(0o644)
    const executable = binDir(0o755)
    const result = lookup({ pathVariable: `${plain}:${executable}` })

    expect(result).toMatchObject({ ok: true, path: path.join(executable, 'nerdctl') })
  })

  it('only non-executable gives 126', () => {
    const plain = binDir(0o644)
    const later = binDir(0o600)
    const candidate = path.join(plain, 'nerdctl')
    const result = lookup({ pathVariable: `${makeTempDir()}:${plain}:${later}` })

    expect(result).toEqual({ ok: false, exitCode: 126, message: `${candidate} is not executable (fix: chmod +x ${candidate})` })
  })

  it('not found gives 127', () => {
    const result = lookup({ pathVariable: `${makeTempDir()}:${makeTempDir()}` })

    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.exitCode).toBe(127)
    expect(result.message).toContain('nerdctl not found on PATH')
    expect(result.message).toContain('RNERDCTL_NERDCTL=/path/to/nerdctl')
    expect(result.message).toContain('https://github.com/containerd/nerdctl/releases')
  })

  it('directory named nerdctl skipped', () => {
    const withDir = makeTempDir()
    mkdirSync(path.join(withDir, 'nerdctl'))
    const executable = binDir(0o755)
    const result = lookup({ pathVariable: `${withDir}:${executable}` })

    expect(result).toMatchObject({ ok: true, path: path.join(executable, 'nerdctl') })
  })

  it('marker file skipped', () => {
    const shim = binDir(0o755, SHIM)
    const executable = binDir(0o755)
    const result = lookup({ pathVariable: `${shim}:${executable}` })

    expect(result).toMatchObject({ ok: true, path: path.join(executable, 'nerdctl') })
  })

  it('only the shim gives 127', () => {
    const shim = binDir(0o755, SHIM)
    const result = lookup({ pathVariable: shim })

    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.exitCode).toBe(127)
  })

  it('symlink to excluded path skipped', () => {
    const entryDir = makeTempDir()
    const entry = path.join(entryDir, 'rnerdctl')
    writeFileSync(entry, PROGRAM, { mode: 0o755 })
    const linkDir = makeTempDir()
    symlinkSync(entry, path.join(linkDir, 'nerdctl'))
    const executable = binDir(0o755)
    const result = lookup({ pathVariable: `${linkDir}:${executable}`, exclude: new Set([realpathSync(entry)]) })

    expect(result).toMatchObject({ ok: true, path: path.join(executable, 'nerdctl') })
  })

  it('symlink path kept, real path resolved', () => {
    const real = binDir(0o755)
    const linkDir = makeTempDir()
    symlinkSync(path.join(real, 'nerdctl'), path.join(linkDir, 'nerdctl'))
    const result = lookup({ pathVariable: linkDir })

    expect(result).toMatchObject({ ok: true, path: path.join(linkDir, 'nerdctl'), realPath: realpathSync(path.join(real, 'nerdctl')) })
  })

  it('dangling symlink skipped', () => {
    const linkDir = makeTempDir()
    symlinkSync(path.join(linkDir, 'absent'), path.join(linkDir, 'nerdctl'))
    const executable = binDir(0o755)
    const result = lookup({ pathVariable: `${linkDir}:${executable}` })

    expect(result).toMatchObject({ ok: true, path: path.join(executable, 'nerdctl') })
  })

  it.each([
    ['empty element first', (cwd: string) => `:${cwd}-absent`],
    ['empty element last', (cwd: string) => `${cwd}-absent:`],
    ['empty element inside', (cwd: string) => `${cwd}-absent::${cwd}-absent-too`],
    ['whole PATH empty', () => ''],
    ['dot', () => '.'],
  ])('%s means cwd', (_name, makePath) => {
    const cwd = binDir(0o755)
    const result = lookup({ cwd, pathVariable: makePath(cwd) })

    expect(result).toMatchObject({ ok: true, path: path.join(cwd, 'nerdctl') })
  })

  it('relative element resolved against cwd', () => {
    const cwd = makeTempDir()
    mkdirSync(path.join(cwd, 'bin'))
    writeFileSync(path.join(cwd, 'bin', 'nerdctl'), PROGRAM, { mode: 0o755 })
    const result = lookup({ cwd, pathVariable: 'bin' })

    expect(result).toMatchObject({ ok: true, path: path.join(cwd, 'bin', 'nerdctl') })
  })
})

describe('findNerdctl explicit', () => {
  const source = 'RNERDCTL_NERDCTL'

  it('absolute path', () => {
    const file = path.join(binDir(0o755), 'nerdctl')
    const result = lookup({ explicit: { value: file, source }, pathVariable: binDir(0o755) })

    expect(result).toEqual({ ok: true, path: file, realPath: realpathSync(file), source })
  })

  it('any file name', () => {
    const dir = makeTempDir()
    const file = path.join(dir, 'nerdctl-2.0.3')
    writeFileSync(file, PROGRAM, { mode: 0o755 })

    expect(lookup({ explicit: { value: file, source } }).ok).toBe(true)
  })

  it('relative path is rejected', () => {
    const cwd = binDir(0o755)
    const result = lookup({ cwd, explicit: { value: './nerdctl', source } })

    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.exitCode).toBe(127)
    expect(result.message).toContain('"./nerdctl", which is not an absolute path')
  })

  it('missing, no PATH fallback', () => {
    const missing = path.join(makeTempDir(), 'nerdctl')
    const result = lookup({ explicit: { value: missing, source }, pathVariable: binDir(0o755) })

    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.exitCode).toBe(127)
    expect(result.message).toContain(`${missing} (from ${source}) not found`)
  })

  it('not executable gives 126', () => {
    const file = path.join(binDir(0o644), 'nerdctl')
    const result = lookup({ explicit: { value: file, source } })

    expect(result).toEqual({ ok: false, exitCode: 126, message: `${file} (from ${source}) is not executable (fix: chmod +x ${file})` })
  })

  it('marker file is rnerdctl itself', () => {
    const file = path.join(binDir(0o755, SHIM), 'nerdctl')
    const result = lookup({ explicit: { value: file, source: '/home/u/.config/rnerdctl/config.toml' } })

    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.exitCode).toBe(127)
    expect(result.message).toContain(`${file} (from /home/u/.config/rnerdctl/config.toml) is rnerdctl itself, not nerdctl`)
  })

  it('excluded path is rnerdctl itself', () => {
    const file = path.join(binDir(0o755), 'nerdctl')
    const result = lookup({ explicit: { value: file, source }, exclude: new Set([realpathSync(file)]) })

    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.message).toContain('is rnerdctl itself')
  })

  it('directory is named as one', () => {
    const dir = makeTempDir()
    const result = lookup({ explicit: { value: dir, source } })

    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.exitCode).toBe(126)
    expect(result.message).toContain('is a directory, not nerdctl')
  })
})

describe('findNerdctl trust', () => {
  it.skipIf(!IS_ROOT)('dir owned by another uid skipped', () => {
    const theirs = binDir(0o755)
    chownSync(theirs, OTHER_UID, OTHER_UID)
    const executable = binDir(0o755)
    const result = lookup({ pathVariable: `${theirs}:${executable}` })

    expect(result).toMatchObject({ ok: true, path: path.join(executable, 'nerdctl') })
  })

  it.skipIf(!IS_ROOT)('only an untrusted copy gives 126', () => {
    const theirs = binDir(0o755)
    chownSync(theirs, OTHER_UID, OTHER_UID)
    const result = lookup({ pathVariable: theirs })

    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.exitCode).toBe(126)
    expect(result.message).toContain(`refusing to run nerdctl: ${theirs} is owned by uid ${OTHER_UID}`)
  })

  it.skipIf(!IS_ROOT)('file owned by another uid', () => {
    const dir = binDir(0o755)
    const file = path.join(dir, 'nerdctl')
    chownSync(file, OTHER_UID, OTHER_UID)
    const result = lookup({ pathVariable: dir })

    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.message).toContain(`${realpathSync(file)} is owned by uid ${OTHER_UID}`)
  })

  it('world-writable file', () => {
    const dir = binDir(0o755)
    chmodSync(path.join(dir, 'nerdctl'), 0o777)
    const result = lookup({ pathVariable: dir })

    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.message).toContain('is writable by others')
  })

  it('world-writable dir without sticky bit', () => {
    const dir = binDir(0o755)
    chmodSync(dir, 0o777)
    const result = lookup({ pathVariable: dir })

    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.message).toContain(`${dir} is writable by others`)
  })

  it.skipIf(!IS_ROOT)('explicit untrusted gives 126', () => {
    const dir = binDir(0o755)
    chownSync(dir, OTHER_UID, OTHER_UID)
    const file = path.join(dir, 'nerdctl')
    const result = lookup({ explicit: { value: file, source: 'RNERDCTL_NERDCTL' } })

    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.exitCode).toBe(126)
    expect(result.message).toContain(`refusing to run ${file} (from RNERDCTL_NERDCTL): ${dir} is owned by uid ${OTHER_UID}`)
  })

  it.skipIf(!IS_ROOT)('non-executable reported before untrusted', () => {
    const theirs = binDir(0o755)
    chownSync(theirs, OTHER_UID, OTHER_UID)
    const plain = binDir(0o644)
    const result = lookup({ pathVariable: `${theirs}:${plain}` })

    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.message).toContain('is not executable')
  })
})
