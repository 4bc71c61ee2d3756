import { describe, expect, it } from 'vitest'

import type { RunFlagTable } from '../../src/argv/flags.js'
import { insertOptions, scanCommandLine, type CommandLine } from '../../src/argv/scan.js'

type Case = [args: string[], expected: Partial<CommandLine>]

function check([args, expected]: Case): void {
  expect(scanCommandLine(args)).toMatchObject(expected)
}

describe('scanCommandLine without a subcommand', () => {
  it.each<Case>([
    [[], { globals: [], command: [], kind: 'none', insertAt: -1, image: null, imageIndex: -1, containerArgsAt: -1 }],
    [['--version'], { globals: ['--version'], kind: 'none', version: true, help: false }],
    [['-v'], { kind: 'none', version: true }],
    [['--help'], { kind: 'none', help: true }],
    [['-h'], { kind: 'none', help: true }],
    [['--debug'], { globals: ['--debug'], kind: 'none' }],
    [['-n'], { kind: 'none', namespace: null }],
    [['-n', 'k8s.io'], { globals: ['-n', 'k8s.io'], kind: 'none', namespace: 'k8s.io' }],
    [['--'], { globals: ['--'], kind: 'none', insertAt: -1 }],
    [['--', 'run'], { kind: 'none', command: [], insertAt: -1, image: null }],
  ])('%j', (...entry) => check(entry))
})

describe('scanCommandLine subcommand paths', () => {
  it.each<Case>([
    [['run', 'alpine'], { command: ['run'], kind: 'run', insertAt: 1, image: 'alpine', imageIndex: 1 }],
    [['container', 'run', 'alpine'], { command: ['container', 'run'], kind: 'run', insertAt: 2, imageIndex: 2 }],
    [['create', 'alpine'], { command: ['create'], kind: 'create', insertAt: 1, imageIndex: 1 }],
    [['container', 'create', 'alpine'], { command: ['container', 'create'], kind: 'create', insertAt: 2 }],
    [['pull', 'alpine'], { command: ['pull'], kind: 'pull', image: 'alpine', imageIndex: 1, containerArgsAt: -1 }],
    [['image', 'pull', 'alpine'], { command: ['image', 'pull'], kind: 'pull', imageIndex: 2 }],
    [['build', '.'], { command: ['build'], kind: 'build', image: null, imageIndex: -1 }],
    [['builder', 'build', '.'], { command: ['builder', 'build'], kind: 'build', insertAt: 2 }],
    [['image', 'build', '.'], { command: ['image', 'build'], kind: 'build' }],
    [['builder'], { command: ['builder'], kind: 'builder', insertAt: 1 }],
    [['builder', 'prune'], { command: ['builder', 'prune'], kind: 'builder', insertAt: 2 }],
    [['builder', 'debug', '.'], { command: ['builder', 'debug'], kind: 'builder' }],
    [['compose', 'run', 'web'], { command: ['compose', 'run'], kind: 'other', image: null }],
    [['compose', '-f', 'x.yml', 'run', 'web'], { command: ['compose', 'run'], kind: 'other', insertAt: 4 }],
    [['container'], { command: ['container'], kind: 'other', insertAt: 1 }],
    [['container', 'ls'], { command: ['container', 'ls'], kind: 'other' }],
    [['ns', 'ls'], { command: ['ns', 'ls'], kind: 'other' }],
    [['ipfs', 'registry', 'serve'], { command: ['ipfs', 'registry', 'serve'], insertAt: 3 }],
    [['ps', '-a'], { command: ['ps'], kind: 'other', insertAt: 1 }],
    [['help'], { command: ['help'], kind: 'other', insertAt: 1, help: true }],
    [['help', 'run'], { command: ['help'], kind: 'other', help: true, image: null }],
    [['completion', 'bash'], { command: ['completion', 'bash'], kind: 'completion' }],
    [['container', '--namespace', 'x', 'run', 'alpine'], { command: ['container', 'run'], insertAt: 4, imageIndex: 4 }],
    [['run'], { kind: 'run', insertAt: 1, image: null, imageIndex: -1, containerArgsAt: -1 }],
  ])('%j', (...entry) => check(entry))
})

