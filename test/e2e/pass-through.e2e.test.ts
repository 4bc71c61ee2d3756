// rnerdctl's main job, end to end: it runs the stand-in nerdctl as the test
// user, next to the user's real rootless containerd, and hands it every
// argument, byte and stream unchanged, adding only the environment.
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { afterAll, beforeEach, expect, it } from 'vitest'

import { USER_PATH } from './global-setup.js'
import { cleanUpHarness, describeE2E, getE2E, startListener } from './harness.js'
import { clearProductState, runWithStandIn } from './product.js'

afterAll(cleanUpHarness)

describeE2E('pass-through of arguments', () => {
  beforeEach(clearProductState)

  it('keeps special words unchanged', async () => {
    const words = [
      'ps',
      'two words',
      "it's",
      '"double"',
      '$HOME',
      '${PATH}',
      '$(id -u)',
      '`id`',
      '*',
      '/etc/*',
      '?',
      '[a-z]',
      '~',
      'first\nsecond',
      '\n',
      '',
      ' ',
      '\t',
      '--',
      '-',
      ';',
      '|',
      '&&',
      '\\',
      'üñíçødé ✓',
      '',
    ]
    const { result, calls } = await runWithStandIn(words)

    expect(result.code).toBe(0)
    expect(calls).toHaveLength(1)
    expect(calls[0]!.args).toEqual(words)
  })

  it('sets argv[0] to the absolute path', async () => {
    const { calls } = await runWithStandIn(['info'])

    expect(calls[0]!.argv0).toBe(getE2E().nerdctlPath)
  })

  it('passes 10,000 arguments in order', async () => {
    const words = ['ps', ...Array.from({ length: 9_999 }, (_, index) => `argument-${index}`)]
    const { result, calls } = await runWithStandIn(words)

    expect(result.code).toBe(0)
    expect(calls).toHaveLength(1)
    expect(calls[0]!.args).toHaveLength(10_000)
    expect(calls[0]!.args).toEqual(words)
  })

  it('keeps non-UTF-8 bytes exactly', async () => {
    const latin1Name = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x74, 0x78, 0x74])
    const brokenValue = Buffer.from([0xc3, 0x28, 0x0a, 0xff])
    const { result, calls } = await runWithStandIn(['cp', latin1Name, 'container:/tmp/'], {
      env: { ODD_VALUE: brokenValue },
    })
    const call = calls[0]!

    expect(result.code).toBe(0)
    expect(calls).toHaveLength(1)
    expect(call.argv0).toBe(getE2E().nerdctlPath)
    expect(call.argvBytes).toHaveLength(4)
    expect(call.argvBytes[1]!.toString()).toBe('cp')
    expect(call.argvBytes[2]).toEqual(latin1Name)
    expect(call.argvBytes[3]!.toString()).toBe('container:/tmp/')
    expect(call.envBytes.get('ODD_VALUE')).toEqual(brokenValue)
    expect(call.env.get('XDG_RUNTIME_DIR')).toBe(getE2E().runtimeDir)
    expect(call.env.get('CONTAINERD_SNAPSHOTTER')).toBe('overlayfs')
  })

  it('keeps bytes next to empty arguments', async () => {
    const args = ['run', '', Buffer.from([0xe9]), 'a\nb', '']
    const { result, calls } = await runWithStandIn(args, { env: { STANDIN_EXIT: '9' } })
    const call = calls[0]!

    expect(result.code).toBe(9)
    expect(call.argvBytes.slice(1)).toEqual(args.map((arg) => Buffer.from(arg)))
  })

  // Arguments that are not UTF-8 reach nerdctl through files in a private
  // directory, made in the runtime dir first, so a TMPDIR left by `su`
  // pointing at another user's dir, or removed, does not matter.
  it('runs nerdctl with TMPDIR missing', async () => {
    const latin1Name = Buffer.from([0x63, 0x61, 0x66, 0xe9])
    const { result, calls } = await runWithStandIn(['cp', latin1Name, 'web:/tmp/'], {
      env: { TMPDIR: '/nonexistent/tmp', STANDIN_EXIT: '4' },
    })

    expect(result.code).toBe(4)
    expect(calls).toHaveLength(1)
    expect(calls[0]!.argvBytes[2]).toEqual(latin1Name)
  })

  it('runs `run -it --rm alpine` via RNERDCTL_NERDCTL', async () => {
    const env = getE2E()
    const { result, records, calls } = await runWithStandIn(['run', '-it', '--rm', 'alpine'], {
      env: { PATH: USER_PATH, RNERDCTL_NERDCTL: env.nerdctlPath, XDG_RUNTIME_DIR: undefined },
    })
    const call = calls[0]!

    expect(result.code).toBe(0)
    expect(calls).toHaveLength(1)
    expect(records.at(-1)).toEqual(call)
    expect(call.argv0).toBe(env.nerdctlPath)
    expect(call.args).toEqual(['run', '-it', '--rm', 'alpine'])
    expect(call.env.get('XDG_RUNTIME_DIR')).toBe(env.runtimeDir)
    expect(call.env.get('CONTAINERD_SNAPSHOTTER')).toBe('overlayfs')
  })

  it('adds only its own variables', async () => {
    const env = getE2E()
    const { calls } = await runWithStandIn(['ps'], { env: { MY_SETTING: 'kept as is', CONTAINERD_NAMESPACE: 'k8s.io' } })
    const call = calls[0]!

    expect(call.env.get('MY_SETTING')).toBe('kept as is')
    expect(call.env.get('CONTAINERD_NAMESPACE')).toBe('k8s.io')
    expect(call.env.get('HOME')).toBe(env.home)
    expect(call.env.get('PATH')).toBe(`${path.dirname(env.nerdctlPath)}:${USER_PATH}`)
    expect([...call.env.keys()].sort()).toEqual([
      'CONTAINERD_NAMESPACE',
      'CONTAINERD_SNAPSHOTTER',
      'HOME',
      'LOGNAME',
      'MY_SETTING',
      'PATH',
      'RNERDCTL_DETECTED_SNAPSHOTTER',
      'RNERDCTL_PARENT',
      'STANDIN_RECORD_DIR',
      'USER',
      'XDG_RUNTIME_DIR',
    ])
  })
})

