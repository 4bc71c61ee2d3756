import { describe, expect, it } from 'vitest'
import { ProbeCache } from '../../src/cache.js'
import {
  findSnapshotterPlugin,
  findUnloadedProxyPlugin,
  parsePluginList,
  readCachedPluginList,
  storePluginList,
  type ContainerdPlugin,
} from '../../src/doctor/plugin-list.js'

// `ctr plugins ls` of a rootless containerd 1.6 with two proxy plugins, one
// of which failed to load. ctr pads every column, the last one included,
// with spaces (Go's text/tabwriter, padding 4).
const CTR_OUTPUT = [
  'TYPE                                  ID                   PLATFORMS                     STATUS    ',
  'io.containerd.content.v1              content              -                             ok        ',
  'io.containerd.snapshotter.v1          aufs                 linux/amd64                   skip      ',
  'io.containerd.snapshotter.v1          btrfs                linux/amd64                   skip      ',
  'io.containerd.snapshotter.v1          devmapper            linux/amd64                   error     ',
  'io.containerd.snapshotter.v1          native               linux/amd64                   ok        ',
  'io.containerd.snapshotter.v1          overlayfs            linux/amd64                   ok        ',
  'io.containerd.snapshotter.v1          zfs                  linux/amd64                   skip      ',
  'io.containerd.metadata.v1             bolt                 -                             ok        ',
  'io.containerd.differ.v1               walking              linux/amd64                   ok        ',
  'io.containerd.event.v1                exchange             -                             ok        ',
  'io.containerd.gc.v1                   scheduler            -                             ok        ',
  'io.containerd.service.v1              snapshots-service    -                             ok        ',
  'io.containerd.runtime.v2              task                 linux/amd64,linux/arm64/v8    ok        ',
  'io.containerd.monitor.v1              cgroups              linux/amd64                   error     ',
  'io.containerd.grpc.v1                 introspection        -                             ok        ',
  'io.containerd.tracing.processor.v1    otlp                 -                             skip      ',
  'io.containerd.grpc.v1                 cri                  linux/amd64                   ok        ',
  'io.containerd.snapshotter.v1          fuse-overlayfs       -                             ok        ',
  'io.containerd.snapshotter.v1          stargz               -                             error     ',
  '',
].join('\n')

describe('parsePluginList', () => {
  const plugins = parsePluginList(CTR_OUTPUT) as ContainerdPlugin[]

  it('reads every row', () => {
    expect(plugins).toHaveLength(19)
  })

  it('reads the four columns', () => {
    expect(plugins[0]).toEqual({ type: 'io.containerd.content.v1', id: 'content', platforms: [], status: 'ok' })
  })

  it('splits platforms at commas', () => {
    const task = plugins.find((plugin) => plugin.id === 'task')
    expect(task?.platforms).toEqual(['linux/amd64', 'linux/arm64/v8'])
  })

  it('keeps skip and error', () => {
    expect(findSnapshotterPlugin(plugins, 'aufs')?.status).toBe('skip')
    expect(findSnapshotterPlugin(plugins, 'devmapper')?.status).toBe('error')
  })

  it('finds proxy plugins by type', () => {
    expect(findSnapshotterPlugin(plugins, 'fuse-overlayfs')).toEqual({
      type: 'io.containerd.snapshotter.v1',
      id: 'fuse-overlayfs',
      platforms: [],
      status: 'ok',
    })
  })

  it('ignores other plugin types', () => {
    expect(findSnapshotterPlugin(plugins, 'cri')).toBeNull()
  })

  it('rejects output without header', () => {
    expect(parsePluginList('ctr: failed to dial "/run/user/1001/containerd/containerd.sock"\n')).toBeNull()
    expect(parsePluginList('')).toBeNull()
  })

  it('accepts an empty table', () => {
    expect(parsePluginList('TYPE    ID    PLATFORMS    STATUS    \n')).toEqual([])
  })

  it('skips malformed rows', () => {
    const text = [
      'TYPE                            ID           PLATFORMS      STATUS',
      'io.containerd.snapshotter.v1    native',
      'io.containerd.snapshotter.v1    overlayfs    linux/amd64    ok',
    ].join('\n')
    expect(parsePluginList(text)?.map((plugin) => plugin.id)).toEqual(['overlayfs'])
  })
})

describe('findUnloadedProxyPlugin', () => {
  const plugins = parsePluginList(CTR_OUTPUT) as ContainerdPlugin[]
  const file = '/home/alice/.config/containerd/config.toml'

  it('accepts a plugin listed ok', () => {
    expect(findUnloadedProxyPlugin('fuse-overlayfs', file, plugins)).toBeNull()
  })

  it('names an error status', () => {
    const problem = findUnloadedProxyPlugin('stargz', file, plugins)
    expect(problem).toContain('lists it as "error"')
    expect(problem).toContain(file)
    expect(problem).toBe(`containerd has not loaded proxy plugin "stargz" declared in ${file} (its plugin list lists it as "error")`)
  })

  it('names a missing plugin', () => {
    expect(findUnloadedProxyPlugin('nydus', file, plugins)).toContain('does not list it')
  })
})

function newCache(bypass = false): ProbeCache {
  return new ProbeCache({ file: null, uid: 1001, bootId: 'boot-1', bypass })
}

describe('plugin list cache', () => {
  const plugins = parsePluginList(CTR_OUTPUT) as ContainerdPlugin[]
  const containerd = { pid: 4242, startedAtMs: 1_700_000_000_000 }

  it('returns the stored list', () => {
    const cache = newCache()
    storePluginList(cache, containerd, plugins)
    expect(readCachedPluginList(cache, containerd)).toEqual(plugins)
  })

  it('allows start time jitter', () => {
    const cache = newCache()
    storePluginList(cache, containerd, plugins)
    expect(readCachedPluginList(cache, { pid: 4242, startedAtMs: containerd.startedAtMs + 20 })).toEqual(plugins)
  })

  it('rejects another pid', () => {
    const cache = newCache()
    storePluginList(cache, containerd, plugins)
    expect(readCachedPluginList(cache, { pid: 4243, startedAtMs: containerd.startedAtMs })).toBeNull()
  })

  it('rejects a reused pid', () => {
    const cache = newCache()
    storePluginList(cache, containerd, plugins)
    expect(readCachedPluginList(cache, { pid: 4242, startedAtMs: containerd.startedAtMs + 60_000 })).toBeNull()
  })

  it('returns nothing when bypassed', () => {
    const cache = newCache(true)
    storePluginList(cache, containerd, plugins)
    expect(readCachedPluginList(cache, containerd)).toBeNull()
  })

  it('returns nothing when empty', () => {
    expect(readCachedPluginList(newCache(), containerd)).toBeNull()
  })
})
