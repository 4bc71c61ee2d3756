import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const rnerdctl = path.resolve(import.meta.dirname, '..', '..', 'bin', 'rnerdctl')

function run(args: string[], extra: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const env = { PATH: '/usr/bin:/bin', HOME: '/nonexistent', ...extra }
  const result = spawnSync(process.execPath, [rnerdctl, ...args], { encoding: 'utf8', env })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe('own command usage errors', () => {
  it.each([['env', '--bogus'], ['doctor', '--bogus'], ['setup', 'stargz', '--bogus'], ['completion', 'bash', '--bogus']])(
    '%s %s exits 2 without running',
    (...args) => {
      const result = run(args)
      expect(result.status).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
      expect(result.stderr).toMatch(/^rnerdctl: .*bogus/)
    },
  )
})

describe('usage error wording', () => {
  it.each([
    [['env', '--bogus'], 'unknown option --bogus (see: rnerdctl env --help)'],
    [['env', '-x'], 'unknown option -x (see: rnerdctl env --help)'],
    [['env', '-xy'], 'unknown options -x, -y (see: rnerdctl env --help)'],
    [['env', '--bogus-flag=3'], 'unknown option --bogus-flag (see: rnerdctl env --help)'],
    [['env', '--bogus', 'bogus'], 'unknown option --bogus (see: rnerdctl env --help)'],
    [['doctor', 'extra'], 'unexpected argument extra (see: rnerdctl doctor --help)'],
    [['setup', 'stargz', 'extra'], 'unexpected argument extra (see: rnerdctl setup --help)'],
    [['setup'], 'setup: missing argument <snapshotter>: choose fuse-overlayfs or stargz (see: rnerdctl setup --help)'],
    [['completion'], 'completion: missing argument <shell>: choose bash, zsh or fish (see: rnerdctl completion --help)'],
    [['setup', 'mysnap'], 'invalid snapshotter "mysnap": choose fuse-overlayfs or stargz (see: rnerdctl setup --help)'],
    [['completion', 'tcsh'], 'invalid shell "tcsh": choose bash, zsh or fish (see: rnerdctl completion --help)'],
    [['env', '--shell=csh'], 'invalid --shell "csh": choose sh or fish (see: rnerdctl env --help)'],
  ])('%j', (args, expected) => {
    const result = run(args)

    expect(result.stderr).toBe(`rnerdctl: ${expected}\n`)
    expect(result.stdout).toBe('')
    expect(result.status).toBe(2)
  })

  it('ignores the locale', () => {
    const result = run(['setup'], { LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8' })

    expect(result.stderr).toMatch(/^rnerdctl: setup: missing argument <snapshotter>/)
  })

  it('passes other messages on one line', () => {
    const result = run(['setup', 'stargz', '--config', 'a', '--config', 'b'])

    expect(result.stderr).toBe('rnerdctl: --config given 2 times: pass it once (see: rnerdctl setup --help)\n')
    expect(result.status).toBe(2)
  })
})
