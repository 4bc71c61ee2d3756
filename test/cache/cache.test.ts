import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readBootId } from '../../src/cache.js'

// These tests run rnerdctl as an unprivileged uid without a passwd entry,
// with a runtime dir and home of its own in a temp dir, so the probe cache
// lives where the test can read it. They need root to switch uid.
const UID = 1601
const repo = path.resolve(import.meta.dirname, '..', '..')
const asRoot = process.geteuid?.() === 0
const work = mkdtempSync(path.join(tmpdir(), 'rnerdctl-cache-'))
const home = path.join(work, 'home')
const runtimeDir = path.join(work, 'run')
const cacheFile = path.join(runtimeDir, 'rnerdctl', 'probes.json')
const configDir = path.join(home, '.config', 'containerd')

function standIn(name: string, version: string): string {
  const file = path.join(work, name)
  writeFileSync(file, `#!/bin/sh\n[ "$1" = --version ] && echo "nerdctl version ${version}"\nexit 0\n`)
  chmodSync(file, 0o755)
  return file
}

function userEnv(extra: Record<string, string> = {}): string[] {
  const env = { HOME: home, PATH: '/usr/local/bin:/usr/bin:/bin', XDG_RUNTIME_DIR: runtimeDir, ...extra }
  return Object.entries(env).map(([name, value]) => `${name}=${value}`)
}

function rnerdctlArgs(args: string[], extra: Record<string, string>): string[] {
  return ['--reuid', String(UID), '--regid', String(UID), '--clear-groups', 'env', '-i', ...userEnv(extra), process.execPath, path.join(repo, 'bin', 'rnerdctl'), ...args]
}

// "custom" is a proxy plugin that needs no FUSE, so its reason names its
// address whatever /dev/fuse allows.
function runEnvJson(nerdctl: string): { candidates: { name: string; reason: string }[]; nerdctl: { version: string | null } } {
  const result = spawnSync('setpriv', rnerdctlArgs(['env', '--json'], { RNERDCTL_NERDCTL: nerdctl, RNERDCTL_SNAPSHOTTERS: 'custom,native' }), { encoding: 'utf8' })
  expect(result.stderr).toBe('')
  return JSON.parse(result.stdout)
}

function candidateReason(nerdctl: string, name: string): string {
  return runEnvJson(nerdctl).candidates.find((candidate) => candidate.name === name)?.reason ?? ''
}

function writeAsUser(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, text)
  spawnSync('chown', ['-R', `${UID}:${UID}`, home])
}

beforeAll(() => {
  chmodSync(work, 0o755)
  for (const dir of [home, runtimeDir]) {
    mkdirSync(dir, { mode: 0o700 })
    chownSync(dir, UID, UID)
  }
})

afterAll(() => rmSync(work, { recursive: true, force: true }))

describe.runIf(asRoot).sequential('probe cache', () => {
  const nerdctl = standIn('nerdctl', '1.7.6')

  it('config edit is seen on the next call', () => {
    writeAsUser(path.join(configDir, 'config.toml'), 'version = 2\n')
    expect(candidateReason(nerdctl, 'custom')).toContain('no proxy plugin')

    writeAsUser(path.join(configDir, 'config.toml'), 'version = 2\n[proxy_plugins.custom]\ntype = "snapshot"\naddress = "/nowhere/custom.sock"\n')
    expect(candidateReason(nerdctl, 'custom')).toContain('/nowhere/custom.sock')
  })

  it('new file matching an import glob is seen', () => {
    writeAsUser(path.join(configDir, 'config.toml'), 'version = 2\nimports = ["conf.d/*.toml"]\n')
    mkdirSync(path.join(configDir, 'conf.d'), { recursive: true })
    spawnSync('chown', ['-R', `${UID}:${UID}`, home])
    expect(candidateReason(nerdctl, 'custom')).toContain('no proxy plugin')

    writeAsUser(path.join(configDir, 'conf.d', 'custom.toml'), '[proxy_plugins.custom]\ntype = "snapshot"\naddress = "/nowhere/imported.sock"\n')
    expect(candidateReason(nerdctl, 'custom')).toContain('/nowhere/imported.sock')
  })

  it('replaced nerdctl binary is asked again', () => {
    const binary = standIn('nerdctl-replaced', '1.7.6')
    expect(runEnvJson(binary).nerdctl.version).toBe('1.7.6')

    const next = standIn('nerdctl-next', '2.1.0')
    renameSync(next, binary)
    expect(runEnvJson(binary).nerdctl.version).toBe('2.1.0')
  })

  it('cache file not owned by the user is ignored', () => {
    const binary = standIn('nerdctl-forged', '1.7.6')
    runEnvJson(binary)
    const stat = statSync(binary)
    const store = JSON.parse(readFileSync(cacheFile, 'utf8'))
    store.entries['nerdctl-version'] = { deps: JSON.stringify(`${binary}:${stat.size}:${stat.mtimeMs}`), value: { version: '9.9.9' } }
    writeFileSync(cacheFile, JSON.stringify(store), { mode: 0o600 })

    chownSync(cacheFile, 0, 0)
    expect(runEnvJson(binary).nerdctl.version).toBe('1.7.6')

    writeFileSync(cacheFile, JSON.stringify(store), { mode: 0o600 })
    chownSync(cacheFile, UID, UID)
    expect(runEnvJson(binary).nerdctl.version).toBe('9.9.9')
  })

  it('corrupt cache file is ignored and rewritten', () => {
    writeFileSync(cacheFile, '{"bootId": "', { mode: 0o600 })
    chownSync(cacheFile, UID, UID)
    expect(runEnvJson(nerdctl).nerdctl.version).toBe('1.7.6')
    expect(JSON.parse(readFileSync(cacheFile, 'utf8')).bootId).toBe(readBootId())
  })

  // rnerdctl 0.1.0 stored a parsed config as { deps, config }: a store in
  // that shape must be ignored, not read as the current one.
  it('older cache format is ignored', () => {
    writeAsUser(path.join(configDir, 'config.toml'), 'version = 2\n[proxy_plugins.custom]\ntype = "snapshot"\naddress = "/nowhere/old.sock"\n')
    const oldEntry = { deps: JSON.stringify('any'), value: { deps: {}, config: { plugins: [] } } }
    writeFileSync(cacheFile, JSON.stringify({ bootId: readBootId(), entries: { [`containerd-config:${path.join(configDir, 'config.toml')}`]: oldEntry }, warned: [] }), { mode: 0o600 })
    chownSync(cacheFile, UID, UID)

    expect(candidateReason(nerdctl, 'custom')).toContain('/nowhere/old.sock')
  })

  it('survives 50 concurrent calls', async () => {
    rmSync(cacheFile, { force: true })
    const calls = Array.from({ length: 50 }, () =>
      new Promise<number | null>((resolve) => {
        const child = spawn('setpriv', rnerdctlArgs(['ps'], { RNERDCTL_NERDCTL: nerdctl }), { stdio: 'ignore' })
        child.on('exit', resolve)
      }),
    )
    expect(await Promise.all(calls)).toEqual(Array(50).fill(0))

    const store = JSON.parse(readFileSync(cacheFile, 'utf8'))
    expect(store.bootId).toBe(readBootId())
    expect(statSync(cacheFile).mode & 0o777).toBe(0o600)
  }, 60_000)
})