describe('scanCommandLine global flags', () => {
  it.each<Case>([
    [['-n', 'k8s.io', 'run', 'alpine'], { globals: ['-n', 'k8s.io'], namespace: 'k8s.io', insertAt: 3, imageIndex: 3 }],
    [['--namespace=x', 'run', 'alpine'], { globals: ['--namespace=x'], namespace: 'x', insertAt: 2 }],
    [['-nk8s.io', 'run', 'alpine'], { namespace: 'k8s.io', insertAt: 2 }],
    [['-n=k8s.io', 'run', 'alpine'], { namespace: 'k8s.io', insertAt: 2 }],
    [['--n', 'x', 'run', 'alpine'], { namespace: 'x', insertAt: 3 }],
    [['run', '--namespace', 'foo', 'alpine'], { namespace: 'foo', image: 'alpine' }],
    [['run', '-n', 'foo', 'alpine'], { namespace: null, image: 'foo', imageIndex: 2 }],
    [['-a', '/tmp/c.sock', 'run', 'alpine'], { globals: ['-a', '/tmp/c.sock'], insertAt: 3 }],
    [['-H', 'unix:///tmp/c.sock', 'run', 'alpine'], { insertAt: 3, imageIndex: 3 }],
    [['--host', 'unix:///tmp/c.sock', 'pull', 'alpine'], { kind: 'pull', insertAt: 3 }],
    [['--address=/tmp/c.sock', 'run', 'alpine'], { insertAt: 2 }],
    [['--debug', '--cgroup-manager', 'cgroupfs', 'run', 'alpine'], { insertAt: 4 }],
    [['--insecure-registry', 'pull', 'alpine'], { kind: 'pull', insertAt: 2 }],
    [['-n', 'run', 'run', 'alpine'], { namespace: 'run', command: ['run'], insertAt: 3 }],
    [['--unknown', 'run', 'alpine'], { kind: 'run', insertAt: 2 }],
    [['--unknown=x', 'run', 'alpine'], { kind: 'run', insertAt: 2 }],
    [['--', 'run', 'alpine'], { globals: ['--', 'run'], command: ['alpine'], kind: 'other' }],
    [['--', 'container', 'run', 'alpine'], { command: ['run'], kind: 'run', insertAt: 3, imageIndex: 3 }],
  ])('%j', (...entry) => check(entry))
})

describe('scanCommandLine run flags', () => {
  it.each<Case>([
    [['run', '-it', '--rm', 'alpine', 'sh'], { image: 'alpine', imageIndex: 3, containerArgsAt: 4 }],
    [['run', '-a', 'stdout', 'alpine'], { image: 'alpine', imageIndex: 3 }],
    [['create', '-a', 'stdout', 'alpine'], { image: 'stdout', imageIndex: 2 }],
    [['run', '-h', 'myhost', 'alpine'], { image: 'alpine', help: false }],
    [['run', '--rm', 'false'], { image: 'false', imageIndex: 2 }],
    [['run', '--rm=false', 'alpine'], { image: 'alpine', imageIndex: 2 }],
    [['run', '-e', '-x', 'alpine'], { image: 'alpine', imageIndex: 3 }],
    [['run', '--env', '--rm', 'alpine'], { image: 'alpine', imageIndex: 3 }],
    [['run', '-itd', 'alpine'], { image: 'alpine', imageIndex: 2 }],
    [['run', '-dp', '80:80', 'alpine'], { image: 'alpine', imageIndex: 3 }],
    [['run', '-p80:80', 'alpine'], { image: 'alpine', imageIndex: 2 }],
    [['run', '-p=80:80', 'alpine'], { image: 'alpine', imageIndex: 2 }],
    [['run', '-d=false', 'alpine'], { image: 'alpine', imageIndex: 2 }],
    [['run', '-itp', '80:80', 'alpine'], { image: 'alpine', imageIndex: 3 }],
    [['run', '-ite', 'A=1', 'alpine'], { image: 'alpine', imageIndex: 3 }],
    [['run', '--net', 'host', 'alpine'], { networks: ['host'], image: 'alpine' }],
    [['run', '--network=a,b', '--net', 'c', 'alpine'], { networks: ['a', 'b', 'c'] }],
    [['run', '--network=', 'alpine'], { networks: [] }],
    [['run', 'alpine', '--network', 'host'], { networks: [], containerArgsAt: 2 }],
    [['build', '--network', 'host', '.'], { networks: [] }],
    [['run', '--', 'alpine', 'sh'], { image: 'alpine', imageIndex: 2, containerArgsAt: 3 }],
    [['run', '-it', '--', '-x'], { image: '-x', imageIndex: 3 }],
    [['run', '--'], { image: null, imageIndex: -1 }],
    [['run', '--unknown', 'alpine'], { image: 'alpine', imageIndex: 2 }],
    [['run', '--unknown=x', 'alpine'], { image: 'alpine', imageIndex: 2 }],
    [['run', '--unknown', 'x', 'alpine'], { image: 'x', imageIndex: 2 }],
    [['run', '-'], { image: '-', imageIndex: 1 }],
    [['run', ''], { image: '', imageIndex: 1 }],
    [['run', '-it'], { image: null, imageIndex: -1 }],
    [['run', '-e'], { image: null, imageIndex: -1 }],
    [['pull', '--platform', 'amd64', 'alpine'], { image: 'alpine', imageIndex: 3 }],
    [['pull', '-q', 'alpine'], { image: 'alpine', imageIndex: 2 }],
  ])('%j', (...entry) => check(entry))
})

