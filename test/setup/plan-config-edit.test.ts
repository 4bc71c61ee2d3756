import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { TomlTable } from '../../src/toml-parse.js'
import { parseConfigToml } from '../../src/setup/parse-config.js'
import { planConfigEdit, type ConfigEdit } from '../../src/setup/plan-config-edit.js'
import { SetupError } from '../../src/setup/setup-error.js'
import { editInput, FIXTURES, readFixture, removeInsertions } from './fixtures/edit-input.js'

const FUSE_ADDRESS = '/run/user/1001/containerd-fuse-overlayfs.sock'
const STARGZ_ADDRESS = '/run/user/1001/containerd-stargz-grpc/containerd-stargz-grpc.sock'

const INVALID = new Set(['invalid-two-headers.toml'])
const CONFLICTING = new Set(['copied-from-1000.toml'])
const corpus = readdirSync(FIXTURES).filter((name) => name.endsWith('.toml') && !INVALID.has(name) && !CONFLICTING.has(name))

// Each fixture is also tried with CRLF line ends and without its final
// line end.
const variants: [string, (text: string) => string][] = [
  ['lf', (text) => text],
  ['crlf', (text) => text.replace(/\n/g, '\r\n')],
  ['no final newline', (text) => text.replace(/\n$/, '')],
]

const cases = corpus.flatMap((name) => variants.map(([variant, transform]) => ({ name, variant, transform })))

function parsed(text: string): TomlTable {
  const result = parseConfigToml(text)
  if (!result.ok) throw new Error(`line ${result.line}: ${result.message}`)
  return result.table
}

function changed(edit: ConfigEdit): Extract<ConfigEdit, { kind: 'changed' }> {
  if (edit.kind !== 'changed') throw new Error('expected a change')
  return edit
}

function proxyPlugins(text: string): Record<string, { type?: unknown; address?: unknown }> {
  return (parsed(text).proxy_plugins ?? {}) as Record<string, { type?: unknown; address?: unknown }>
}

describe('planConfigEdit corpus', () => {
  it.each(cases)('$name ($variant): result parses and has the plugin once', ({ name, transform }) => {
    const input = transform(readFixture(name))
    const edit = changed(planConfigEdit(editInput(input)))
    const plugins = proxyPlugins(edit.text)

    expect(plugins['fuse-overlayfs']).toMatchObject({ type: 'snapshot', address: FUSE_ADDRESS })
    expect(Object.values(plugins).filter((plugin) => plugin.address === FUSE_ADDRESS)).toHaveLength(1)
  })

  it.each(cases)('$name ($variant): only the block is added', ({ name, transform }) => {
    const input = transform(readFixture(name))
    const edit = changed(planConfigEdit(editInput(input)))

    expect(removeInsertions(edit.text, edit.edits)).toBe(input)
  })

  it.each(cases)('$name ($variant): second run changes nothing', ({ name, transform }) => {
    const first = changed(planConfigEdit(editInput(transform(readFixture(name)))))

    expect(planConfigEdit(editInput(first.text)).kind).toBe('unchanged')
  })

  // An empty file has no line end to copy, so it gets LF.
  const crlfCases = cases.filter((item) => item.variant === 'crlf' && item.name !== 'empty.toml')

  it.each(crlfCases)('$name (crlf): added lines end in CRLF', ({ name, transform }) => {
    const edit = changed(planConfigEdit(editInput(transform(readFixture(name)))))
    const inserted = edit.edits.map((item) => item.insert).join('')

    expect(inserted.replace(/\r\n/g, '')).not.toContain('\n')
  })

  it.each(cases)('$name ($variant): fuse-overlayfs then stargz keeps both', ({ name, transform }) => {
    const first = changed(planConfigEdit(editInput(transform(readFixture(name)), 'fuse-overlayfs')))
    const second = planConfigEdit(editInput(first.text, 'stargz'))
    const text = second.kind === 'changed' ? second.text : first.text
    const plugins = proxyPlugins(text)

    expect(plugins['fuse-overlayfs']?.address).toBe(FUSE_ADDRESS)
    expect(plugins.stargz?.address).toBe(STARGZ_ADDRESS)
  })
})

