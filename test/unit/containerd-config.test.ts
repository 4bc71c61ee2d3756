import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, truncateSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

import { matchProxyPlugin } from '../../src/chain-facts.js'
import { collectProxyPlugins, explainParseError, readContainerdConfig, type ContainerdConfig } from '../../src/containerd-config.js'
import { parseToml } from '../../src/toml-parse.js'
import type { OwnerStat } from '../../src/trust.js'
import { useTempDirs } from './support/temp-dir.js'

const FUSE_SOCKET = '/run/user/1001/containerd-fuse-overlayfs.sock'
const STARGZ_SOCKET = '/run/user/1001/containerd-stargz-grpc/containerd-stargz-grpc.sock'

// The blocks containerd-rootless-setuptool.sh prints for the two proxy
// snapshotters, for uid 1001.
const FUSE_BLOCK = `[proxy_plugins."fuse-overlayfs"]
  type = "snapshot"
  address = "${FUSE_SOCKET}"
`
const STARGZ_BLOCK = `[proxy_plugins."stargz"]
  type = "snapshot"
  address = "${STARGZ_SOCKET}"
`

const makeTempDir = useTempDirs()

// Writes `files` (relative path to text) into a fresh directory and returns
// that directory.
function writeTree(files: Record<string, string | Buffer>): string {
  const root = makeTempDir()
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(root, name)
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, text)
  }
  return root
}

function read(file: string): ContainerdConfig {
  return readContainerdConfig(file, parseToml)
}

function pluginSummary(config: ContainerdConfig): [string, string][] {
  return config.plugins.map((plugin) => [plugin.name, plugin.address])
}

describe('readContainerdConfig versions', () => {
  it.each([
    ['version 1 (unset)', ''],
    ['version 1', 'version = 1\n'],
    ['version 2', 'version = 2\n'],
    ['version 3', 'version = 3\n'],
  ])('%s', (_name, header) => {
    const root = writeTree({ 'config.toml': `${header}\n${FUSE_BLOCK}\n${STARGZ_BLOCK}` })
    const main = path.join(root, 'config.toml')
    const config = read(main)

    expect(config.plugins).toEqual([
      { name: 'fuse-overlayfs', address: FUSE_SOCKET, file: main },
      { name: 'stargz', address: STARGZ_SOCKET, file: main },
    ])
    expect(config.warnings).toEqual([])
    expect(config.files).toHaveLength(1)
    expect(config.files[0]?.error).toBeNull()
    expect(config.files[0]?.missing).toBe(false)
  })

  it.each([
    ['version = 4', 'unknown config version 4'],
    ['version = 0', 'unknown config version 0'],
    ['version = "2"', 'unknown config version "2"'],
  ])('%s warns', (line, message) => {
    const root = writeTree({ 'config.toml': `${line}\n${FUSE_BLOCK}` })
    const config = read(path.join(root, 'config.toml'))

    expect(config.warnings).toHaveLength(1)
    expect(config.warnings[0]).toContain(message)
    expect(config.warnings[0]).toContain(path.join(root, 'config.toml'))
    expect(config.plugins).toHaveLength(1)
  })

  it('commented-out version', () => {
    const root = writeTree({ 'config.toml': `# version = 9\nversion = 2 # containerd 1.x\n${FUSE_BLOCK}` })
    const config = read(path.join(root, 'config.toml'))

    expect(config.warnings).toEqual([])
    expect(config.plugins).toHaveLength(1)
  })
})

