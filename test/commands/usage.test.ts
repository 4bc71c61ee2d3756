import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const rnerdctl = path.resolve(import.meta.dirname, '..', '..', 'bin', 'rnerdctl')

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [rnerdctl, ...args], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent' } })
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
