import { spawnSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

import { complete, readText, ROOT, RNERDCTL, run, scratch, SHIM, STAND_IN, testEnv } from './fixtures/harness.js'

afterAll(() => scratch.cleanUp())

function recordFile(): string {
  return path.join(scratch.dir(), 'record')
}

// The stand-in writes its arguments, "--env--", then `env` output.
function readRecord(file: string): { args: string[]; env: Map<string, string> } {
  const [args = '', env = ''] = readText(file).split('--env--\n')
  const variables = env
    .split('\n')
    .filter((line) => line.includes('='))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const)
  return { args: args.split('\n').slice(0, -1), env: new Map(variables) }
}

describe('__complete at the first word', () => {
  it('completes run from nerdctl', () => {
    const result = complete(['ru'], testEnv())
    expect(result.stdout).toBe('run\tRun a command in a new container\n:4\n')
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  })

  it('completes doctor itself', () => {
    const result = complete(['doc'], testEnv())
    expect(result.stdout).toBe('doctor\tcheck the rootless setup and say how to fix what is wrong\n:4\n')
  })

  it('merges own commands before the directive', () => {
    const lines = complete([''], testEnv()).stdout.split('\n')
    expect(lines.map((line) => line.split('\t')[0])).toEqual([
      ...['run', 'rm', 'rmi', 'ps', 'pull', 'logs'],
      ...['env', 'doctor', 'setup', 'completion'],
      ':4',
      '',
    ])
    expect(lines).toContain('completion\tprint a shell completion script (bash, zsh, fish)')
  })

  it('leaves descriptions out for __completeNoDesc', () => {
    const result = run(RNERDCTL, ['__completeNoDesc', 'r'], { env: testEnv() })
    expect(result.stdout).toBe('run\nrm\nrmi\n:4\n')
  })
})

describe('__complete after the first word', () => {
  it('forwards run --snap unchanged', () => {
    const record = recordFile()
    const result = complete(['run', '--snap'], testEnv({ STANDIN_RECORD: record }))
    expect(result.stdout).toBe('--snapshotter\tsnapshotter name\n:4\n')
    expect(result.stderr).toBe('')
    expect(readRecord(record).args).toEqual(['__complete', 'run', '--snap'])
  })

  it('forwards container names unfiltered', () => {
    const result = complete(['start', 'w'], testEnv({ STANDIN_CONTAINERS: 'web-1 db-1' }))
    expect(result.stdout).toBe('web-1\ndb-1\n:4\n')
  })

  it.each([0, 1, 2, 6, 8, 16, 36])('forwards directive %i', (directive) => {
    const env = testEnv({ STANDIN_REPLY: 'one\ttwo\n_activeHelp_ a message', STANDIN_DIRECTIVE: String(directive) })
    const result = complete(['cp', ''], env)
    expect(result.stdout).toBe(`one\ttwo\n_activeHelp_ a message\n:${directive}\n`)
  })

  it('forwards the words verbatim', () => {
    const record = recordFile()
    const words = ['--namespace', 'k8s.io', 'logs', '-f', 'we b', '']
    complete(words, testEnv({ STANDIN_RECORD: record }))
    expect(readRecord(record).args).toEqual(['__complete', ...words])
  })

  it('forwards env -- words to nerdctl', () => {
    const record = recordFile()
    const result = complete(['env', '--json', '--', 'run', '--snap'], testEnv({ STANDIN_RECORD: record }))
    expect(result.stdout).toBe('--snapshotter\tsnapshotter name\n:4\n')
    expect(readRecord(record).args).toEqual(['__complete', 'run', '--snap'])
  })

  it('completes own flags without nerdctl', () => {
    const record = recordFile()
    const result = complete(['env', '--sh'], testEnv({ STANDIN_RECORD: record }))
    expect(result.stdout).toBe('--shell\tsyntax of the printed lines\n:4\n')
    expect(existsSync(record)).toBe(false)
  })

  it('completes setup snapshotters', () => {
    expect(complete(['setup', ''], testEnv()).stdout).toBe('fuse-overlayfs\nstargz\n:4\n')
  })
})

describe('__complete through the nerdctl shim', () => {
  it('adds no own commands', () => {
    const result = run(SHIM, ['__complete', ''], { env: testEnv() })
    const names = result.stdout.split('\n').map((line) => line.split('\t')[0])
    expect(names).not.toContain('env')
    expect(names).not.toContain('doctor')
    expect(result.stdout).toContain('completion\tGenerate the autocompletion script for the specified shell\n')
    expect(result.stderr).toBe('')
  })

  it('forwards own command names to nerdctl', () => {
    const record = recordFile()
    const result = run(SHIM, ['__complete', 'env', '--sh'], { env: testEnv({ STANDIN_RECORD: record }) })
    expect(result.stdout).toBe(':0\n')
    expect(readRecord(record).args).toEqual(['__complete', 'env', '--sh'])
  })
})

