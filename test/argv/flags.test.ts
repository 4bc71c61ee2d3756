import { describe, expect, it } from 'vitest'

import {
  buildFlags,
  commandFlags,
  commandGroups,
  commandKinds,
  createFlags,
  globalFlags,
  nerdctlSource,
  nonInterspersedCommands,
  pullFlags,
  runFlags,
  type Flag,
  type FlagTable,
} from '../../src/argv/flags.js'

function find(table: FlagTable, name: string): Flag | undefined {
  return table.find((flag) => flag.name === name)
}

function findShort(table: FlagTable, short: string): Flag | undefined {
  return table.find((flag) => flag.short === short)
}

const tables: [string, FlagTable][] = [
  ['global', globalFlags],
  ['run', runFlags],
  ['create', createFlags],
  ['pull', pullFlags],
  ['build', buildFlags],
  ...Object.entries(commandFlags),
]

describe('flag tables', () => {
  it.each(tables)('%s has unique long names', (_, table) => {
    const names = table.map((flag) => flag.name)

    expect(new Set(names).size).toBe(names.length)
  })

  it.each(tables)('%s has unique one-letter shorthands', (_, table) => {
    const shorts = table.flatMap((flag) => (flag.short === undefined ? [] : [flag.short]))

    expect(new Set(shorts).size).toBe(shorts.length)
    expect(shorts.every((short) => short.length === 1)).toBe(true)
  })

  it.each(tables)('%s names carry no dashes in front', (_, table) => {
    expect(table.every((flag) => !flag.name.startsWith('-'))).toBe(true)
  })

  it('names the nerdctl release it was read from', () => {
    expect(nerdctlSource.version).toMatch(/^v\d+\.\d+\.\d+$/)
    expect(nerdctlSource.commit).toMatch(/^[0-9a-f]{40}$/)
  })
})

describe('global flags', () => {
  it.each(['address', 'host', 'a', 'H', 'namespace', 'n', 'snapshotter', 'storage-driver', 'cni-path',
    'cni-netconfpath', 'data-root', 'cgroup-manager', 'hosts-dir', 'host-gateway-ip', 'bridge-ip',
    'cdi-spec-dirs', 'userns-remap', 'global-dns', 'global-dns-opts', 'global-dns-search'])('%s takes a value', (name) => {
    expect(find(globalFlags, name)?.takesValue).toBe(true)
  })

  it.each(['debug', 'debug-full', 'insecure-registry', 'experimental', 'kube-hide-dupe',
    'selinux-enabled', 'help', 'version'])('%s is boolean', (name) => {
    expect(find(globalFlags, name)?.takesValue).toBe(false)
  })

  it.each([['a', 'address'], ['H', 'address'], ['n', 'namespace']])('-%s is root only, alias of %s', (short, target) => {
    const flag = globalFlags.find((entry) => entry.short === short)

    expect(flag?.rootOnly).toBe(true)
    expect(flag?.aliasOf).toBe(target)
  })

  it.each([['host', 'address'], ['storage-driver', 'snapshotter']])('--%s is an alias of --%s', (name, target) => {
    expect(globalFlags.find((flag) => flag.name === name)?.aliasOf).toBe(target)
  })

  it('keeps long spellings usable after the subcommand', () => {
    const persistent = globalFlags.filter((flag) => flag.rootOnly !== true).map((flag) => flag.name)

    expect(persistent).toEqual(expect.arrayContaining(['address', 'host', 'namespace', 'snapshotter', 'storage-driver']))
  })
})

describe('run and create flags', () => {
  it.each([['e', 'env'], ['v', 'volume'], ['p', 'publish'], ['w', 'workdir'], ['u', 'user'], ['h', 'hostname'],
    ['a', 'attach'], ['l', 'label'], ['m', 'memory']])('-%s is --%s and takes a value', (short, name) => {
    expect(findShort(runFlags, short)?.name).toBe(name)
    expect(findShort(runFlags, short)?.takesValue).toBe(true)
  })

  it.each([['t', 'tty'], ['i', 'interactive'], ['d', 'detach'], ['q', 'quiet'], ['P', 'publish-all']])(
    '-%s is boolean --%s',
    (short, name) => {
      expect(findShort(runFlags, short)?.name).toBe(name)
      expect(findShort(runFlags, short)?.takesValue).toBe(false)
    },
  )

  it.each(['rm', 'init', 'privileged', 'read-only', 'rootfs', 'oom-kill-disable', 'no-healthcheck', 'sig-proxy',
    'help'])('--%s is boolean', (name) => {
    expect(find(runFlags, name)?.takesValue).toBe(false)
  })

  it.each(['network', 'net', 'annotation', 'label', 'systemd', 'cpus', 'gpus', 'mount', 'name'])('--%s takes a value', (name) => {
    expect(find(runFlags, name)?.takesValue).toBe(true)
  })

  it('has no -h for help', () => {
    expect(find(runFlags, 'help')?.short).toBeUndefined()
  })

  it('gives create all run flags but --detach and --attach', () => {
    const runOnly = runFlags.filter((flag) => !createFlags.includes(flag)).map((flag) => flag.name)

    expect(runOnly).toEqual(['detach', 'attach'])
  })
})

describe('command data', () => {
  it.each(['run', 'container run', 'create', 'container create'])('%s stops at its first argument', (path) => {
    expect(nonInterspersedCommands).toContain(path)
  })

  it.each([['run', 'run'], ['container run', 'run'], ['image pull', 'pull'], ['builder build', 'build'],
    ['image build', 'build'], ['builder', 'builder'], ['__complete', 'completion']])('%s is %s', (path, kind) => {
    expect(commandKinds.find((entry) => entry.path === path)?.kind).toBe(kind)
  })

  it('leaves compose out of the kinds', () => {
    expect(commandKinds.some((entry) => entry.path.startsWith('compose'))).toBe(false)
  })

  it.each(['container', 'image', 'builder', 'compose'])('%s is a group', (group) => {
    expect(commandGroups).toContain(group)
  })
})