describe('readContainerdConfig proxy plugins', () => {
  it('snapshot type only', () => {
    const text = `version = 2
[proxy_plugins.content-store]
  type = "content"
  address = "/run/user/1001/content.sock"
[proxy_plugins.diff]
  type = "diff"
  address = "/run/user/1001/diff.sock"
${FUSE_BLOCK}`
    const root = writeTree({ 'config.toml': text })

    expect(pluginSummary(read(path.join(root, 'config.toml')))).toEqual([['fuse-overlayfs', FUSE_SOCKET]])
  })

  it('block keyed fuse', () => {
    const text = `version = 2\n[proxy_plugins.fuse]\n  type = "snapshot"\n  address = "${FUSE_SOCKET}"\n`
    const root = writeTree({ 'config.toml': text })

    expect(pluginSummary(read(path.join(root, 'config.toml')))).toEqual([['fuse', FUSE_SOCKET]])
  })

  it('missing address', () => {
    const text = `version = 2\n[proxy_plugins."fuse-overlayfs"]\n  type = "snapshot"\n${STARGZ_BLOCK}`
    const root = writeTree({ 'config.toml': text })
    const main = path.join(root, 'config.toml')
    const config = read(main)

    expect(pluginSummary(config)).toEqual([['stargz', STARGZ_SOCKET]])
    expect(config.warnings).toEqual([`${main}: proxy plugin "fuse-overlayfs" has no address`])
  })

  it('empty address', () => {
    const text = `version = 2\n[proxy_plugins."fuse-overlayfs"]\n  type = "snapshot"\n  address = ""\n`
    const root = writeTree({ 'config.toml': text })
    const config = read(path.join(root, 'config.toml'))

    expect(config.plugins).toEqual([])
    expect(config.warnings[0]).toContain('has no address')
  })

  it('comments at line ends', () => {
    const text = `version = 2 # containerd 1.7
[proxy_plugins] # both snapshotters
  [proxy_plugins."fuse-overlayfs"] # rootless fallback
    type = "snapshot" # a snapshotter
    address = "${FUSE_SOCKET}" # from the setup tool
`
    const root = writeTree({ 'config.toml': text })

    expect(pluginSummary(read(path.join(root, 'config.toml')))).toEqual([['fuse-overlayfs', FUSE_SOCKET]])
  })

  it('unix:// address kept as written', () => {
    const text = `[proxy_plugins.stargz]\n  type = "snapshot"\n  address = "unix://${STARGZ_SOCKET}"\n`
    const root = writeTree({ 'config.toml': text })

    expect(pluginSummary(read(path.join(root, 'config.toml')))).toEqual([['stargz', `unix://${STARGZ_SOCKET}`]])
  })

  it('no proxy_plugins section', () => {
    const root = writeTree({ 'config.toml': 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "pause:3.9"\n' })
    const config = read(path.join(root, 'config.toml'))

    expect(config.plugins).toEqual([])
    expect(config.warnings).toEqual([])
  })

  it('proxy_plugins not a table', () => {
    const root = writeTree({ 'config.toml': 'proxy_plugins = ["fuse-overlayfs"]\n' })

    expect(read(path.join(root, 'config.toml')).plugins).toEqual([])
  })
})

describe('collectProxyPlugins', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['entry not a table', { proxy_plugins: { a: 'snapshot' } }, []],
    ['entry an array', { proxy_plugins: { a: [{ type: 'snapshot', address: '/x.sock' }] } }, []],
    ['address a number', { proxy_plugins: { a: { type: 'snapshot', address: 7 } } }, []],
    ['type missing', { proxy_plugins: { a: { address: '/x.sock' } } }, []],
    ['type in capitals', { proxy_plugins: { a: { type: 'Snapshot', address: '/x.sock' } } }, []],
    ['two plugins', { proxy_plugins: { a: { type: 'snapshot', address: '/a.sock' }, b: { type: 'snapshot', address: '/b.sock' } } }, ['a', 'b']],
  ])('%s', (_name, table, names) => {
    const plugins = collectProxyPlugins(table, '/etc/containerd/config.toml', [])

    expect(plugins.map((plugin) => plugin.name)).toEqual(names)
  })

  it('warning names the file', () => {
    const warnings: string[] = []
    collectProxyPlugins({ proxy_plugins: { a: { type: 'snapshot' } } }, '/etc/containerd/config.toml', warnings)

    expect(warnings).toEqual(['/etc/containerd/config.toml: proxy plugin "a" has no address'])
  })
})

