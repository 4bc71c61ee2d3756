import { describe, expect, it } from 'vitest'

import { foreignRuntimeDirUid, mapAddressToHost, type NamespaceDirs } from '../../src/proxy-address.js'

const ROOTLESS: NamespaceDirs = {
  rootless: true,
  runtimeDir: '/run/user/1001',
  dataHome: '/home/u/.local/share',
  configHome: '/home/u/.config',
}
const ROOTLESS_NO_RUNTIME_DIR: NamespaceDirs = { ...ROOTLESS, runtimeDir: null }
const ROOTFUL: NamespaceDirs = { rootless: false, runtimeDir: '/run', dataHome: '/root/.local/share', configHome: '/root/.config' }

describe('mapAddressToHost rootless', () => {
  it.each<[string, string | null]>([
    ['/run/containerd/x.sock', '/run/user/1001/containerd/x.sock'],
    ['unix:///run/containerd/x.sock', '/run/user/1001/containerd/x.sock'],
    ['/run/containerd/stargz/stargz.sock', '/run/user/1001/containerd/stargz/stargz.sock'],
    ['/run/containerd', '/run/user/1001/containerd'],
    ['/run/containerdx/y.sock', '/run/containerdx/y.sock'],
    ['/run/containerd-fuse-overlayfs.sock', '/run/containerd-fuse-overlayfs.sock'],
    ['/var/lib/containerd/fuse.sock', '/home/u/.local/share/containerd/fuse.sock'],
    ['/var/lib/containerd-x/fuse.sock', '/var/lib/containerd-x/fuse.sock'],
    ['/etc/containerd/s.sock', '/home/u/.config/containerd/s.sock'],
    ['/run/user/1001/containerd-fuse-overlayfs.sock', '/run/user/1001/containerd-fuse-overlayfs.sock'],
    ['unix:///run/user/1001/containerd-stargz-grpc/containerd-stargz-grpc.sock', '/run/user/1001/containerd-stargz-grpc/containerd-stargz-grpc.sock'],
    ['/tmp/snapshotter.sock', '/tmp/snapshotter.sock'],
  ])('%s', (address, expected) => {
    expect(mapAddressToHost(address, ROOTLESS)).toBe(expected)
  })
})

describe('mapAddressToHost without runtime dir', () => {
  it.each<[string, string | null]>([
    ['/run/containerd/x.sock', null],
    ['unix:///run/containerd/x.sock', null],
    ['/var/lib/containerd/fuse.sock', '/home/u/.local/share/containerd/fuse.sock'],
    ['/etc/containerd/s.sock', '/home/u/.config/containerd/s.sock'],
    ['/run/user/1001/x.sock', '/run/user/1001/x.sock'],
  ])('%s', (address, expected) => {
    expect(mapAddressToHost(address, ROOTLESS_NO_RUNTIME_DIR)).toBe(expected)
  })
})

describe('mapAddressToHost rootful', () => {
  it.each<[string, string]>([
    ['/run/containerd/x.sock', '/run/containerd/x.sock'],
    ['unix:///run/containerd-fuse-overlayfs.sock', '/run/containerd-fuse-overlayfs.sock'],
    ['/var/lib/containerd/fuse.sock', '/var/lib/containerd/fuse.sock'],
    ['/etc/containerd/s.sock', '/etc/containerd/s.sock'],
  ])('%s', (address, expected) => {
    expect(mapAddressToHost(address, ROOTFUL)).toBe(expected)
  })
})

describe('foreignRuntimeDirUid', () => {
  it.each<[string, number, number | null]>([
    ['/run/user/1000/containerd-fuse-overlayfs.sock', 1001, 1000],
    ['/run/user/1001/containerd-fuse-overlayfs.sock', 1001, null],
    ['/run/user/1000', 1001, 1000],
    ['/run/user/1000/', 1001, 1000],
    ['/run/user/10001/x.sock', 1001, 10001],
    ['/run/user/100/x.sock', 1001, 100],
    ['/run/user/abc/x.sock', 1001, null],
    ['/run/user/1000x/y.sock', 1001, null],
    ['/run/user/', 1001, null],
    ['/run/containerd/x.sock', 1001, null],
    ['/home/u/run/user/1000/x.sock', 1001, null],
    ['/run/user/0/x.sock', 1001, 0],
  ])('%s as uid %d', (hostPath, uid, expected) => {
    expect(foreignRuntimeDirUid(hostPath, uid)).toBe(expected)
  })
})
