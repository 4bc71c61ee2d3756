import { execFileSync, spawn } from 'node:child_process'
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfigToml } from '../../src/setup/parse-config.js'
import { IS_ROOT, TEST_UID } from './fixtures/world.js'

// These tests run the real command line, bin/rnerdctl, on a fresh build.
// build.mjs replaces each bundle by rename, so other test runs reading
// dist/ meanwhile see the old bundle or the new one.

const repo = path.resolve(import.meta.dirname, '..', '..')
const bin = path.join(repo, 'bin', 'rnerdctl')
const work = mkdtempSync(path.join(tmpdir(), 'rnerdctl-setup-cli-'))
const fakeBin = path.join(work, 'fake-bin')

interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

beforeAll(() => {
  execFileSync(process.execPath, ['build.mjs'], { cwd: repo, stdio: 'ignore' })
  mkdirSync(fakeBin)
  writeStandIn('containerd', 'sleep "${STAND_IN_DELAY:-0}"; echo "containerd github.com/containerd/containerd 1.7.24 abc"')
  chmodSync(work, 0o755)
})

afterAll(() => rmSync(work, { recursive: true, force: true }))

function writeStandIn(name: string, body: string): void {
  writeFileSync(path.join(fakeBin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 })
}

// Run as root without --config, setup would edit /etc/containerd/config.toml,
// so every such call must name a config in the temp dir.
function runCli(args: string[], options: { uid?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const namesConfig = args.some((arg) => arg === '--config' || arg.startsWith('--config='))
  if (IS_ROOT && options.uid === undefined && !namesConfig) throw new Error('a root CLI test must pass --config')

  const env = {
    PATH: `${fakeBin}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
    HOME: path.join(work, 'home'),
    XDG_CONFIG_HOME: path.join(work, 'xdg-config'),
    ...options.env,
  }
  const child = spawn(process.execPath, [bin, 'setup', ...args], { env, uid: options.uid, gid: options.uid, cwd: work })
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
  return new Promise((resolve) => {
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() }))
  })
}

function tempConfig(text: string | null): string {
  const dir = mkdtempSync(path.join(work, 'config-'))
  const file = path.join(dir, 'config.toml')
  if (text !== null) writeFileSync(file, text)
  return file
}

function proxyPlugins(file: string): Record<string, { address: string }> {
  const parsed = parseConfigToml(readFileSync(file, 'utf8'))
  if (!parsed.ok) throw new Error(parsed.message)
  return parsed.table.proxy_plugins as Record<string, { address: string }>
}

describe('rnerdctl setup command line', () => {
  it('adds the block and prints the next step', async () => {
    const file = tempConfig('version = 2\n')
    const result = await runCli(['fuse-overlayfs', '--config', file])
    const root = process.getuid?.() === 0

    expect(result.code).toBe(0)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^rnerdctl: added proxy plugin "fuse-overlayfs" .*; to load it, restart containerd: \S.*\n$/)
    expect(Object.keys(proxyPlugins(file))).toEqual(['fuse-overlayfs'])
    expect(root).toBe(IS_ROOT)
  })

  it('prints a diff for --dry-run', async () => {
    const file = tempConfig('version = 2\n')
    const result = await runCli(['stargz', '--config', file, '--dry-run'])

    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^--- .*config\.toml\n\+\+\+ .*config\.toml\n@@ -1 \+1,5 @@\n version = 2\n\+\n\+\[proxy_plugins\."stargz"\]\n/)
    expect(readFileSync(file, 'utf8')).toBe('version = 2\n')
  })

  it('exits 0 when already set up', async () => {
    const file = tempConfig('version = 2\n')
    await runCli(['stargz', '--config', file])
    const result = await runCli(['stargz', '--config', file])

    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/^rnerdctl: proxy plugin "stargz" is already set up in /)
  })

  it('exits 1 on invalid TOML', async () => {
    const file = tempConfig('version = 2\n[proxy_plugins]\n[proxy_plugins]\n')
    const result = await runCli(['stargz', '--config', file])

    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(new RegExp(`^rnerdctl: ${file}:3: invalid TOML .*\\n$`))
  })

  it.each([['--config'], ['--config=']])('rejects %s without a value', async (option) => {
    const result = await runCli(['stargz', '--dry-run', option])

    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe('rnerdctl: --config needs a path: pass --config PATH, or leave --config out for the default (see: rnerdctl setup --help)\n')
  })

  it('rejects --config naming a directory', async () => {
    const dir = mkdtempSync(path.join(work, 'dir-'))
    const result = await runCli(['stargz', '--config', dir])

    expect(result.code).toBe(1)
    expect(result.stderr).toBe(`rnerdctl: --config ${dir} is a directory: name the file, such as --config ${path.join(dir, 'config.toml')}\n`)
    expect(readdirSync(work)).not.toContain(`${path.basename(dir)}.lock`)
  })

  it.each([[[]], [['overlayfs']], [['stargz', '--bogus']]])('exits 2 on usage error %j', async (args) => {
    const file = tempConfig('version = 2\n')
    const result = await runCli([...args, '--config', file])

    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^rnerdctl: /)
    expect(result.stdout).toBe('')
    expect(readFileSync(file, 'utf8')).toBe('version = 2\n')
  })

  // Both runs find no config. The first holds the lock while the slow
  // `containerd --version` stand-in runs. Without the lock, both would
  // create the file from scratch and one block would be lost.
  it('runs two setups at once without losing one', async () => {
    const env = { STAND_IN_DELAY: '0.3' }
    for (let round = 0; round < 3; round++) {
      const file = tempConfig(null)
      const results = await Promise.all([
        runCli(['fuse-overlayfs', '--config', file], { env }),
        runCli(['stargz', '--config', file], { env }),
      ])

      expect(results.map((result) => result.code)).toEqual([0, 0])
      const plugins = proxyPlugins(file)
      expect(Object.keys(plugins).sort()).toEqual(['fuse-overlayfs', 'stargz'])
      const text = readFileSync(file, 'utf8')
      expect(text.split('[proxy_plugins."fuse-overlayfs"]')).toHaveLength(2)
      expect(text.split('[proxy_plugins."stargz"]')).toHaveLength(2)
      expect(readdirSync(path.dirname(file)).filter((name) => name.endsWith('.lock'))).toEqual([])
    }
  })
})

describe.runIf(IS_ROOT)('rnerdctl setup as a rootless user', () => {
  let runtimeDir: string
  let configHome: string

  beforeAll(() => {
    runtimeDir = mkdtempSync(path.join(work, 'run-'))
    configHome = mkdtempSync(path.join(work, 'xdg-config-'))
    chownSync(runtimeDir, TEST_UID, TEST_UID)
    chownSync(configHome, TEST_UID, TEST_UID)
    chmodSync(runtimeDir, 0o700)
  })

  const env = (): NodeJS.ProcessEnv => ({ XDG_RUNTIME_DIR: runtimeDir, XDG_CONFIG_HOME: configHome })

  it('writes the runtime dir address to $XDG_CONFIG_HOME', async () => {
    const result = await runCli(['fuse-overlayfs'], { uid: TEST_UID, env: env() })
    const file = path.join(configHome, 'containerd', 'config.toml')

    expect(result.stderr).toMatch(/; to load it, restart containerd: stop containerd-rootless\.sh .* by hand, because it does not run under systemd here\n$/)
    expect(result.code).toBe(0)
    expect(proxyPlugins(file)['fuse-overlayfs']?.address).toBe(path.join(runtimeDir, 'containerd-fuse-overlayfs.sock'))
  })

  // From a working directory whose parent the user cannot write, an empty
  // --config used to resolve to that directory, and the lock beside it
  // failed with EACCES.
  it('rejects --config without a value', async () => {
    const result = await runCli(['fuse-overlayfs', '--config'], { uid: TEST_UID, env: env() })

    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^rnerdctl: --config needs a path: /)
    expect(readdirSync(path.dirname(work))).not.toContain(`${path.basename(work)}.lock`)
  })

  it('names the fix for a directory it cannot write', async () => {
    const rootOwned = mkdtempSync(path.join(work, 'root-owned-'))
    chmodSync(rootOwned, 0o755)
    const file = path.join(rootOwned, 'containerd', 'config.toml')

    const result = await runCli(['stargz', '--config', file], { uid: TEST_UID, env: env() })

    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      `rnerdctl: EACCES: permission denied, mkdir '${path.dirname(file)}'; run as the owner of that path or as root, or pass --config PATH\n`,
    )
  })

  it('restarts through stand-in systemctl and ctr', async () => {
    mkdirSync(path.join(runtimeDir, 'systemd'), { recursive: true })
    writeFileSync(path.join(runtimeDir, 'systemd', 'private'), '')
    writeStandIn('systemctl', `echo "$*" >> ${path.join(runtimeDir, 'systemctl.log')}`)
    writeStandIn('ctr', 'echo "TYPE ID PLATFORMS STATUS"; echo "io.containerd.snapshotter.v1 stargz - ok"')

    const result = await runCli(['stargz', '--restart'], { uid: TEST_UID, env: env() })

    expect(result.code).toBe(0)
    expect(readFileSync(path.join(runtimeDir, 'systemctl.log'), 'utf8')).toBe('--user restart containerd.service\n')
    expect(result.stderr).toMatch(/rnerdctl: containerd restarted and loaded proxy plugin "stargz"\n$/)
  })
})