describe('readContainerdConfig imports', () => {
  it('relative to the importing file', () => {
    const root = writeTree({
      'config.toml': 'version = 2\nimports = ["sub/a.toml"]\n',
      'sub/a.toml': 'version = 2\nimports = ["b.toml"]\n',
      'sub/b.toml': `version = 2\n${FUSE_BLOCK}`,
      'b.toml': `version = 2\n${STARGZ_BLOCK}`,
    })
    const config = read(path.join(root, 'config.toml'))

    expect(config.files.map((file) => file.path)).toEqual([
      path.join(root, 'config.toml'),
      path.join(root, 'sub', 'a.toml'),
      path.join(root, 'sub', 'b.toml'),
    ])
    expect(pluginSummary(config)).toEqual([['fuse-overlayfs', FUSE_SOCKET]])
    expect(config.plugins[0]?.file).toBe(path.join(root, 'sub', 'b.toml'))
  })

  it('absolute import', () => {
    const other = writeTree({ 'fuse.toml': FUSE_BLOCK })
    const root = writeTree({ 'config.toml': `imports = ["${path.join(other, 'fuse.toml')}"]\n` })

    expect(pluginSummary(read(path.join(root, 'config.toml')))).toEqual([['fuse-overlayfs', FUSE_SOCKET]])
  })

  it('glob, sorted', () => {
    const root = writeTree({
      'config.toml': 'version = 2\nimports = ["conf.d/*.toml"]\n',
      'conf.d/20-stargz.toml': STARGZ_BLOCK,
      'conf.d/10-fuse.toml': FUSE_BLOCK,
      'conf.d/notes.txt': 'not toml = = =',
    })
    const config = read(path.join(root, 'config.toml'))

    expect(config.files.map((file) => path.basename(file.path))).toEqual(['config.toml', '10-fuse.toml', '20-stargz.toml'])
    expect(pluginSummary(config)).toEqual([
      ['fuse-overlayfs', FUSE_SOCKET],
      ['stargz', STARGZ_SOCKET],
    ])
    expect(config.globDirs.map((dir) => dir.path)).toEqual([path.join(root, 'conf.d')])
    expect(config.globDirs[0]?.mtimeMs).toBeTypeOf('number')
  })

  // globDirs lists the directories whose listing decides what is imported,
  // so that a cached config is read again when a file appears in one.
  it('nested glob records each listed dir', () => {
    const root = writeTree({
      'config.toml': 'imports = ["d/*/conf.d/*.toml"]\n',
      'd/x/conf.d/10-fuse.toml': FUSE_BLOCK,
    })
    const config = read(path.join(root, 'config.toml'))

    expect(config.globDirs.map((dir) => dir.path)).toContain(path.join(root, 'd', 'x', 'conf.d'))
  })

  it('glob with no match', () => {
    const root = writeTree({ 'config.toml': 'imports = ["conf.d/*.toml"]\n' })
    const config = read(path.join(root, 'config.toml'))

    expect(config.files).toHaveLength(1)
    expect(config.globDirs).toEqual([{ path: path.join(root, 'conf.d'), mtimeMs: null, signature: `${path.join(root, 'conf.d')}:missing` }])
    expect(config.warnings).toEqual([])
  })

  it('malformed glob warns', () => {
    const root = writeTree({ 'config.toml': 'imports = ["conf.d/*[.toml"]\n' })
    const config = read(path.join(root, 'config.toml'))

    expect(config.files).toHaveLength(1)
    expect(config.warnings).toHaveLength(1)
    expect(config.warnings[0]).toContain('bad glob pattern')
  })

  it('loop a -> b -> a', () => {
    const root = writeTree({
      'a.toml': `imports = ["b.toml"]\n${FUSE_BLOCK}`,
      'b.toml': `imports = ["a.toml"]\n${STARGZ_BLOCK}`,
    })
    const config = read(path.join(root, 'a.toml'))

    expect(config.files.map((file) => path.basename(file.path))).toEqual(['a.toml', 'b.toml'])
    expect(config.plugins).toHaveLength(2)
    expect(config.warnings).toEqual([])
  })

  it('self import', () => {
    const root = writeTree({ 'config.toml': `imports = ["./config.toml", "config.toml"]\n${FUSE_BLOCK}` })
    const config = read(path.join(root, 'config.toml'))

    expect(config.files).toHaveLength(1)
    expect(config.plugins).toHaveLength(1)
  })

  it('missing import', () => {
    const root = writeTree({ 'config.toml': `imports = ["absent.toml"]\n${FUSE_BLOCK}` })
    const config = read(path.join(root, 'config.toml'))

    expect(config.files[1]).toMatchObject({ path: path.join(root, 'absent.toml'), missing: true, error: null, mtimeMs: null })
    expect(pluginSummary(config)).toEqual([['fuse-overlayfs', FUSE_SOCKET]])
  })

  it('imports not an array', () => {
    const root = writeTree({ 'config.toml': `imports = "conf.d/*.toml"\n${FUSE_BLOCK}` })
    const main = path.join(root, 'config.toml')
    const config = read(main)

    expect(config.warnings).toEqual([`${main}: "imports" is not an array`])
    expect(config.files).toHaveLength(1)
    expect(config.plugins).toHaveLength(1)
  })

  it('non-string import skipped', () => {
    const root = writeTree({ 'config.toml': 'imports = [1, "b.toml"]\n', 'b.toml': FUSE_BLOCK })

    expect(read(path.join(root, 'config.toml')).files).toHaveLength(2)
  })

  it('chain longer than 64 files', () => {
    const files: Record<string, string> = {}
    for (let i = 0; i < 70; i++) files[`f${i}.toml`] = `imports = ["f${i + 1}.toml"]\n`
    const root = writeTree(files)
    const config = read(path.join(root, 'f0.toml'))

    expect(config.files).toHaveLength(64)
    expect(config.warnings).toEqual([`${path.join(root, 'f0.toml')}: more than 64 imported files, the rest ignored`])
  })

  // containerd 2.x (cmd/containerd/server/config/config.go, resolveImports)
  // expands an import with filepath.Glob only when it contains `*`. It
  // opens any other path as written, `[` and `?` included.
  it('import without * is literal', () => {
    const root = writeTree({
      'config.toml': 'imports = ["conf.d/fuse[1].toml"]\n',
      'conf.d/fuse[1].toml': FUSE_BLOCK,
      'conf.d/fuse1.toml': STARGZ_BLOCK,
    })
    const config = read(path.join(root, 'config.toml'))

    expect(config.files.map((file) => file.path)).toEqual([path.join(root, 'config.toml'), path.join(root, 'conf.d', 'fuse[1].toml')])
  })

  // containerd 2.x merges the files in load order, and a later file's
  // [proxy_plugins.<name>] replaces an earlier one of the same name
  // (mergeConfig in the same file), so containerd dials the import's address.
  it('later file wins for one plugin name', () => {
    const root = writeTree({
      'config.toml': `imports = ["conf.d/*.toml"]\n[proxy_plugins."fuse-overlayfs"]\n  type = "snapshot"\n  address = "/run/user/1001/old-fuse.sock"\n`,
      'conf.d/fuse.toml': FUSE_BLOCK,
    })
    const config = read(path.join(root, 'config.toml'))

    expect(matchProxyPlugin('fuse-overlayfs', config.plugins)?.address).toBe(FUSE_SOCKET)
  })
})