describeE2E('pass-through of stdio', () => {
  beforeEach(clearProductState)

  it('copies stdout bytes unchanged', async () => {
    const text = 'line one\r\n\ttabbed $HOME *\nno final newline'
    const { result } = await runWithStandIn(['ps'], { env: { STANDIN_STDOUT: text } })

    expect(result.code).toBe(0)
    expect(result.stdout).toBe(text)
  })

  it('copies non-UTF-8 stdout bytes', async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x0a, 0xc3, 0x28, 0x80])
    const { result } = await runWithStandIn(['logs', 'web'], { env: { STANDIN_STDOUT: bytes } })

    expect(result.code).toBe(0)
    expect(result.stdoutBytes).toEqual(bytes)
  })

  it('pipes stdin through', async () => {
    const input = randomBytes(256 * 1024)
    const { result } = await runWithStandIn(['load'], { env: { STANDIN_CAT: '1' }, stdin: input })

    expect(result.code).toBe(0)
    expect(result.stdoutBytes.equals(input)).toBe(true)
  })

  it('passes stderr through', async () => {
    const { result } = await runWithStandIn(['ps'], { env: { STANDIN_STDERR: 'nerdctl: some error\n' } })

    expect(result.stderr).toBe('nerdctl: some error\n')
    expect(result.stdout).toBe('')
  })

  it('keeps -it with stdout piped', async () => {
    const args = ['run', '-it', '--rm', 'alpine', 'echo', 'hi']
    const { result, calls } = await runWithStandIn(args, {
      env: { STANDIN_STDOUT: 'hi\n', RNERDCTL_DEBUG: '1', XDG_RUNTIME_DIR: '/nonexistent/runtime-dir' },
    })

    expect(result.code).toBe(0)
    expect(calls[0]!.args).toEqual(args)
    expect(result.stdout).toBe('hi\n')
    expect(result.stderr).toMatch(/^rnerdctl: warning: ignoring XDG_RUNTIME_DIR=\/nonexistent\/runtime-dir/m)
    expect(result.stderr).toMatch(/^rnerdctl: snapshotter: /m)
    for (const line of result.stderr.trimEnd().split('\n')) expect(line).toMatch(/^rnerdctl: /)
  })
})

describeE2E('RNERDCTL_DISABLE', () => {
  beforeEach(clearProductState)

  it('leaves the environment unchanged', async () => {
    const { result, calls } = await runWithStandIn(['ps'], {
      env: { RNERDCTL_DISABLE: '1', XDG_RUNTIME_DIR: undefined },
    })
    const env = calls[0]!.env

    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    expect(env.has('XDG_RUNTIME_DIR')).toBe(false)
    expect(env.has('CONTAINERD_SNAPSHOTTER')).toBe(false)
    expect([...env.keys()].sort()).toEqual(['HOME', 'LOGNAME', 'PATH', 'RNERDCTL_DISABLE', 'RNERDCTL_PARENT', 'STANDIN_RECORD_DIR', 'USER'])
  })

  it('adds no bypass4netns option', async () => {
    const socketPath = path.join(getE2E().runtimeDir, 'bypass4netnsd.sock')
    const listener = await startListener('answer', socketPath)
    const args = ['run', '--rm', 'alpine']
    const { calls } = await runWithStandIn(args, { env: { RNERDCTL_DISABLE: 'true' } })
    await listener.stop()

    expect(calls[0]!.args).toEqual(args)
    expect(calls[0]!.env.has('CONTAINERD_SNAPSHOTTER')).toBe(false)
  })
})
