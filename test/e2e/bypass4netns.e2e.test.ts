// bypass4netns, end to end: with a listener standing in for bypass4netnsd
// at $XDG_RUNTIME_DIR/bypass4netnsd.sock, rnerdctl adds the option that the
// installed nerdctl understands to run and create, right after the
// subcommand, and leaves every other command line alone.
import { chmodSync, copyFileSync, rmSync, utimesSync } from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest'

import {
  cleanUpHarness,
  describeE2E,
  getE2E,
  makeRecordDir,
  makeStaleSocket,
  makeUserTempDir,
  readRecords,
  runAsUser,
  startListener,
  type Listener,
} from './harness.js'
import { clearProductState, isProbe, runWithStandIn, standInPath, type Variables } from './product.js'

afterAll(cleanUpHarness)

const LABEL = ['--label', 'nerdctl/bypass4netns=true']
const ANNOTATION = ['--annotation', 'nerdctl/bypass4netns=true']

function bypass4netnsdSocket(): string {
  return path.join(getE2E().runtimeDir, 'bypass4netnsd.sock')
}

// Copies the stand-in to a new directory. rnerdctl caches nerdctl's version
// by the binary's path, size and mtime, so each copy is probed again.
function copyStandIn(): string {
  const copy = path.join(makeUserTempDir('rnerdctl-e2e-nerdctl-'), 'nerdctl')
  copyFileSync(getE2E().nerdctlPath, copy)
  chmodSync(copy, 0o755)
  return copy
}

// Runs rnerdctl with `nerdctl` first on PATH and STANDIN_VERSION set to
// `version`, and checks that nerdctl ran once and rnerdctl exited 0.
async function runWith(nerdctl: string, version: string, args: string[], extra: Variables = {}) {
  const { result, records, calls } = await runWithStandIn(args, { nerdctlPath: nerdctl, env: { STANDIN_VERSION: version, ...extra } })
  expect(calls, result.stderr).toHaveLength(1)
  expect(result.code).toBe(0)
  return { result, records, args: calls[0]!.args }
}

function countOf(words: readonly string[], word: string): number {
  return words.filter((entry) => entry === word).length
}

