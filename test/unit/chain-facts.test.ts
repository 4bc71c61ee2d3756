import path from 'node:path'
import { describe, expect, it } from 'vitest'

import { ProbeCache } from '../../src/cache.js'
import { gatherCandidateFacts, matchProxyPlugin, type ChainContext } from '../../src/chain-facts.js'
import type { ConfigFileState, ContainerdConfig, ProxyPlugin } from '../../src/containerd-config.js'
import type { OverlayMountResult } from '../../src/overlay-test.js'
import type { ProxyCandidateFacts } from '../../src/snapshotter-chain.js'
import { ProbeCanceller } from '../../src/socket-probe.js'
import { useTempDirs } from './support/temp-dir.js'

const CONFIG = '/home/u/.config/containerd/config.toml'

function plugin(name: string, address: string, file = CONFIG): ProxyPlugin {
  return { name, address, file }
}

describe('matchProxyPlugin', () => {
  const fuseByKey = plugin('fuse', '/run/user/1001/containerd-fuse-overlayfs.sock')
  const stargzCustom = plugin('lazy', 'unix:///run/user/1001/containerd-stargz-grpc/containerd-stargz-grpc.sock')
  const custom = plugin('myproxy', '/run/user/1001/my.sock')
  const plugins = [fuseByKey, stargzCustom, custom]

  it.each<[string, string, readonly ProxyPlugin[], ProxyPlugin | null]>([
    ['fuse-overlayfs by socket', 'fuse-overlayfs', plugins, fuseByKey],
    ['stargz by socket', 'stargz', plugins, stargzCustom],
    ['by key', 'myproxy', plugins, custom],
    ['odd key by key', 'fuse', plugins, fuseByKey],
    ['overlayfs is no proxy', 'overlayfs', plugins, null],
    ['unknown name', 'zfs', plugins, null],
    ['empty list', 'fuse-overlayfs', [], null],
    ['custom socket name not known', 'fuse-overlayfs', [plugin('fuse', '/run/user/1001/fuse.sock')], null],
  ])('%s', (_name, wanted, list, expected) => {
    expect(matchProxyPlugin(wanted, list)).toBe(expected)
  })

  it('key beats socket name', () => {
    const byKey = plugin('fuse-overlayfs', '/run/user/1001/other.sock')

    expect(matchProxyPlugin('fuse-overlayfs', [fuseByKey, byKey])).toBe(byKey)
  })

  it('socket name needs the whole basename', () => {
    const lookalike = plugin('x', '/run/user/1001/old-containerd-fuse-overlayfs.sock')

    expect(matchProxyPlugin('fuse-overlayfs', [lookalike])).toBeNull()
  })
})

const MAIN_FILE: ConfigFileState = { path: CONFIG, mtimeMs: 1_000, size: 100, error: null, missing: false }

function makeConfig(overrides: Partial<ContainerdConfig>): ContainerdConfig {
  return { files: [MAIN_FILE], globDirs: [], plugins: [], warnings: [], ...overrides }
}

function makeContext(overrides: Partial<ChainContext> = {}): ChainContext {
  return {
    uid: 1001,
    dirs: { rootless: true, runtimeDir: '/run/user/1001', dataHome: '/home/u/.local/share', configHome: '/home/u/.config' },
    kernel: { release: '6.1.0-rpi7-rpi-v8', procVersion: '', selinuxEnforcing: false },
    bootId: 'boot-1',
    config: () => Promise.resolve(makeConfig({})),
    containerd: null,
    unshare: null,
    cache: new ProbeCache({ file: null, uid: 1001, bootId: 'boot-1', bypass: false }),
    canceller: new ProbeCanceller(),
    ...overrides,
  }
}

async function gatherProxy(wanted: string, context: ChainContext): Promise<ProxyCandidateFacts> {
  const facts = await gatherCandidateFacts(wanted, context)
  if (facts.kind !== 'proxy') throw new Error(`expected proxy facts, got ${facts.kind}`)
  return facts
}

const makeTempDir = useTempDirs()

