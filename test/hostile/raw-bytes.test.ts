import { chmodSync, copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createWorld,
  expectNerdctlRan,
  expectNoStack,
  listen,
  recordedVariable,
  runRnerdctl,
  SKIP_REASON,
  startRnerdctl,
  waitForRecord,
  type Listener,
  type StandInRecord,
} from './fixtures/sandbox.js'

// Bytes that are not UTF-8, in arguments and in the environment, reach
// nerdctl exactly as rnerdctl received them, with rnerdctl's own changes
// applied, and nerdctl's exit status and signals still come back.

const world = createWorld()
const listeners: Listener[] = []

afterEach(async () => {
  for (const listener of listeners.splice(0)) await listener.close()
})

const bytes = (...values: number[]): Buffer => Buffer.from(values)

// Byte strings Node decodes to something else: a lone continuation byte,
// a truncated sequence, an overlong "/", an encoded UTF-16 surrogate and
// Latin-1 text.
const NOT_UTF8: Buffer[] = [
  bytes(0xff),
  bytes(0xc3, 0x28),
  bytes(0xc0, 0xaf),
  bytes(0xed, 0xa0, 0x80),
  Buffer.from('caf\xe9', 'latin1'),
]

function entriesNamed(record: StandInRecord, name: string): Buffer[] {
  const prefix = Buffer.from(`${name}=`)
  return record.env.filter((entry) => entry.subarray(0, prefix.length).equals(prefix))
}

describe.skipIf(SKIP_REASON !== null)('arguments', () => {
  it('pass byte-exact', async () => {
    const sandbox = world.sandbox()
    const args = ['ps', ...NOT_UTF8, '', 'two\nlines', Buffer.concat([Buffer.from('--filter=name='), bytes(0xfe)])]

    const result = await runRnerdctl(sandbox, { args })

    const record = expectNerdctlRan(result, args)
    expect(record.argv[0]?.toString()).toBe(sandbox.world.standIn)
  })

  it('of run pass byte-exact', async () => {
    const sandbox = world.sandbox()
    const args = ['run', Buffer.concat([Buffer.from('--name='), bytes(0xff)]), 'alpine', 'sh', '-c', Buffer.concat([Buffer.from('echo '), bytes(0xe9)])]

    const result = await runRnerdctl(sandbox, { args })

    expectNerdctlRan(result, args)
  })

  // bypass4netnsd accepting on its socket makes rnerdctl insert the
  // label right after `run`, among the raw words.
  it('keep their bytes around inserted options', async () => {
    const sandbox = world.sandbox()
    listeners.push(await listen(path.join(sandbox.runtimeDir, 'bypass4netnsd.sock'), 'silent', sandbox.uid))
    const name = Buffer.concat([Buffer.from('--name='), bytes(0xff)])

    const result = await runRnerdctl(sandbox, { args: ['run', name, 'alpine', bytes(0xfe)] })

    expectNerdctlRan(result, ['run', '--label', 'nerdctl/bypass4netns=true', name, 'alpine', bytes(0xfe)])
  })
})

describe.skipIf(SKIP_REASON !== null)('environment', () => {
  it('passes byte-exact with the changes applied', async () => {
    const sandbox = world.sandbox()
    const env = {
      LATIN1: Buffer.from('caf\xe9', 'latin1'),
      SURROGATE: bytes(0xed, 0xa0, 0x80),
      CONTAINERD_SNAPSHOTTER: '',
    }

    const result = await runRnerdctl(sandbox, { args: ['ps'], env })

    const record = expectNerdctlRan(result, ['ps'])
    expect(recordedVariable(record, 'LATIN1')).toEqual(env.LATIN1)
    expect(recordedVariable(record, 'SURROGATE')).toEqual(env.SURROGATE)
    // The empty choice is removed, and the detected one set in its place.
    expect(entriesNamed(record, 'CONTAINERD_SNAPSHOTTER')).toHaveLength(1)
    expect(recordedVariable(record, 'CONTAINERD_SNAPSHOTTER')?.length).toBeGreaterThan(0)
    expect(entriesNamed(record, 'XDG_RUNTIME_DIR')).toEqual([Buffer.from(`XDG_RUNTIME_DIR=${sandbox.runtimeDir}`)])
    expect(entriesNamed(record, 'RNERDCTL_PARENT')).toHaveLength(1)
  })

  const oddName = Buffer.concat([Buffer.from('NAME_'), bytes(0xff), Buffer.from('=value'), bytes(0xfe)])

  it('non-UTF-8 variable name passes with a raw argument', async () => {
    const sandbox = world.sandbox()
    const args = ['ps', bytes(0xff)]

    const result = await runRnerdctl(sandbox, { args, rawEnv: [oddName] })

    const record = expectNerdctlRan(result, args)
    expect(record.env.filter((entry) => entry.equals(oddName))).toHaveLength(1)
  })

  // Node leaves a variable whose name is not UTF-8 out of process.env, so
  // such an entry alone, with only UTF-8 arguments, must still send
  // nerdctl through the trampoline. NAME_\xff then reaches it byte-exact.
  it('non-UTF-8 variable name passes alone', async () => {
    const sandbox = world.sandbox()

    const result = await runRnerdctl(sandbox, { args: ['ps'], rawEnv: [oddName] })

    const record = expectNerdctlRan(result, ['ps'])
    expect(record.env.filter((entry) => entry.equals(oddName))).toHaveLength(1)
  })

  it('user choice with non-UTF-8 bytes is kept', async () => {
    const sandbox = world.sandbox()
    const choice = Buffer.concat([Buffer.from('native'), bytes(0xff)])

    const result = await runRnerdctl(sandbox, { args: ['ps'], env: { CONTAINERD_SNAPSHOTTER: choice } })

    const record = expectNerdctlRan(result, ['ps'])
    expect(entriesNamed(record, 'CONTAINERD_SNAPSHOTTER')).toEqual([Buffer.concat([Buffer.from('CONTAINERD_SNAPSHOTTER='), choice])])
  })

  it('runtime dir with non-UTF-8 bytes is removed', async () => {
    const sandbox = world.sandbox()

    const result = await runRnerdctl(sandbox, { args: ['ps'], env: { XDG_RUNTIME_DIR: Buffer.concat([Buffer.from(sandbox.runtimeDir), bytes(0xff)]) } })

    const record = expectNerdctlRan(result, ['ps'])
    expect(entriesNamed(record, 'XDG_RUNTIME_DIR')).toEqual([])
  })
})