describe('readContainerdConfig broken files', () => {
  it('two [proxy_plugins] headers', () => {
    const text = `version = 2

[proxy_plugins]
  [proxy_plugins."fuse-overlayfs"]
    type = "snapshot"
    address = "${FUSE_SOCKET}"

[proxy_plugins]
  [proxy_plugins."stargz"]
    type = "snapshot"
    address = "${STARGZ_SOCKET}"
`
    const root = writeTree({ 'config.toml': text })
    const main = path.join(root, 'config.toml')
    const config = read(main)

    expect(config.plugins).toEqual([])
    expect(config.files[0]?.error).toBe(
      `${main}:8: invalid TOML: Can't redefine existing key ([proxy_plugins] appears twice: merge the two tables under one [proxy_plugins] header)`,
    )
  })

  it('broken import keeps the main file', () => {
    const root = writeTree({ 'config.toml': `imports = ["bad.toml"]\n${FUSE_BLOCK}`, 'bad.toml': 'version = \n' })
    const config = read(path.join(root, 'config.toml'))

    expect(pluginSummary(config)).toEqual([['fuse-overlayfs', FUSE_SOCKET]])
    expect(config.files[1]?.error).toMatch(new RegExp(`^${path.join(root, 'bad.toml')}:1: invalid TOML: `))
  })

  it('FIFO at an import path', () => {
    const root = writeTree({ 'config.toml': `imports = ["fifo.toml"]\n${FUSE_BLOCK}` })
    const fifo = path.join(root, 'fifo.toml')
    execFileSync('mkfifo', [fifo])
    const config = read(path.join(root, 'config.toml'))

    expect(config.files[1]).toMatchObject({ path: fifo, missing: false, error: `${fifo}: not a regular file` })
    expect(config.plugins).toHaveLength(1)
  }, 5_000)

  it('FIFO as the main file', () => {
    const root = makeTempDir()
    const fifo = path.join(root, 'config.toml')
    execFileSync('mkfifo', [fifo])

    expect(read(fifo).files[0]?.error).toBe(`${fifo}: not a regular file`)
  }, 5_000)

  it('directory at an import path', () => {
    const root = writeTree({ 'config.toml': 'imports = ["conf.d"]\n', 'conf.d/a.toml': FUSE_BLOCK })
    const config = read(path.join(root, 'config.toml'))

    expect(config.files[1]?.error).toBe(`${path.join(root, 'conf.d')}: not a regular file`)
    expect(config.plugins).toEqual([])
  })

  it('NUL bytes', () => {
    const root = writeTree({ 'config.toml': `version = 2\n# a\u0000b\n${FUSE_BLOCK}` })
    const main = path.join(root, 'config.toml')
    const config = read(main)

    expect(config.plugins).toEqual([])
    expect(config.files[0]?.error).toMatch(new RegExp(`^${main}:2: invalid TOML: Control characters`))
  })

  it('invalid UTF-8', () => {
    const root = writeTree({ 'config.toml': Buffer.from([0x76, 0x3d, 0x22, 0xff, 0xfe, 0x22, 0x0a]) })
    const main = path.join(root, 'config.toml')
    const config = read(main)

    expect(config.files[0]?.error).toBe(`${main}: not valid UTF-8`)
    expect(config.plugins).toEqual([])
  })

  it('20 MB file refused by size', () => {
    const root = makeTempDir()
    const main = path.join(root, 'config.toml')
    writeFileSync(main, '')
    truncateSync(main, 20 * 1024 * 1024)
    const config = read(main)

    expect(config.files[0]?.error).toBe(`${main}: larger than 1048576 bytes`)
    expect(config.files[0]?.size).toBe(20 * 1024 * 1024)
  })

  it('main file missing', () => {
    const main = path.join(makeTempDir(), 'config.toml')
    const config = read(main)

    expect(config.files).toEqual([{ path: main, mtimeMs: null, size: null, signature: `${main}:missing`, error: null, missing: true }])
    expect(config.plugins).toEqual([])
    expect(config.warnings).toEqual([])
  })

  it('file state records size and mtime', () => {
    const root = writeTree({ 'config.toml': FUSE_BLOCK })
    const state = read(path.join(root, 'config.toml')).files[0]

    expect(state?.size).toBe(Buffer.byteLength(FUSE_BLOCK))
    expect(state?.mtimeMs).toBeTypeOf('number')
  })
})