describe('scanCommandLine help', () => {
  it.each<Case>([
    [['run', '--help'], { help: true, image: null }],
    [['run', '--help=false', 'alpine'], { help: false }],
    [['run', 'alpine', '--help'], { help: false, containerArgsAt: 2 }],
    [['run', '--', '--help'], { help: false, image: '--help' }],
    [['-h', 'run', 'alpine'], { help: true, kind: 'run' }],
    [['pull', '-h'], { help: true }],
    [['pull', 'alpine', '--help'], { help: true, image: 'alpine' }],
    [['images', '-h'], { help: true, kind: 'other' }],
    [['exec', 'c1', 'sh', '--help'], { help: false }],
    [['build', '--', '--help'], { help: false }],
  ])('%j', (...entry) => check(entry))
})

// The user already chose a snapshotter: every spelling counts, before or
// after the subcommand, but never a word that belongs to the container.
describe('scanCommandLine snapshotter', () => {
  it.each<Case>([
    [['--snapshotter=native', 'run', 'alpine'], { snapshotter: 'native', insertAt: 2 }],
    [['--snapshotter', 'native', 'run', 'alpine'], { snapshotter: 'native', insertAt: 3 }],
    [['--storage-driver', 'native', 'run', 'alpine'], { snapshotter: 'native', insertAt: 3 }],
    [['--storage-driver=native', 'run', 'alpine'], { snapshotter: 'native' }],
    [['run', '--snapshotter=native', 'alpine'], { snapshotter: 'native', imageIndex: 2 }],
    [['run', '--snapshotter', 'native', 'alpine'], { snapshotter: 'native', imageIndex: 3 }],
    [['run', '--storage-driver', 'native', 'alpine'], { snapshotter: 'native', imageIndex: 3 }],
    [['container', 'create', '--storage-driver=native', 'alpine'], { snapshotter: 'native' }],
    [['run', 'alpine', '--snapshotter', 'x'], { snapshotter: null }],
    [['run', 'alpine', 'sh', '-c', '--snapshotter=x'], { snapshotter: null }],
    [['run', '--', '--snapshotter=x'], { snapshotter: null, image: '--snapshotter=x' }],
    [['run', '-e', '--snapshotter=x', 'alpine'], { snapshotter: null, image: 'alpine' }],
    [['--snapshotter=a', 'run', '--snapshotter=b', 'alpine'], { snapshotter: 'b' }],
    [['--snapshotter=', 'run', 'alpine'], { snapshotter: '' }],
    [['run', '--snapshotter'], { snapshotter: null }],
    [['pull', '--snapshotter', 'native', 'alpine'], { snapshotter: 'native' }],
    [['pull', 'alpine', '--snapshotter', 'native'], { snapshotter: 'native' }],
    [['pull', '--', 'alpine', '--snapshotter=x'], { snapshotter: null, image: 'alpine' }],
    [['images', '--snapshotter', 'native'], { snapshotter: 'native' }],
    [['exec', 'c1', 'sh', '--snapshotter=x'], { snapshotter: null }],
    [['--snapshotter', 'stargz'], { kind: 'none', snapshotter: 'stargz' }],
  ])('%j', (...entry) => check(entry))
})

// A bypass4netns value the user gave must win over the wrapper's default.
describe('scanCommandLine bypass4netns', () => {
  it.each<Case>([
    [['run', '--label', 'nerdctl/bypass4netns=false', 'alpine'], { bypass4netns: 'false' }],
    [['run', '--annotation=nerdctl/bypass4netns', 'alpine'], { bypass4netns: '' }],
    [['run', '-l', 'nerdctl/bypass4netns=0', 'alpine'], { bypass4netns: '0' }],
    [['run', '-lnerdctl/bypass4netns=1', 'alpine'], { bypass4netns: '1' }],
    [['run', '-itl', 'nerdctl/bypass4netns=1', 'alpine'], { bypass4netns: '1', imageIndex: 3 }],
    [['run', '--label=nerdctl/bypass4netns=true', 'alpine'], { bypass4netns: 'true' }],
    [['run', '--annotation', 'nerdctl/bypass4netns=true', '--label', 'nerdctl/bypass4netns=false', 'x'], { bypass4netns: 'false' }],
    [['create', '--annotation', 'nerdctl/bypass4netns=false', 'alpine'], { bypass4netns: 'false' }],
    [['run', '--label', 'foo=bar', 'alpine'], { bypass4netns: null }],
    [['run', '--label', 'nerdctl/bypass4netnsd=1', 'alpine'], { bypass4netns: null }],
    [['run', '-e', 'nerdctl/bypass4netns=1', 'alpine'], { bypass4netns: null }],
    [['run', 'alpine', '--label', 'nerdctl/bypass4netns=false'], { bypass4netns: null }],
    [['build', '--label', 'nerdctl/bypass4netns=false', '.'], { bypass4netns: null }],
  ])('%j', (...entry) => check(entry))
})