describe.skipIf(SKIP_REASON !== null)('through the trampoline', () => {
  const raw = ['ps', bytes(0xff)]

  it.each([
    ['exit 3', { STANDIN_EXIT: '3' }, 3, null],
    ['exit 0', { STANDIN_EXIT: '0' }, 0, null],
    ['death by SIGTERM', { STANDIN_SIGNAL: '15' }, null, 'SIGTERM'],
    ['death by SIGKILL', { STANDIN_SIGNAL: '9' }, null, 'SIGKILL'],
    ['death by SIGSEGV', { STANDIN_SIGNAL: '11' }, null, 'SIGSEGV'],
    ['death by SIGPIPE', { STANDIN_SIGNAL: '13' }, null, 'SIGPIPE'],
  ])('%s comes back', async (_name, env, code, signal) => {
    const sandbox = world.sandbox()

    const result = await runRnerdctl(sandbox, { args: raw, env })

    expectNoStack(result)
    expect(result.record?.argv.slice(1)).toEqual(raw.map((arg) => Buffer.from(arg)))
    expect(result.code).toBe(code)
    expect(result.signal).toBe(signal)
  })

  it('SIGTERM to rnerdctl reaches nerdctl', async () => {
    const sandbox = world.sandbox()
    const run = startRnerdctl(sandbox, { args: raw, env: { STANDIN_SLEEP: '30' } })
    const record = await waitForRecord(run.recordPrefix)

    process.kill(run.pid, 'SIGTERM')
    const result = await run.result

    expect(result.signal).toBe('SIGTERM')
    expect(result.durationMs).toBeLessThan(5000)
    expect(() => process.kill(record.pid, 0)).toThrow()
  })

  it('nerdctl path with spaces and a newline', async () => {
    const sandbox = world.sandbox()
    const dir = path.join(sandbox.root, 'odd dir\nname')
    mkdirSync(dir, { mode: 0o755 })
    const nerdctl = path.join(dir, 'nerdctl')
    copyFileSync(sandbox.world.standIn, nerdctl)
    chmodSync(nerdctl, 0o755)

    const result = await runRnerdctl(sandbox, { args: raw, env: { RNERDCTL_NERDCTL: nerdctl } })

    expect(expectNerdctlRan(result, raw).argv[0]?.toString()).toBe(nerdctl)
  })

  // With a non-UTF-8 argument nerdctl runs through the trampoline's `env`,
  // which reads every leading word with a "=" as an assignment. A nerdctl
  // at a path such as /opt/a=b/nerdctl must still run, not env's next word
  // (here `version`).
  it('nerdctl path containing "="', async () => {
    const sandbox = world.sandbox()
    const dir = path.join(sandbox.root, 'a=b')
    mkdirSync(dir, { mode: 0o755 })
    const nerdctl = path.join(dir, 'nerdctl')
    copyFileSync(sandbox.world.standIn, nerdctl)
    chmodSync(nerdctl, 0o755)

    const result = await runRnerdctl(sandbox, { args: ['version', bytes(0xff)], env: { RNERDCTL_NERDCTL: nerdctl } })

    expect(expectNerdctlRan(result, ['version', bytes(0xff)]).argv[0]?.toString()).toBe(nerdctl)
  })

  // The trampoline's files go to the runtime dir first, then TMPDIR.
  const BAD_TMPDIRS: [string, (root: string) => string][] = [
    ['missing', () => '/nonexistent/tmp'],
    ['not writable', (root) => root],
    ['a file', (root) => {
      const file = path.join(root, 'tmp-file')
      writeFileSync(file, '')
      return file
    }],
  ]

  it.each(BAD_TMPDIRS)('TMPDIR %s', async (_name, tmp) => {
    const sandbox = world.sandbox()

    const result = await runRnerdctl(sandbox, { args: raw, env: { TMPDIR: tmp(sandbox.root) } })

    expectNerdctlRan(result, raw)
    expect(result.stderrLines).toEqual([])
  })

  // With neither, nerdctl runs with the decoded words, and one line reports it.
  it.each(BAD_TMPDIRS)('TMPDIR %s and no runtime dir', async (_name, tmp) => {
    const sandbox = world.sandbox()

    const result = await runRnerdctl(sandbox, { args: raw, env: { TMPDIR: tmp(sandbox.root), XDG_RUNTIME_DIR: undefined } })

    expectNerdctlRan(result, ['ps', '\ufffd'])
    expect(result.stderrLines.filter((line) => line.includes('non-UTF-8'))).toHaveLength(1)
  })

  it('leaves no files behind', async () => {
    const sandbox = world.sandbox()

    for (const env of [{}, { STANDIN_SIGNAL: '9' }]) {
      await runRnerdctl(sandbox, { args: raw, env })
    }

    expect(readdirSync(sandbox.tmp)).toEqual([])
    expect(readdirSync(sandbox.runtimeDir).filter((name) => name !== 'rnerdctl')).toEqual([])
  })
})