describe('planConfigEdit placement', () => {
  it('nests under an empty [proxy_plugins] header', () => {
    const input = 'version = 2\n\n[proxy_plugins]\n\n[stream_processors]\n'
    const edit = changed(planConfigEdit(editInput(input)))

    expect(edit.text).toBe(
      'version = 2\n\n[proxy_plugins]\n' +
        '  [proxy_plugins."fuse-overlayfs"]\n' +
        '    type = "snapshot"\n' +
        `    address = "${FUSE_ADDRESS}"\n` +
        '\n[stream_processors]\n',
    )
  })

  it('follows the last sibling sub-table', () => {
    const edit = changed(planConfigEdit(editInput(readFixture('other-plugin.toml'))))

    expect(edit.text).toBe(
      'version = 2\n\n[proxy_plugins]\n' +
        '  [proxy_plugins."nix"]\n    type = "snapshot"\n    address = "/run/nix-snapshotter/nix-snapshotter.sock"\n' +
        '\n  [proxy_plugins."fuse-overlayfs"]\n    type = "snapshot"\n' +
        `    address = "${FUSE_ADDRESS}"\n` +
        '\n# Debugging follows.\n[debug]\n  level = "info"\n',
    )
  })

  it('appends a sub-table when there is none', () => {
    const edit = changed(planConfigEdit(editInput('version = 2\n[debug]\n  level = "info"')))

    expect(edit.text).toBe(
      'version = 2\n[debug]\n  level = "info"\n\n' + `[proxy_plugins."fuse-overlayfs"]\n  type = "snapshot"\n  address = "${FUSE_ADDRESS}"\n`,
    )
  })

  it('writes an empty file as the block alone', () => {
    const edit = changed(planConfigEdit(editInput('')))

    expect(edit.text).toBe(`[proxy_plugins."fuse-overlayfs"]\n  type = "snapshot"\n  address = "${FUSE_ADDRESS}"\n`)
  })

  it('adds a member to a root inline table', () => {
    const edit = changed(planConfigEdit(editInput(readFixture('root-inline.toml'))))

    expect(edit.text.split('\n')[1]).toBe(
      'proxy_plugins = { nix = { type = "snapshot", address = "/run/nix.sock" }, ' +
        `"fuse-overlayfs" = { type = "snapshot", address = "${FUSE_ADDRESS}" } }`,
    )
  })

  it('fills an empty root inline table', () => {
    const edit = changed(planConfigEdit(editInput(readFixture('root-inline-empty.toml'))))

    expect(edit.text.split('\n')[1]).toBe(`proxy_plugins = { "fuse-overlayfs" = { type = "snapshot", address = "${FUSE_ADDRESS}" } }`)
  })

  it('follows root dotted keys with dotted keys', () => {
    const edit = changed(planConfigEdit(editInput(readFixture('root-dotted.toml'))))
    const lines = edit.text.split('\n')

    expect(lines[3]).toBe('proxy_plugins."fuse-overlayfs".type = "snapshot"')
    expect(lines[4]).toBe(`proxy_plugins."fuse-overlayfs".address = "${FUSE_ADDRESS}"`)
  })

  it('matches inline entries under [proxy_plugins]', () => {
    const edit = changed(planConfigEdit(editInput(readFixture('plain-inline-entries.toml'))))

    expect(edit.text.split('\n')[4]).toBe(`    "fuse-overlayfs" = { type = "snapshot", address = "${FUSE_ADDRESS}" }`)
  })

  it('matches dotted entries under [proxy_plugins]', () => {
    const edit = changed(planConfigEdit(editInput(readFixture('plain-dotted-entries.toml'))))

    expect(edit.text.endsWith(`"fuse-overlayfs".type = "snapshot"\n"fuse-overlayfs".address = "${FUSE_ADDRESS}"\n`)).toBe(true)
  })

  it('ignores headers inside multi-line strings', () => {
    const input = readFixture('multiline-strings.toml')
    const edit = changed(planConfigEdit(editInput(input)))

    expect(edit.edits).toHaveLength(1)
    expect(edit.edits[0]?.offset).toBe(input.length)
  })
})