describe('__complete without a working nerdctl', () => {
  const missing = { RNERDCTL_NERDCTL: '/nonexistent/nerdctl' }

  it('still completes own commands', () => {
    const result = complete(['d'], testEnv(missing))
    expect(result.stdout).toBe('doctor\tcheck the rootless setup and say how to fix what is wrong\n:4\n')
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  })

  it('completes own commands with no nerdctl on PATH', () => {
    const env = testEnv()
    delete env.RNERDCTL_NERDCTL
    const result = complete([''], env)
    expect(result.stdout).toBe(
      [
        'env\tprint the environment rnerdctl would give nerdctl',
        'doctor\tcheck the rootless setup and say how to fix what is wrong',
        "setup\tadd a proxy snapshotter's plugin block to containerd's config.toml",
        'completion\tprint a shell completion script (bash, zsh, fish)',
        ':4',
        '',
      ].join('\n'),
    )
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  })

  it('gives the error directive elsewhere', () => {
    const result = complete(['run', 'alp'], testEnv(missing))
    expect(result.stdout).toBe(':1\n')
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  })

  it('appends the error directive to a cut reply', () => {
    const broken = path.join(scratch.dir(), 'nerdctl')
    writeFileSync(broken, '#!/bin/sh\nprintf "web-1\\nwe"\nkill -KILL $$\n', { mode: 0o755 })
    const result = complete(['start', ''], testEnv({ RNERDCTL_NERDCTL: broken }))
    expect(result.stdout).toBe('web-1\nwe\n:1\n')
    expect(result.status).toBe(0)
  })

  it('shows nerdctl stderr in debug mode', () => {
    const result = complete(['ru'], testEnv({ RNERDCTL_DEBUG: '1' }))
    expect(result.stdout).toBe('run\tRun a command in a new container\n:4\n')
    expect(result.stderr).toContain('Completion ended with directive: 4')
  })
})

// Detection on, as an unprivileged uid with no login session: the runtime
// dir, cache and state all belong to that uid and live in temp dirs.
const TEST_UID = 1600
const canSwitchUser = process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0

describe.skipIf(!canSwitchUser)(`__complete as uid ${TEST_UID}`, () => {
  function userDir(mode = 0o700): string {
    const dir = scratch.dir()
    chownSync(dir, TEST_UID, TEST_UID)
    chmodSync(dir, mode)
    return dir
  }

  function runAsUser(args: string[], variables: Record<string, string>): ReturnType<typeof run> {
    const assignments = Object.entries({
      PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`,
      RNERDCTL_NERDCTL: STAND_IN,
      ...variables,
    }).map(([name, value]) => `${name}=${value}`)
    const command = ['--reuid', String(TEST_UID), '--regid', String(TEST_UID), '--clear-groups', 'env', '-i', ...assignments]
    return run('setpriv', [...command, process.execPath, RNERDCTL, ...args], { env: {}, cwd: ROOT })
  }

  it('needs no runtime dir', () => {
    expect(existsSync(`/run/user/${TEST_UID}`)).toBe(false)
    const home = userDir()
    const record = path.join(home, 'record')
    const result = runAsUser(['__complete', ''], { HOME: home, STANDIN_RECORD: record })
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    expect(result.stdout).toContain('run\tRun a command in a new container\n')
    expect(result.stdout).toContain('env\tprint the environment rnerdctl would give nerdctl\n')
    expect(result.stdout.endsWith('\n:4\n')).toBe(true)
    expect(readRecord(record).env.has('XDG_RUNTIME_DIR')).toBe(false)
  })

  it('drops an untrusted runtime dir quietly', () => {
    const home = userDir()
    const record = path.join(home, 'record')
    const result = runAsUser(['__complete', 'start', ''], { HOME: home, STANDIN_RECORD: record, XDG_RUNTIME_DIR: '/tmp' })
    expect(result.stderr).toBe('')
    expect(result.stdout).toBe('web-1\nweb-2\ndb-1\n:4\n')
    expect(readRecord(record).env.has('XDG_RUNTIME_DIR')).toBe(false)
  })

  it('gives nerdctl the resolved environment', () => {
    const home = userDir()
    const runtimeDir = path.join(home, 'run')
    mkdirSync(runtimeDir, { mode: 0o700 })
    chownSync(runtimeDir, TEST_UID, TEST_UID)
    const record = path.join(home, 'record')
    const variables = { HOME: home, XDG_RUNTIME_DIR: runtimeDir }

    const result = runAsUser(['__complete', 'start', ''], { ...variables, STANDIN_RECORD: record })
    expect(result.stderr).toBe('')
    expect(result.stdout).toBe('web-1\nweb-2\ndb-1\n:4\n')

    const decision = JSON.parse(runAsUser(['env', '--json'], variables).stdout) as { env: Record<string, string> }
    const received = readRecord(record).env
    expect(decision.env.XDG_RUNTIME_DIR).toBe(runtimeDir)
    for (const [name, value] of Object.entries(decision.env)) expect(received.get(name), name).toBe(value)
    expect(received.get('RNERDCTL_PARENT')).toMatch(/^\d+:\//)
  })
})

describe('__complete with a hung nerdctl', () => {
  it('gives up with the error directive', () => {
    const started = performance.now()
    const result = complete(['start', 'w'], testEnv({ STANDIN_HANG: '1' }))

    expect(result.stdout).toBe(':1\n')
    expect(result.status).toBe(0)
    expect(performance.now() - started).toBeLessThan(8000)
  }, 15_000)

  it('still completes own commands', () => {
    const result = complete(['doc'], testEnv({ STANDIN_HANG: '1' }))

    expect(result.stdout).toBe('doctor\tcheck the rootless setup and say how to fix what is wrong\n:4\n')
  }, 15_000)
})
