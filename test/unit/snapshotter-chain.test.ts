import { describe, expect, it } from 'vitest'

import type { OverlayRulesVerdict } from '../../src/kernel.js'
import type { OverlayMountResult } from '../../src/overlay-test.js'
import {
  DEFAULT_CHAIN,
  firstUsable,
  judgeCandidate,
  parseChain,
  type Candidate,
  type CandidateFacts,
  type ProxyCandidateFacts,
} from '../../src/snapshotter-chain.js'

const RULES_YES: OverlayRulesVerdict = { allowed: true, reason: 'kernel 6.1.0 is 5.13 or later' }
const RULES_NO: OverlayRulesVerdict = { allowed: false, reason: 'kernel 4.19.0-21-amd64 is older than 5.11 and not an Ubuntu kernel' }
const RULES_UNKNOWN: OverlayRulesVerdict = { allowed: null, reason: 'kernel release "garbage" is unreadable' }

const MOUNT_OK: OverlayMountResult = { ran: true, ok: true, detail: 'overlay mount in /home/u/.local/share succeeded', testDir: '/t' }
const MOUNT_FAILED: OverlayMountResult = { ran: true, ok: false, detail: 'overlay mount in /home/u/.local/share failed: permission denied', testDir: '/t' }
const MOUNT_NOT_RUN: OverlayMountResult = { ran: false, ok: false, detail: 'unshare not found on PATH', testDir: null }

function overlay(rootless: boolean, rules: OverlayRulesVerdict, mount: OverlayMountResult | null): CandidateFacts {
  return { kind: 'overlayfs', rootless, rules, mount }
}

describe('judgeCandidate native and overlayfs', () => {
  it.each<[string, CandidateFacts, Candidate]>([
    ['native', { kind: 'native' }, { name: 'native', usable: true, reason: 'native works on every host (copies, no overlay)' }],
    ['overlayfs rootful', overlay(false, RULES_NO, null), { name: 'overlayfs', usable: true, reason: 'rootful: the kernel overlay needs no user namespace' }],
    ['overlayfs rules forbid', overlay(true, RULES_NO, MOUNT_OK), { name: 'overlayfs', usable: false, reason: RULES_NO.reason }],
    ['rules allow, no mount test', overlay(true, RULES_YES, null), { name: 'overlayfs', usable: true, reason: `${RULES_YES.reason} (mount test: not run)` }],
    [
      'rules allow, mount test could not run',
      overlay(true, RULES_YES, MOUNT_NOT_RUN),
      { name: 'overlayfs', usable: true, reason: `${RULES_YES.reason} (mount test: unshare not found on PATH)` },
    ],
    [
      'rules unknown, no mount test',
      overlay(true, RULES_UNKNOWN, null),
      { name: 'overlayfs', usable: false, reason: `${RULES_UNKNOWN.reason}, and the mount test could not run: not run` },
    ],
    [
      'rules unknown, mount test could not run',
      overlay(true, RULES_UNKNOWN, MOUNT_NOT_RUN),
      { name: 'overlayfs', usable: false, reason: `${RULES_UNKNOWN.reason}, and the mount test could not run: unshare not found on PATH` },
    ],
    ['rules allow, mount ok', overlay(true, RULES_YES, MOUNT_OK), { name: 'overlayfs', usable: true, reason: `${RULES_YES.reason}; ${MOUNT_OK.detail}` }],
    ['rules unknown, mount ok', overlay(true, RULES_UNKNOWN, MOUNT_OK), { name: 'overlayfs', usable: true, reason: `${RULES_UNKNOWN.reason}; ${MOUNT_OK.detail}` }],
    ['rules allow, mount failed', overlay(true, RULES_YES, MOUNT_FAILED), { name: 'overlayfs', usable: false, reason: MOUNT_FAILED.detail }],
    ['rules unknown, mount failed', overlay(true, RULES_UNKNOWN, MOUNT_FAILED), { name: 'overlayfs', usable: false, reason: MOUNT_FAILED.detail }],
  ])('%s', (_name, facts, expected) => {
    expect(judgeCandidate(facts)).toEqual(expected)
  })
})

function proxy(overrides: Partial<ProxyCandidateFacts>): ProxyCandidateFacts {
  return {
    kind: 'proxy',
    wanted: 'fuse-overlayfs',
    name: 'fuse-overlayfs',
    declaredIn: '/home/u/.config/containerd/config.toml',
    hostAddress: '/run/user/1001/containerd-fuse-overlayfs.sock',
    problem: null,
    socket: { alive: true, reason: '/run/user/1001/containerd-fuse-overlayfs.sock answers HTTP/2 (gRPC)' },
    fuse: null,
    ...overrides,
  }
}

const FUSE_OK = { kernel: { allowed: true, reason: 'kernel 5.4.0 is 4.18 or later' }, device: { usable: true, reason: '/dev/fuse opens read-write' } }