describe('planConfigEdit existing plugin', () => {
  it('reports a present plugin as unchanged', () => {
    const edit = planConfigEdit(editInput(readFixture('stargz-subtable.toml'), 'stargz'))

    expect(edit).toEqual({ kind: 'unchanged', pluginKey: 'stargz' })
  })

  it('accepts the plugin under another key', () => {
    const input = `[proxy_plugins.fuse]\n  type = "snapshot"\n  address = "unix://${FUSE_ADDRESS}"\n`

    expect(planConfigEdit(editInput(input))).toEqual({ kind: 'unchanged', pluginKey: 'fuse' })
  })

  it('accepts the long type name', () => {
    const input = `[proxy_plugins."fuse-overlayfs"]\n  type = "io.containerd.snapshotter.v1"\n  address = "${FUSE_ADDRESS}"\n`

    expect(planConfigEdit(editInput(input)).kind).toBe('unchanged')
  })

  it('rejects an address copied from uid 1000', () => {
    const input = readFixture('copied-from-1000.toml')

    expect(() => planConfigEdit(editInput(input))).toThrow(SetupError)
    expect(() => planConfigEdit(editInput(input))).toThrow(
      '/home/u/.config/containerd/config.toml:7: proxy plugin "fuse-overlayfs" has address ' +
        '"/run/user/1000/containerd-fuse-overlayfs.sock", expected "/run/user/1001/containerd-fuse-overlayfs.sock"; ' +
        'set address = "/run/user/1001/containerd-fuse-overlayfs.sock" there, ' +
        'or run `rnerdctl setup fuse-overlayfs --force` to replace it',
    )
  })

  it('replaces only the address with --force', () => {
    const input = readFixture('copied-from-1000.toml')
    const edit = changed(planConfigEdit(editInput(input, 'fuse-overlayfs', { force: true })))

    expect(edit.text).toBe(input.replace('/run/user/1000/', '/run/user/1001/'))
    expect(edit.additions.replacedAddress).toBe(true)
  })

  it('replaces an address inside an inline table with --force', () => {
    const input = `[proxy_plugins]\n"fuse-overlayfs" = { type = "snapshot", address = '/run/user/1000/x.sock' } # kept\n`
    const edit = changed(planConfigEdit(editInput(input, 'fuse-overlayfs', { force: true })))

    expect(edit.text).toBe(`[proxy_plugins]\n"fuse-overlayfs" = { type = "snapshot", address = "${FUSE_ADDRESS}" } # kept\n`)
  })

  it('rejects a plugin without address', () => {
    const input = `[proxy_plugins."fuse-overlayfs"]\n  type = "snapshot"\n`

    expect(() => planConfigEdit(editInput(input, 'fuse-overlayfs', { force: true }))).toThrow(
      `config.toml:1: proxy plugin "fuse-overlayfs" has no address, expected "${FUSE_ADDRESS}"; set address = "${FUSE_ADDRESS}" there`,
    )
  })

  it('rejects a plugin of another type', () => {
    const input = `[proxy_plugins."fuse-overlayfs"]\n  type = "content"\n  address = "${FUSE_ADDRESS}"\n`

    expect(() => planConfigEdit(editInput(input, 'fuse-overlayfs', { force: true }))).toThrow(
      'config.toml:3: proxy plugin "fuse-overlayfs" has type "content", not "snapshot"',
    )
  })

  it('rejects invalid TOML with its line', () => {
    const input = readFixture('invalid-two-headers.toml')

    expect(() => planConfigEdit(editInput(input))).toThrow(/config\.toml:8: invalid TOML \(.*\); fix that line first/)
  })

  it('counts a plugin in an imported file', () => {
    const imported = [{ name: 'fuse-overlayfs', address: FUSE_ADDRESS, file: '/etc/x/conf.d/a.toml', line: 3 }]

    expect(planConfigEdit(editInput('version = 2\n', 'fuse-overlayfs', { imported })).kind).toBe('unchanged')
  })

  it('rejects a stale address in an imported file', () => {
    const imported = [{ name: 'fuse-overlayfs', address: '/run/user/1000/x.sock', file: '/etc/x/conf.d/a.toml', line: 3 }]

    expect(() => planConfigEdit(editInput('version = 2\n', 'fuse-overlayfs', { imported }))).toThrow(
      /^\/etc\/x\/conf\.d\/a\.toml:3: proxy plugin "fuse-overlayfs" has address/,
    )
  })
})

