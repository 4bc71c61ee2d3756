import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const repo = path.resolve(import.meta.dirname, '..', '..')
const work = mkdtempSync(path.join(tmpdir(), 'rnerdctl-pack-'))
const prefix = path.join(work, 'prefix')
let tarball = ''
let packedFiles: string[] = []

// The package bundles its dependencies into dist/, so installing the
// tarball needs no registry and no dev dependencies.
beforeAll(() => {
  const output = execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: repo, encoding: 'utf8' })
  const [packed] = JSON.parse(output) as { filename: string; files: { path: string }[] }[]
  tarball = path.join(work, packed?.filename ?? '')
  packedFiles = packed?.files.map((file) => file.path) ?? []
  execFileSync('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], { stdio: 'ignore' })
}, 120_000)

afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('npm package', () => {
  it('ships the entry, bundle, shim and man page', () => {
    expect(packedFiles).toContain('bin/rnerdctl')
    expect(packedFiles).toContain('dist/rnerdctl.cjs')
    expect(packedFiles).toContain('shims/nerdctl')
    expect(packedFiles).toContain('man/rnerdctl.1')
  })

  it('ships no sources or tests', () => {
    expect(packedFiles.filter((file) => file.startsWith('src/') || file.startsWith('test/'))).toEqual([])
  })

  it('installs a working rnerdctl', () => {
    const standIn = path.join(work, 'nerdctl')
    writeFileSync(standIn, '#!/bin/sh\nprintf "%s\\n" "$CONTAINERD_SNAPSHOTTER" "$@"\n')
    chmodSync(standIn, 0o755)
    const result = spawnSync(path.join(prefix, 'bin', 'rnerdctl'), ['ps', '-a'], {
      env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: work, RNERDCTL_NERDCTL: standIn },
      encoding: 'utf8',
    })
    expect(result.status).toBe(0)
    expect(result.stdout.split('\n').slice(1, 3)).toEqual(['ps', '-a'])
  })

  it('installs the man page', () => {
    const manDir = path.join(prefix, 'share', 'man', 'man1')
    expect(readdirSync(manDir)).toContain('rnerdctl.1')
    const page = execFileSync('man', ['-l', path.join(manDir, 'rnerdctl.1')], { encoding: 'utf8', env: { ...process.env, MANPAGER: 'cat', MANWIDTH: '80' } })
    expect(page).toContain('RNERDCTL_SNAPSHOTTERS')
  })

  it('declares Node 20 or later', () => {
    const manifest = JSON.parse(execFileSync('tar', ['-xOzf', tarball, 'package/package.json'], { encoding: 'utf8' })) as { engines?: { node?: string }; dependencies?: object }
    expect(manifest.engines?.node).toBe('>=20')
    expect(manifest.dependencies).toBeUndefined()
  })
})