describeE2E('bypass4netns with bypass4netnsd running', () => {
  let listener: Listener

  beforeAll(async () => {
    listener = await startListener('answer', bypass4netnsdSocket())
  })

  afterAll(async () => {
    await listener.stop()
  })

  beforeEach(clearProductState)

  const versions: [string, string[]][] = [
    ['1.7.6', LABEL],
    ['2.0.0-beta.3', ANNOTATION],
    ['2.1.0', ANNOTATION],
  ]

  for (const [version, option] of versions) {
    it(`adds ${option[0]} for nerdctl ${version}`, async () => {
      const nerdctl = copyStandIn()
      const { args, records } = await runWith(nerdctl, version, ['run', '--rm', 'alpine', 'echo', 'hi'])

      expect(args).toEqual(['run', ...option, '--rm', 'alpine', 'echo', 'hi'])
      expect(records.some((record) => record.args.join(' ') === '--version')).toBe(true)
    })
  }

  const placements: [string, string[], string[]][] = [
    ['container run', ['container', 'run', '-d', 'nginx'], ['container', 'run', ...ANNOTATION, '-d', 'nginx']],
    ['create', ['create', '--name', 'web', 'nginx'], ['create', ...ANNOTATION, '--name', 'web', 'nginx']],
    ['container create', ['container', 'create', 'nginx'], ['container', 'create', ...ANNOTATION, 'nginx']],
    [
      'global flags first',
      ['--namespace', 'k8s.io', '--debug', 'run', '-it', 'alpine'],
      ['--namespace', 'k8s.io', '--debug', 'run', ...ANNOTATION, '-it', 'alpine'],
    ],
  ]

  for (const [name, typed, expected] of placements) {
    it(`inserts after the subcommand for ${name}`, async () => {
      const { args } = await runWith(copyStandIn(), '2.1.0', typed)

      expect(args).toEqual(expected)
    })
  }

  it('never inserts after the image', async () => {
    const typed = ['run', '--rm', 'alpine', 'sh', '-c', 'echo --annotation', '--label', 'x=y']
    const { args } = await runWith(copyStandIn(), '2.1.0', typed)
    const imageIndex = args.indexOf('alpine')

    expect(countOf(args, 'nerdctl/bypass4netns=true')).toBe(1)
    expect(args.indexOf('nerdctl/bypass4netns=true')).toBeLessThan(imageIndex)
    expect(args.slice(imageIndex)).toEqual(typed.slice(2))
  })

  it('inserts next to non-UTF-8 arguments', async () => {
    const name = Buffer.from([0x77, 0x65, 0x62, 0xe9])
    const recordDir = makeRecordDir()
    const nerdctl = copyStandIn()
    const result = await runAsUser({
      args: ['run', '--name', name, 'alpine', 'echo', name],
      env: {
        PATH: standInPath(nerdctl),
        XDG_RUNTIME_DIR: getE2E().runtimeDir,
        STANDIN_RECORD_DIR: recordDir,
        STANDIN_VERSION: '2.1.0',
      },
    })
    const call = readRecords(recordDir).filter((record) => !isProbe(record))[0]!
    const expected = ['run', ...ANNOTATION, '--name', name, 'alpine', 'echo', name].map((word) => Buffer.from(word))

    expect(result.code).toBe(0)
    expect(call.argv0).toBe(nerdctl)
    expect(call.argvBytes.slice(1)).toEqual(expected)
  })

  for (const network of [['--net=host'], ['--network', 'host'], ['--net', 'none'], ['--network=container:web']]) {
    it(`adds nothing for ${network.join(' ')}`, async () => {
      const typed = ['run', ...network, 'alpine']
      const { args } = await runWith(copyStandIn(), '2.1.0', typed)

      expect(args).toEqual(typed)
    })
  }

  for (const choice of [['--label', 'nerdctl/bypass4netns=false'], ['--annotation=nerdctl/bypass4netns=0']]) {
    it(`keeps the user's ${choice.join(' ')}`, async () => {
      const typed = ['run', ...choice, 'alpine']
      const { args } = await runWith(copyStandIn(), '2.1.0', typed)

      expect(args).toEqual(typed)
    })
  }

  it('adds nothing with RNERDCTL_BYPASS4NETNS=0', async () => {
    const typed = ['run', '--rm', 'alpine']
    const { args } = await runWith(copyStandIn(), '2.1.0', typed, { RNERDCTL_BYPASS4NETNS: '0' })

    expect(args).toEqual(typed)
  })

  for (const typed of [['ps'], ['pull', 'alpine'], ['exec', 'web', 'true'], ['compose', 'up']]) {
    it(`adds nothing to ${typed[0]}`, async () => {
      const { args } = await runWith(copyStandIn(), '2.1.0', typed)

      expect(args).toEqual(typed)
    })
  }

  it('caches the version per binary', async () => {
    const nerdctl = copyStandIn()
    const first = await runWith(nerdctl, '1.7.6', ['run', 'alpine'])
    const cached = await runWith(nerdctl, '2.1.0', ['run', 'alpine'])
    const later = new Date(Date.now() + 5000)
    utimesSync(nerdctl, later, later)
    const touched = await runWith(nerdctl, '2.1.0', ['run', 'alpine'])

    expect(first.args).toEqual(['run', ...LABEL, 'alpine'])
    expect(cached.args).toEqual(['run', ...LABEL, 'alpine'])
    expect(cached.records.some((record) => record.args.join(' ') === '--version')).toBe(false)
    expect(touched.args).toEqual(['run', ...ANNOTATION, 'alpine'])
  })

  it('shows the decision in env --json', async () => {
    const nerdctl = copyStandIn()
    const json = await runAsUser({
      args: ['env', '--json', '--', 'run', 'alpine'],
      env: { PATH: standInPath(nerdctl), XDG_RUNTIME_DIR: getE2E().runtimeDir, STANDIN_VERSION: '2.1.0' },
    })
    const decision = JSON.parse(json.stdout) as { bypass4netns: { enabled: boolean; reason: string }; args: string[] }

    expect(json.stderr).toBe('')
    expect(decision.bypass4netns.enabled).toBe(true)
    expect(decision.bypass4netns.reason).toContain(bypass4netnsdSocket())
    expect(decision.args).toEqual(ANNOTATION)
  })
})

describeE2E('bypass4netns without bypass4netnsd', () => {
  beforeEach(clearProductState)

  afterEach(() => {
    rmSync(bypass4netnsdSocket(), { force: true })
  })

  it('adds nothing for a stale socket', async () => {
    await makeStaleSocket(bypass4netnsdSocket())
    const typed = ['run', '--rm', 'alpine']
    const { args } = await runWith(copyStandIn(), '2.1.0', typed)

    expect(args).toEqual(typed)
  })

  it('adds nothing without a socket', async () => {
    const typed = ['create', 'alpine']
    const { args } = await runWith(copyStandIn(), '1.7.6', typed)

    expect(args).toEqual(typed)
  })

  it('explains why in env --json', async () => {
    await makeStaleSocket(bypass4netnsdSocket())
    const json = await runAsUser({
      args: ['env', '--json', '--', 'run', 'alpine'],
      env: { PATH: standInPath(), XDG_RUNTIME_DIR: getE2E().runtimeDir },
    })
    const decision = JSON.parse(json.stdout) as { bypass4netns: { enabled: boolean; reason: string }; args: string[] }

    expect(decision.bypass4netns.enabled).toBe(false)
    expect(decision.bypass4netns.reason).toMatch(/bypass4netnsd is not running: .*refuses connections/)
    expect(decision.args).toEqual([])
  })
})
