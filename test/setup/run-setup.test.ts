import { execFileSync } from 'node:child_process'
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseConfigToml } from '../../src/setup/parse-config.js'
import { runSetup } from '../../src/setup/run-setup.js'
import { readFixture } from './fixtures/edit-input.js'
import { createWorld, fail, IS_ROOT, ok, options, type World } from './fixtures/world.js'

let world: World

beforeEach(() => {
  world = createWorld()
})

afterEach(() => world.cleanup())

const fuseAddress = (): string => path.join(world.runtimeDir, 'containerd-fuse-overlayfs.sock')

function writeConfig(text: string | Buffer, file = world.configPath): void {
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, text)
}

function readTable(file = world.configPath): Record<string, any> {
  const parsed = parseConfigToml(readFileSync(file, 'utf8').replace(/^\ufeff/, ''))
  if (!parsed.ok) throw new Error(parsed.message)
  return parsed.table
}

function backups(dir = path.dirname(world.configPath)): string[] {
  return readdirSync(dir).filter((name) => name.includes('.bak-'))
}

describe('runSetup missing file', () => {
  it('creates a version 2 config', async () => {
    const code = await runSetup(options(), world.environment)

    expect(code).toBe(0)
    expect(readFileSync(world.configPath, 'utf8')).toBe(
      `version = 2\n\n[proxy_plugins."fuse-overlayfs"]\n  type = "snapshot"\n  address = "${fuseAddress()}"\n`,
    )
    expect(statSync(world.configPath).mode & 0o777).toBe(0o644)
    expect(world.lines).toEqual([
      `added proxy plugin "fuse-overlayfs" (address ${fuseAddress()}) in ${world.configPath} (created the file); ` +
        'to load it, restart containerd: stop containerd-rootless.sh (RootlessKit and its child, containerd) and start it again by hand, ' +
        'because it does not run under systemd here',
    ])
  })

  it('creates a version 3 config for containerd 2.x', async () => {
    world.replies['containerd --version'] = ok('containerd github.com/containerd/containerd/v2 v2.1.4 75cb2b7\n')

    expect(await runSetup(options({ snapshotter: 'stargz' }), world.environment)).toBe(0)

    const table = readTable()
    expect(table.version).toBe(3)
    expect(table.plugins['io.containerd.transfer.v1.local'].unpack_config).toEqual([
      { platform: 'linux/amd64', snapshotter: 'stargz' },
      { platform: 'linux/amd64', snapshotter: 'overlayfs' },
    ])
  })

  it('creates the config directory', async () => {
    expect(await runSetup(options(), world.environment)).toBe(0)

    expect(statSync(path.dirname(world.configPath)).isDirectory()).toBe(true)
    expect(backups()).toEqual([])
    expect(existsSync(`${world.configPath}.lock`)).toBe(false)
  })

  it('prints the whole file for --dry-run and creates nothing', async () => {
    const code = await runSetup(options({ dryRun: true }), world.environment)

    expect(code).toBe(0)
    expect(existsSync(path.dirname(world.configPath))).toBe(false)
    expect(world.stdout.join('')).toBe(
      `--- /dev/null\n+++ ${world.configPath}\n@@ -0,0 +1,5 @@\n+version = 2\n+\n` +
        `+[proxy_plugins."fuse-overlayfs"]\n+  type = "snapshot"\n+  address = "${fuseAddress()}"\n`,
    )
  })
})