describe('judgeCandidate proxy', () => {
  it.each<[string, ProxyCandidateFacts, Candidate]>([
    [
      'live socket',
      proxy({}),
      {
        name: 'fuse-overlayfs',
        usable: true,
        reason: 'proxy plugin "fuse-overlayfs" from /home/u/.config/containerd/config.toml: /run/user/1001/containerd-fuse-overlayfs.sock answers HTTP/2 (gRPC)',
      },
    ],
    ['key name wins over wanted', proxy({ name: 'fuse' }), expect.objectContaining({ name: 'fuse', usable: true }) as Candidate],
    ['no plugin uses wanted name', proxy({ name: null, problem: 'no proxy plugin "fuse-overlayfs"' }), { name: 'fuse-overlayfs', usable: false, reason: 'no proxy plugin "fuse-overlayfs"' }],
    ['problem beats a live socket', proxy({ problem: 'changed after containerd started' }), { name: 'fuse-overlayfs', usable: false, reason: 'changed after containerd started' }],
    [
      'kernel too old for FUSE',
      proxy({ fuse: { ...FUSE_OK, kernel: { allowed: false, reason: 'kernel 4.14.336 is older than 4.18' } } }),
      { name: 'fuse-overlayfs', usable: false, reason: 'kernel 4.14.336 is older than 4.18' },
    ],
    [
      'no /dev/fuse',
      proxy({ fuse: { ...FUSE_OK, device: { usable: false, reason: '/dev/fuse cannot be opened read-write (ENOENT)' } } }),
      { name: 'fuse-overlayfs', usable: false, reason: '/dev/fuse cannot be opened read-write (ENOENT)' },
    ],
    ['FUSE kernel unknown goes on', proxy({ fuse: { ...FUSE_OK, kernel: { allowed: null, reason: 'unreadable' } } }), expect.objectContaining({ usable: true }) as Candidate],
    ['FUSE fine, live socket', proxy({ fuse: FUSE_OK }), expect.objectContaining({ usable: true }) as Candidate],
    ['socket not probed', proxy({ socket: null }), { name: 'fuse-overlayfs', usable: null, reason: 'socket not probed' }],
    [
      'dead socket',
      proxy({ socket: { alive: false, reason: '/run/user/1001/containerd-fuse-overlayfs.sock refuses connections' } }),
      { name: 'fuse-overlayfs', usable: false, reason: '/run/user/1001/containerd-fuse-overlayfs.sock refuses connections' },
    ],
  ])('%s', (_name, facts, expected) => {
    expect(judgeCandidate(facts)).toEqual(expected)
  })
})

describe('firstUsable', () => {
  const unusable: Candidate = { name: 'stargz', usable: false, reason: 'no plugin' }
  const unknown: Candidate = { name: 'overlayfs', usable: null, reason: 'not checked' }
  const fuse: Candidate = { name: 'fuse-overlayfs', usable: true, reason: 'live' }
  const native: Candidate = { name: 'native', usable: true, reason: 'always' }

  it.each<[string, Candidate[], Candidate | null]>([
    ['empty', [], null],
    ['none usable', [unusable, unknown], null],
    ['skips false and null', [unusable, unknown, fuse, native], fuse],
    ['first of two', [native, fuse], native],
  ])('%s', (_name, candidates, expected) => {
    expect(firstUsable(candidates)).toBe(expected)
  })
})

describe('parseChain', () => {
  it.each<[string, string | readonly unknown[], ReturnType<typeof parseChain>]>([
    ['comma list', 'overlayfs,native', { chain: ['overlayfs', 'native'] }],
    ['spaces trimmed', ' stargz , overlayfs ,native ', { chain: ['stargz', 'overlayfs', 'native'] }],
    ['one name', 'native', { chain: ['native'] }],
    ['duplicates dropped', 'overlayfs,native,overlayfs,native', { chain: ['overlayfs', 'native'] }],
    ['array', ['fuse-overlayfs', 'native'], { chain: ['fuse-overlayfs', 'native'] }],
    ['array duplicates', ['native', 'native'], { chain: ['native'] }],
    ['dots and underscores', 'my.snap_shotter-2', { chain: ['my.snap_shotter-2'] }],
    ['empty array', [], { error: 'empty snapshotter list' }],
    ['empty string', '', { error: 'invalid snapshotter name ""' }],
    ['trailing comma', 'overlayfs,', { error: 'invalid snapshotter name ""' }],
    ['space inside', 'over lay', { error: 'invalid snapshotter name "over lay"' }],
    ['leading dash', '-native', { error: 'invalid snapshotter name "-native"' }],
    ['slash', 'a/b', { error: 'invalid snapshotter name "a/b"' }],
    ['semicolon', 'native;rm', { error: 'invalid snapshotter name "native;rm"' }],
    ['array of numbers', [1], { error: 'invalid snapshotter name 1' }],
    ['array with null', ['native', null], { error: 'invalid snapshotter name null' }],
  ])('%s', (_name, value, expected) => {
    expect(parseChain(value)).toEqual(expected)
  })
})

describe('DEFAULT_CHAIN', () => {
  it('order', () => {
    expect(DEFAULT_CHAIN).toEqual(['stargz', 'overlayfs', 'fuse-overlayfs', 'native'])
  })

  it('parses as itself', () => {
    expect(parseChain(DEFAULT_CHAIN)).toEqual({ chain: [...DEFAULT_CHAIN] })
  })
})