describe('readContainerdConfig trust', () => {
  const rejectWorldWritable = (stat: OwnerStat): string | null => ((stat.mode & 0o002) !== 0 ? 'is writable by others' : null)

  it('trusted files read', () => {
    const root = writeTree({ 'config.toml': FUSE_BLOCK })
    const config = readContainerdConfig(path.join(root, 'config.toml'), parseToml, rejectWorldWritable)

    expect(config.plugins).toHaveLength(1)
    expect(config.files[0]?.error).toBeNull()
  })

  it('untrusted main file ignored', () => {
    const root = writeTree({ 'config.toml': FUSE_BLOCK })
    const main = path.join(root, 'config.toml')
    chmodSync(main, 0o666)
    const config = readContainerdConfig(main, parseToml, rejectWorldWritable)

    expect(config.plugins).toEqual([])
    expect(config.files[0]?.error).toBe(`${main}: not trusted: it is writable by others; its proxy plugins are ignored (fix: chmod go-w ${main})`)
  })

  it('untrusted import ignored, main kept', () => {
    const root = writeTree({ 'config.toml': `imports = ["conf.d/*.toml"]\n${FUSE_BLOCK}`, 'conf.d/stargz.toml': STARGZ_BLOCK })
    const imported = path.join(root, 'conf.d', 'stargz.toml')
    chmodSync(imported, 0o666)
    const config = readContainerdConfig(path.join(root, 'config.toml'), parseToml, rejectWorldWritable)

    expect(pluginSummary(config)).toEqual([['fuse-overlayfs', FUSE_SOCKET]])
    expect(config.files[1]?.error).toContain('not trusted')
  })

  it('untrusted file imports nothing', () => {
    const root = writeTree({ 'config.toml': 'imports = ["b.toml"]\n', 'b.toml': FUSE_BLOCK })
    const main = path.join(root, 'config.toml')
    chmodSync(main, 0o666)
    const config = readContainerdConfig(main, parseToml, rejectWorldWritable)

    expect(config.files).toHaveLength(1)
  })

  it('trust check sees the owner', () => {
    const root = writeTree({ 'config.toml': FUSE_BLOCK })
    const seen: OwnerStat[] = []
    readContainerdConfig(path.join(root, 'config.toml'), parseToml, (stat) => {
      seen.push(stat)
      return null
    })

    expect(seen).toHaveLength(1)
    expect(seen[0]?.uid).toBe(process.getuid?.())
  })
})

describe('explainParseError', () => {
  it('names a header pasted twice', () => {
    const text = 'version = 2\n[proxy_plugins]\n  a = 1\n[proxy_plugins] # again\n  b = 2\n'
    expect(explainParseError(text, 4, "Can't redefine existing key")).toBe(
      ' ([proxy_plugins] appears twice: merge the two tables under one [proxy_plugins] header)',
    )
  })

  it('adds nothing to other errors', () => {
    expect(explainParseError('x = \n', 1, 'Unexpected character')).toBe('')
  })

  it('adds nothing for a key redefined', () => {
    expect(explainParseError('a = 1\na = 2\n', 2, "Can't redefine existing key")).toBe('')
  })
})