describe('runSetup existing file', () => {
  it('adds the block and keeps a backup', async () => {
    const original = readFixture('v2-default.toml')
    writeConfig(original)

    expect(await runSetup(options(), world.environment)).toBe(0)

    const names = backups()
    expect(names).toEqual(['config.toml.bak-20260304T050607Z'])
    expect(readFileSync(path.join(path.dirname(world.configPath), names[0] as string), 'utf8')).toBe(original)
    expect(readTable().proxy_plugins['fuse-overlayfs'].address).toBe(fuseAddress())
  })

  it('reports unpack entries for version 3', async () => {
    writeConfig('version = 3\n')

    expect(await runSetup(options(), world.environment)).toBe(0)

    expect(world.lines[0]).toMatch(
      /^added proxy plugin "fuse-overlayfs" \(address .*\) and unpack_config entries for fuse-overlayfs and overlayfs \(linux\/amd64\) in /,
    )
  })

  it('numbers backups made in the same second', async () => {
    writeConfig('version = 2\n')
    await runSetup(options(), world.environment)
    await runSetup(options({ snapshotter: 'stargz' }), world.environment)

    expect(backups().sort()).toEqual(['config.toml.bak-20260304T050607Z', 'config.toml.bak-20260304T050607Z-2'])
  })

  it('leaves a set-up file alone', async () => {
    writeConfig(`[proxy_plugins."fuse-overlayfs"]\n  type = "snapshot"\n  address = "${fuseAddress()}"\n`)
    const before = statSync(world.configPath)

    expect(await runSetup(options(), world.environment)).toBe(0)

    expect(statSync(world.configPath).mtimeMs).toBe(before.mtimeMs)
    expect(statSync(world.configPath).ino).toBe(before.ino)
    expect(backups()).toEqual([])
    expect(world.lines).toEqual([
      `proxy plugin "fuse-overlayfs" is already set up in ${world.configPath} (address ${fuseAddress()})`,
    ])
  })

  it('changes nothing on the second run', async () => {
    writeConfig(readFixture('comments.toml'))
    await runSetup(options(), world.environment)
    const first = readFileSync(world.configPath)

    expect(await runSetup(options(), world.environment)).toBe(0)

    expect(readFileSync(world.configPath)).toEqual(first)
    expect(backups()).toHaveLength(1)
  })

  it('keeps a byte order mark', async () => {
    writeConfig(Buffer.from('\ufeffversion = 2\r\n# comment\r\n', 'utf8'))

    expect(await runSetup(options(), world.environment)).toBe(0)

    const bytes = readFileSync(world.configPath)
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    expect(bytes.toString('utf8')).toBe(
      `\ufeffversion = 2\r\n# comment\r\n\r\n[proxy_plugins."fuse-overlayfs"]\r\n  type = "snapshot"\r\n  address = "${fuseAddress()}"\r\n`,
    )
  })

  it('rejects invalid TOML and names the line', async () => {
    const original = readFixture('invalid-two-headers.toml')
    writeConfig(original)

    expect(await runSetup(options(), world.environment)).toBe(1)

    expect(world.lines[0]).toMatch(new RegExp(`^${world.configPath}:8: invalid TOML \\(.+\\); fix that line first`))
    expect(readFileSync(world.configPath, 'utf8')).toBe(original)
    expect(backups()).toEqual([])
  })

  it('rejects text that is not UTF-8', async () => {
    writeConfig(Buffer.from([0x76, 0x3d, 0xff, 0x0a]))

    expect(await runSetup(options(), world.environment)).toBe(1)

    expect(world.lines).toEqual([`${world.configPath} is not valid UTF-8; containerd reads config.toml as UTF-8, so convert it first`])
  })

  it('rejects a directory in place of the file', async () => {
    mkdirSync(world.configPath, { recursive: true })

    expect(await runSetup(options(), world.environment)).toBe(1)

    expect(world.lines).toEqual([`${world.configPath} is a directory, not a config file: move it away, or pass --config PATH`])
    expect(existsSync(`${world.configPath}.lock`)).toBe(false)
  })

  it('rejects a FIFO in place of the file', async () => {
    mkdirSync(path.dirname(world.configPath), { recursive: true })
    execFileSync('mkfifo', [world.configPath])

    expect(await runSetup(options(), world.environment)).toBe(1)

    expect(world.lines).toEqual([`${world.configPath} is not a regular file; point --config at a config.toml`])
  })

  it('rejects a stale address and fixes it with --force', async () => {
    const original = readFixture('copied-from-1000.toml')
    writeConfig(original)

    expect(await runSetup(options(), world.environment)).toBe(1)
    expect(world.lines[0]).toMatch(/config\.toml:7: proxy plugin "fuse-overlayfs" has address "\/run\/user\/1000\/.*--force` to replace it$/)
    expect(readFileSync(world.configPath, 'utf8')).toBe(original)

    expect(await runSetup(options({ force: true }), world.environment)).toBe(0)
    expect(readFileSync(world.configPath, 'utf8')).toBe(original.replace('/run/user/1000/containerd-fuse-overlayfs.sock', fuseAddress()))
    expect(world.lines[1]).toMatch(/^set the address of proxy plugin "fuse-overlayfs"/)
  })

  it('names --config in the suggested command', async () => {
    const file = path.join(world.root, 'other.toml')
    writeConfig(readFixture('copied-from-1000.toml'), file)

    expect(await runSetup(options({ config: file }), world.environment)).toBe(1)

    expect(world.lines[0]).toContain(`\`rnerdctl setup fuse-overlayfs --config ${file} --force\``)
  })
})

describe('runSetup --dry-run', () => {
  it('prints a diff and writes nothing', async () => {
    writeConfig(readFixture('other-plugin.toml'))
    const before = readdirSync(path.dirname(world.configPath))
    const stat = statSync(world.configPath)

    expect(await runSetup(options({ dryRun: true }), world.environment)).toBe(0)

    expect(readdirSync(path.dirname(world.configPath))).toEqual(before)
    expect(statSync(world.configPath).mtimeMs).toBe(stat.mtimeMs)
    expect(world.stdout.join('')).toContain(`+  [proxy_plugins."fuse-overlayfs"]\n+    type = "snapshot"\n`)
    expect(world.lines).toEqual([])
  })
})

describe('runSetup symlinks', () => {
  it('writes through a symlinked config', async () => {
    const target = path.join(world.root, 'dotfiles', 'containerd.toml')
    writeConfig('version = 2\n', target)
    mkdirSync(path.dirname(world.configPath), { recursive: true })
    symlinkSync('../../dotfiles/containerd.toml', world.configPath)

    expect(await runSetup(options(), world.environment)).toBe(0)

    expect(lstatSync(world.configPath).isSymbolicLink()).toBe(true)
    expect(readlinkSync(world.configPath)).toBe('../../dotfiles/containerd.toml')
    expect(readTable(target).proxy_plugins['fuse-overlayfs'].address).toBe(fuseAddress())
    expect(backups(path.dirname(target))).toEqual(['containerd.toml.bak-20260304T050607Z'])
    expect(backups()).toEqual([])
  })

  it('creates the target of a dangling link', async () => {
    const target = path.join(world.root, 'dotfiles', 'containerd.toml')
    mkdirSync(path.dirname(target), { recursive: true })
    mkdirSync(path.dirname(world.configPath), { recursive: true })
    symlinkSync(target, world.configPath)

    expect(await runSetup(options(), world.environment)).toBe(0)

    expect(lstatSync(world.configPath).isSymbolicLink()).toBe(true)
    expect(readTable(target).version).toBe(2)
  })
})

describe('runSetup mode and owner', () => {
  it('keeps the mode', async () => {
    writeConfig('version = 2\n')
    chmodSync(world.configPath, 0o640)

    expect(await runSetup(options(), world.environment)).toBe(0)

    expect(statSync(world.configPath).mode & 0o7777).toBe(0o640)
    expect(statSync(path.join(path.dirname(world.configPath), backups()[0] as string)).mode & 0o7777).toBe(0o640)
  })

  it.runIf(IS_ROOT)('keeps the owner and group', async () => {
    writeConfig('version = 2\n')
    chownSync(world.configPath, 1234, 1235)

    expect(await runSetup(options(), world.environment)).toBe(0)

    const stat = statSync(world.configPath)
    const backup = statSync(path.join(path.dirname(world.configPath), backups()[0] as string))
    expect([stat.uid, stat.gid]).toEqual([1234, 1235])
    expect([backup.uid, backup.gid]).toEqual([1234, 1235])
  })
})

describe('runSetup restart advice', () => {
  it('names systemctl --user with a user manager', async () => {
    mkdirSync(path.join(world.runtimeDir, 'systemd'))
    writeFileSync(path.join(world.runtimeDir, 'systemd', 'private'), '')

    expect(await runSetup(options(), world.environment)).toBe(0)

    expect(world.lines[0]).toMatch(/; to load it, restart containerd: systemctl --user restart containerd\.service$/)
  })

  it('restarts by hand without a user manager', async () => {
    world.systemdBooted = true

    expect(await runSetup(options(), world.environment)).toBe(0)

    expect(world.lines[0]).toContain('; to load it, restart containerd: stop containerd-rootless.sh')
    expect(world.lines[0]).not.toContain('systemctl')
  })

  it('names systemctl as root with systemd', async () => {
    world.systemdBooted = true
    const file = path.join(world.root, 'etc', 'config.toml')

    expect(await runSetup(options({ config: file }), { ...world.environment, uid: 0 })).toBe(0)

    expect(world.lines[0]).toMatch(/; to load it, restart containerd: systemctl restart containerd$/)
  })

  it('restarts by hand as root without systemd', async () => {
    const file = path.join(world.root, 'etc', 'config.toml')

    expect(await runSetup(options({ config: file }), { ...world.environment, uid: 0 })).toBe(0)

    expect(world.lines[0]).toMatch(/; to load it, restart containerd: stop containerd and start it again by hand, because systemd is not running here$/)
  })
})

describe('runSetup target', () => {
  it('uses /run as root', async () => {
    const file = path.join(world.root, 'etc', 'config.toml')
    const environment = { ...world.environment, uid: 0 }

    expect(await runSetup(options({ config: file }), environment)).toBe(0)

    expect(readTable(file).proxy_plugins['fuse-overlayfs'].address).toBe('/run/containerd-fuse-overlayfs.sock')
  })

  it('rejects an empty --config', async () => {
    expect(await runSetup(options({ config: '' }), world.environment)).toBe(1)

    expect(world.lines).toEqual(['--config needs a path: pass --config PATH, or leave --config out for the default'])
  })

  it('rejects --config naming a directory', async () => {
    const dir = path.join(world.root, 'conf')
    mkdirSync(dir)

    expect(await runSetup(options({ config: dir }), world.environment)).toBe(1)

    expect(world.lines).toEqual([`--config ${dir} is a directory: name the file, such as --config ${path.join(dir, 'config.toml')}`])
    expect(readdirSync(world.root)).not.toContain('conf.lock')
  })

  it('rejects a directory for --dry-run', async () => {
    const dir = path.join(world.root, 'conf')
    mkdirSync(dir)

    expect(await runSetup(options({ config: dir, dryRun: true }), world.environment)).toBe(1)

    expect(world.stdout).toEqual([])
    expect(world.lines[0]).toMatch(/ is a directory: name the file, such as --config /)
  })

  it('uses the stargz socket path', async () => {
    expect(await runSetup(options({ snapshotter: 'stargz' }), world.environment)).toBe(0)

    expect(readTable().proxy_plugins.stargz.address).toBe(path.join(world.runtimeDir, 'containerd-stargz-grpc', 'containerd-stargz-grpc.sock'))
  })

  it('fails without a runtime dir', async () => {
    const env = { ...world.environment.env, XDG_RUNTIME_DIR: path.join(world.root, 'missing') }
    const environment = { ...world.environment, env, uid: 2_000_000_123 }

    expect(await runSetup(options(), environment)).toBe(1)

    expect(world.lines.join('\n')).toMatch(/no runtime dir for uid 2000000123/)
  })
})

describe('runSetup imports', () => {
  const importing = 'version = 2\nimports = ["conf.d/*.toml"]\n'

  it('counts a plugin in an imported file', async () => {
    writeConfig(importing)
    writeConfig(`[proxy_plugins."fuse-overlayfs"]\ntype = "snapshot"\naddress = "${fuseAddress()}"\n`, path.join(path.dirname(world.configPath), 'conf.d', 'a.toml'))

    expect(await runSetup(options(), world.environment)).toBe(0)

    expect(readFileSync(world.configPath, 'utf8')).toBe(importing)
    expect(world.lines[0]).toMatch(/is already set up/)
  })

  it('rejects a stale address in an imported file', async () => {
    const imported = path.join(path.dirname(world.configPath), 'conf.d', 'a.toml')
    writeConfig(importing)
    writeConfig(`# old\n[proxy_plugins."fuse-overlayfs"]\ntype = "snapshot"\naddress = "/run/user/1000/x.sock"\n`, imported)

    expect(await runSetup(options({ force: true }), world.environment)).toBe(1)

    expect(world.lines[0]).toMatch(new RegExp(`^${imported}:4: proxy plugin "fuse-overlayfs" has address "/run/user/1000/x.sock"`))
  })

  it('warns about an invalid imported file', async () => {
    writeConfig(importing)
    writeConfig('[broken\n', path.join(path.dirname(world.configPath), 'conf.d', 'a.toml'))

    expect(await runSetup(options(), world.environment)).toBe(0)

    expect(world.lines[0]).toMatch(/^warning: .*conf\.d\/a\.toml:1: invalid TOML: .*\(imported by /)
  })
})

describe('runSetup lock', () => {
  it('times out on a lock held by a live process', async () => {
    writeConfig('version = 2\n')
    writeFileSync(`${world.configPath}.lock`, `${process.pid}\n`)
    const environment = { ...world.environment, lock: { timeoutMs: 100, pollMs: 10 } }

    expect(await runSetup(options(), environment)).toBe(1)

    expect(world.lines[0]).toMatch(/^timed out after 100 ms waiting for the lock .*config\.toml\.lock \(held by pid \d+\); if no rnerdctl setup is running, remove that file$/)
    expect(readFileSync(world.configPath, 'utf8')).toBe('version = 2\n')
  })

  it('breaks a lock whose process is gone', async () => {
    writeConfig('version = 2\n')
    writeFileSync(`${world.configPath}.lock`, '2147483646\n')

    expect(await runSetup(options(), world.environment)).toBe(0)

    expect(existsSync(`${world.configPath}.lock`)).toBe(false)
    expect(readTable().proxy_plugins['fuse-overlayfs']).toBeDefined()
  })
})

describe('runSetup --restart', () => {
  const ctrArgs = (): string => `ctr --address ${path.join(world.runtimeDir, 'containerd', 'containerd.sock')} --connect-timeout 2s plugins ls`
  const pluginTable = (status: string): string =>
    'TYPE                            ID                PLATFORMS      STATUS\n' +
    'io.containerd.snapshotter.v1    overlayfs         linux/amd64    ok\n' +
    `io.containerd.snapshotter.v1    fuse-overlayfs    -              ${status}\n`

  function withUserManager(): void {
    mkdirSync(path.join(world.runtimeDir, 'systemd'))
    writeFileSync(path.join(world.runtimeDir, 'systemd', 'private'), '')
  }

  it('restarts containerd and checks the plugin', async () => {
    withUserManager()
    world.replies['systemctl --user restart containerd.service'] = ok()
    world.replies[ctrArgs()] = (count) => (count === 1 ? fail('connection refused') : ok(pluginTable('ok')))

    expect(await runSetup(options({ restart: true }), world.environment)).toBe(0)

    expect(world.calls.filter((call) => !call.startsWith('containerd'))).toEqual([
      'systemctl --user restart containerd.service',
      ctrArgs(),
      ctrArgs(),
    ])
    expect(world.lines[1]).toBe('containerd restarted and loaded proxy plugin "fuse-overlayfs"')
  })

  it('asks systemctl when the private socket is missing', async () => {
    world.replies['systemctl --user is-system-running'] = ok('degraded\n')
    world.replies['systemctl --user restart containerd.service'] = ok()
    world.replies[ctrArgs()] = ok(pluginTable('ok'))

    expect(await runSetup(options({ restart: true }), world.environment)).toBe(0)
  })

  it('fails without systemd and names the command', async () => {
    world.replies['systemctl --user is-system-running'] = fail('Failed to connect to bus: No medium found')

    expect(await runSetup(options({ restart: true }), world.environment)).toBe(1)

    expect(world.lines[1]).toBe(
      `cannot restart containerd through systemd: systemd's user manager is not running (no ${path.join(world.runtimeDir, 'systemd', 'private')}); ` +
        'restart containerd: stop containerd-rootless.sh (RootlessKit and its child, containerd) and start it again by hand, ' +
        'because it does not run under systemd here',
    )
    expect(readTable().proxy_plugins['fuse-overlayfs']).toBeDefined()
  })

  it('fails when the restart fails', async () => {
    withUserManager()
    world.replies['systemctl --user restart containerd.service'] = fail('Job for containerd.service failed.')

    expect(await runSetup(options({ restart: true }), world.environment)).toBe(1)

    expect(world.lines[1]).toBe(
      '`systemctl --user restart containerd.service` failed: Job for containerd.service failed.; see `journalctl --user -u containerd.service`',
    )
  })

  it('fails when the plugin has an error', async () => {
    withUserManager()
    world.replies['systemctl --user restart containerd.service'] = ok()
    world.replies[ctrArgs()] = ok(pluginTable('error'))

    expect(await runSetup(options({ restart: true }), world.environment)).toBe(1)

    expect(world.lines[1]).toMatch(/^containerd loaded proxy plugin "fuse-overlayfs" with status error/)
  })

  it('fails when the plugin never shows up', async () => {
    withUserManager()
    world.replies['systemctl --user restart containerd.service'] = ok()
    world.replies[ctrArgs()] = ok('TYPE    ID    PLATFORMS    STATUS\n')

    expect(await runSetup(options({ restart: true }), world.environment)).toBe(1)

    expect(world.lines[1]).toMatch(/proxy plugin "fuse-overlayfs" is not loaded \(not in `ctr plugins ls`\)/)
  })

  it('restarts for a config already set up', async () => {
    withUserManager()
    writeConfig(`[proxy_plugins.fuse]\n  type = "snapshot"\n  address = "${fuseAddress()}"\n`)
    world.replies['systemctl --user restart containerd.service'] = ok()
    world.replies[ctrArgs()] = ok('TYPE ID PLATFORMS STATUS\nio.containerd.snapshotter.v1 fuse - ok\n')

    expect(await runSetup(options({ restart: true }), world.environment)).toBe(0)

    expect(world.lines[1]).toBe('containerd restarted and loaded proxy plugin "fuse"')
  })
})