describe('planConfigEdit unpack_config', () => {
  const unpack = (text: string): unknown => {
    const plugins = parsed(text).plugins as Record<string, Record<string, unknown>>
    return plugins['io.containerd.transfer.v1.local']?.unpack_config
  }

  it('adds the snapshotter and overlayfs for version 3', () => {
    const edit = changed(planConfigEdit(editInput(readFixture('v3-default.toml'), 'stargz')))

    expect(unpack(edit.text)).toEqual([
      { platform: 'linux/amd64', snapshotter: 'stargz' },
      { platform: 'linux/amd64', snapshotter: 'overlayfs' },
    ])
  })

  it('places entries after the transfer table', () => {
    const edit = changed(planConfigEdit(editInput(readFixture('v3-default.toml'), 'stargz')))

    expect(edit.text).toContain(
      "    max_concurrent_downloads = 3\n\n" +
        '    [[plugins."io.containerd.transfer.v1.local".unpack_config]]\n' +
        '      platform = "linux/amd64"\n      snapshotter = "stargz"\n\n' +
        '    [[plugins."io.containerd.transfer.v1.local".unpack_config]]\n' +
        '      platform = "linux/amd64"\n      snapshotter = "overlayfs"\n\n[proxy_plugins]\n',
    )
  })

  it('keeps existing entries and adds only the missing one', () => {
    const edit = changed(planConfigEdit(editInput(readFixture('v3-unpack.toml'))))

    expect(edit.additions.unpackEntries).toEqual([{ platform: 'linux/amd64', snapshotter: 'fuse-overlayfs' }])
    expect(unpack(edit.text)).toEqual([
      { platform: 'linux/amd64', snapshotter: 'overlayfs' },
      { platform: 'linux', snapshotter: 'nix' },
      { platform: 'linux/amd64', snapshotter: 'fuse-overlayfs' },
    ])
  })

  it('counts "linux" and aliases as the host platform', () => {
    const input =
      'version = 3\n[[plugins."io.containerd.transfer.v1.local".unpack_config]]\nplatform = "linux"\nsnapshotter = "fuse-overlayfs"\n' +
      '[[plugins."io.containerd.transfer.v1.local".unpack_config]]\nplatform = "linux/x86_64"\nsnapshotter = "overlayfs"\n' +
      `[proxy_plugins."fuse-overlayfs"]\ntype = "snapshot"\naddress = "${FUSE_ADDRESS}"\n`

    expect(planConfigEdit(editInput(input)).kind).toBe('unchanged')
  })

  it('ignores entries for another architecture', () => {
    const input = 'version = 3\n[[plugins."io.containerd.transfer.v1.local".unpack_config]]\nplatform = "linux/arm64"\nsnapshotter = "overlayfs"\n'
    const edit = changed(planConfigEdit(editInput(input)))

    expect(edit.additions.unpackEntries.map((entry) => entry.snapshotter)).toEqual(['fuse-overlayfs', 'overlayfs'])
  })

  it('adds entries when only they are missing', () => {
    const input = `version = 3\n\n[proxy_plugins."fuse-overlayfs"]\n  type = "snapshot"\n  address = "${FUSE_ADDRESS}"\n`
    const edit = changed(planConfigEdit(editInput(input)))

    expect(edit.additions.plugin).toBeNull()
    expect(removeInsertions(edit.text, edit.edits)).toBe(input)
  })

  it('uses the key the plugin already has', () => {
    const input = `version = 3\n[proxy_plugins.fuse]\n  type = "snapshot"\n  address = "${FUSE_ADDRESS}"\n`
    const edit = changed(planConfigEdit(editInput(input)))

    expect(edit.additions.unpackEntries[0]?.snapshotter).toBe('fuse')
  })

  it('rejects an inline unpack_config array', () => {
    const input = 'version = 3\n[plugins."io.containerd.transfer.v1.local"]\n  unpack_config = [{ platform = "linux", snapshotter = "nix" }]\n'

    expect(() => planConfigEdit(editInput(input))).toThrow(/config\.toml:3: unpack_config is an inline array/)
  })

  it('adds no entries for version 2', () => {
    const edit = changed(planConfigEdit(editInput(readFixture('v2-default.toml'))))

    expect(edit.additions.unpackEntries).toEqual([])
    expect(edit.text).not.toContain('unpack_config')
  })

  it('appends both blocks with one blank line between', () => {
    const edit = changed(planConfigEdit(editInput('version = 3')))

    expect(edit.text).toBe(
      'version = 3\n\n' +
        `[proxy_plugins."fuse-overlayfs"]\n  type = "snapshot"\n  address = "${FUSE_ADDRESS}"\n\n` +
        '[[plugins."io.containerd.transfer.v1.local".unpack_config]]\n  platform = "linux/amd64"\n  snapshotter = "fuse-overlayfs"\n\n' +
        '[[plugins."io.containerd.transfer.v1.local".unpack_config]]\n  platform = "linux/amd64"\n  snapshotter = "overlayfs"\n',
    )
  })
})