describe('gatherCandidateFacts proxy problems', () => {
  it('main config missing', async () => {
    const config = makeConfig({ files: [{ ...MAIN_FILE, missing: true, mtimeMs: null }] })
    const facts = await gatherProxy('stargz', makeContext({ config: () => Promise.resolve(config) }))

    expect(facts.name).toBeNull()
    expect(facts.problem).toBe(`no proxy plugin "stargz": ${CONFIG} does not exist`)
    expect(facts.socket).toBeNull()
  })

  it('no files at all', async () => {
    const facts = await gatherProxy('stargz', makeContext({ config: () => Promise.resolve(makeConfig({ files: [] })) }))

    expect(facts.problem).toBe('no proxy plugin "stargz": containerd config does not exist')
  })

  it('broken config named', async () => {
    const config = makeConfig({ files: [{ ...MAIN_FILE, error: `${CONFIG}:8: invalid TOML: Can't redefine existing key` }] })
    const facts = await gatherProxy('fuse-overlayfs', makeContext({ config: () => Promise.resolve(config) }))

    expect(facts.problem).toBe(`no proxy plugin "fuse-overlayfs": ${CONFIG}:8: invalid TOML: Can't redefine existing key (its plugins count as unavailable)`)
  })

  it('not declared', async () => {
    const facts = await gatherProxy('stargz', makeContext())

    expect(facts.problem).toBe(`no proxy plugin "stargz" in ${CONFIG}`)
  })

  it('not declared, with imports', async () => {
    const config = makeConfig({ files: [MAIN_FILE, { ...MAIN_FILE, path: '/home/u/.config/containerd/conf.d/a.toml' }] })
    const facts = await gatherProxy('stargz', makeContext({ config: () => Promise.resolve(config) }))

    expect(facts.problem).toBe(`no proxy plugin "stargz" in ${CONFIG} or its imports`)
  })

  it('address in another uid runtime dir', async () => {
    const config = makeConfig({ plugins: [plugin('fuse-overlayfs', '/run/user/1000/containerd-fuse-overlayfs.sock')] })
    const facts = await gatherProxy('fuse-overlayfs', makeContext({ config: () => Promise.resolve(config) }))

    expect(facts.name).toBe('fuse-overlayfs')
    expect(facts.hostAddress).toBe('/run/user/1000/containerd-fuse-overlayfs.sock')
    expect(facts.problem).toContain("points into uid 1000's runtime dir")
    expect(facts.problem).toContain('change the address to /run/user/1001/containerd-fuse-overlayfs.sock')
    expect(facts.socket).toBeNull()
  })

  it('namespace path without runtime dir', async () => {
    const config = makeConfig({ plugins: [plugin('stargz', '/run/containerd/stargz.sock')] })
    const dirs = { rootless: true, runtimeDir: null, dataHome: '/home/u/.local/share', configHome: '/home/u/.config' }
    const facts = await gatherProxy('stargz', makeContext({ dirs, config: () => Promise.resolve(config) }))

    expect(facts.hostAddress).toBeNull()
    expect(facts.problem).toBe('proxy plugin "stargz" at /run/containerd/stargz.sock needs a runtime dir, and there is none')
  })

  it('config changed after containerd started', async () => {
    const config = makeConfig({ plugins: [plugin('myproxy', '/run/user/1001/my.sock')] })
    const context = makeContext({ config: () => Promise.resolve(config), containerd: { pid: 4242, startedAtMs: 500 } })
    const facts = await gatherProxy('myproxy', context)

    expect(facts.problem).toContain('changed after containerd started')
    expect(facts.problem).toContain('stop containerd-rootless.sh')
  })

  it('config older than containerd', async () => {
    const socket = path.join(makeTempDir(), 'my.sock')
    const config = makeConfig({ plugins: [plugin('myproxy', socket)] })
    const context = makeContext({ config: () => Promise.resolve(config), containerd: { pid: 4242, startedAtMs: 5_000 } })
    const facts = await gatherProxy('myproxy', context)

    expect(facts.problem).toBeNull()
    expect(facts.fuse).toBeNull()
    expect(facts.socket).toEqual({ alive: false, reason: `${socket} does not exist` })
  })
})

describe('gatherCandidateFacts overlayfs', () => {
  const cachedMount: OverlayMountResult = { ran: true, ok: true, detail: 'overlay mount in /x succeeded', testDir: '/x/t' }

  it('native', async () => {
    expect(await gatherCandidateFacts('native', makeContext())).toEqual({ kind: 'native' })
  })

  it('rootful runs no mount test', async () => {
    const dirs = { rootless: false, runtimeDir: '/run', dataHome: '/root/.local/share', configHome: '/root/.config' }
    const facts = await gatherCandidateFacts('overlayfs', makeContext({ dirs }))

    expect(facts).toMatchObject({ kind: 'overlayfs', rootless: false, mount: null })
  })

  it('kernel rules forbid, no mount test', async () => {
    const kernel = { release: '4.19.0-21-amd64', procVersion: '', selinuxEnforcing: false }
    const facts = await gatherCandidateFacts('overlayfs', makeContext({ kernel }))

    expect(facts).toMatchObject({ kind: 'overlayfs', rootless: true, rules: { allowed: false }, mount: null })
  })

  it('cached mount result used', async () => {
    const context = makeContext()
    const deps = { release: context.kernel.release, bootId: 'boot-1', containerdRoot: '/home/u/.local/share/containerd' }
    context.cache.set('overlay-mount', deps, cachedMount)
    const facts = await gatherCandidateFacts('overlayfs', context)

    expect(facts).toMatchObject({ kind: 'overlayfs', mount: cachedMount })
  })

  it('cached result for another kernel ignored', async () => {
    const context = makeContext({ dirs: { rootless: true, runtimeDir: '/run/user/1001', dataHome: makeTempDir(), configHome: '/home/u/.config' } })
    const containerdRoot = path.join(context.dirs.dataHome, 'containerd')
    context.cache.set('overlay-mount', { release: '6.0.0', bootId: 'boot-1', containerdRoot }, cachedMount)
    const facts = await gatherCandidateFacts('overlayfs', context)

    expect(facts).toMatchObject({ kind: 'overlayfs', mount: { ran: false, detail: 'unshare not found on PATH' } })
  })
})