describe('scanCommandLine buildkit host', () => {
  it.each<Case>([
    [['build', '--buildkit-host', 'unix:///tmp/b.sock', '.'], { buildkitHost: 'unix:///tmp/b.sock' }],
    [['builder', 'build', '.', '--buildkit-host=unix:///tmp/b.sock'], { buildkitHost: 'unix:///tmp/b.sock' }],
    [['builder', 'prune', '--buildkit-host=unix:///tmp/b.sock'], { kind: 'builder', buildkitHost: 'unix:///tmp/b.sock' }],
    [['build', '-t', '--buildkit-host', '.'], { buildkitHost: null }],
    [['run', '--buildkit-host', 'x', 'alpine'], { buildkitHost: null, image: 'x' }],
  ])('%j', (...entry) => check(entry))
})

describe('scanCommandLine completion requests', () => {
  it('scans the line being completed', () => {
    const line = scanCommandLine(['__complete', 'run', '-it', '--net', ''])

    expect(line.kind).toBe('completion')
    expect(line.command).toEqual(['__complete'])
    expect(line.insertAt).toBe(1)
    expect(line.completing?.kind).toBe('run')
    expect(line.completing?.networks).toEqual([])
    expect(line.completing?.image).toBe(null)
  })

  it('counts nested indices from after __completeNoDesc', () => {
    const line = scanCommandLine(['__completeNoDesc', '-n', 'k8s.io', 'run', 'al'])

    expect(line.kind).toBe('completion')
    expect(line.namespace).toBe(null)
    expect(line.completing?.namespace).toBe('k8s.io')
    expect(line.completing?.image).toBe('al')
    expect(line.completing?.imageIndex).toBe(3)
  })

  it('leaves completing unset for completion scripts', () => {
    expect(scanCommandLine(['completion', 'bash']).completing).toBeUndefined()
  })

  it('keeps globals before __complete', () => {
    const line = scanCommandLine(['--namespace=x', '__complete', 'ps', ''])

    expect(line.globals).toEqual(['--namespace=x'])
    expect(line.namespace).toBe('x')
    expect(line.completing?.command).toEqual(['ps'])
  })
})

describe('scanCommandLine with a flag table', () => {
  const table: RunFlagTable = [
    { name: 'extra', short: 'x', takesValue: true },
    { name: 'tty', short: 't', takesValue: false },
  ]

  it('follows the given table for run', () => {
    expect(scanCommandLine(['run', '-tx', 'v', 'alpine'], table).imageIndex).toBe(3)
  })

  it('follows the given table for create', () => {
    expect(scanCommandLine(['create', '--extra', 'v', 'alpine'], table).imageIndex).toBe(3)
  })

  it('reads flags missing from the table as booleans', () => {
    expect(scanCommandLine(['run', '-e', 'A=1', 'alpine'], table).image).toBe('A=1')
  })

  it('still reads long global flags', () => {
    expect(scanCommandLine(['run', '--snapshotter', 'native', 'alpine'], table).snapshotter).toBe('native')
  })
})

describe('insertOptions', () => {
  it('inserts right after the subcommand path', () => {
    const args = ['-n', 'x', 'container', 'run', '-it', 'alpine', 'sh']
    const options = ['--annotation', 'nerdctl/bypass4netns=true']

    expect(insertOptions(args, scanCommandLine(args), options)).toEqual([
      '-n', 'x', 'container', 'run', '--annotation', 'nerdctl/bypass4netns=true', '-it', 'alpine', 'sh',
    ])
  })

  it('leaves its input unchanged', () => {
    const args = ['run', 'alpine']
    insertOptions(args, scanCommandLine(args), ['--rm'])

    expect(args).toEqual(['run', 'alpine'])
  })

  it('rejects a line with no subcommand', () => {
    const args = ['--version']

    expect(() => insertOptions(args, scanCommandLine(args), ['--rm'])).toThrow(RangeError)
  })
})
