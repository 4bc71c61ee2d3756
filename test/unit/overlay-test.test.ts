import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

import { nearestExistingDir, testOverlayMount } from '../../src/overlay-test.js'
import { useTempDirs } from './support/temp-dir.js'

const makeTempDir = useTempDirs()

// A stand-in for unshare: a shell script that writes its arguments, one a
// line, next to itself, then runs `body`.
function fakeUnshare(body: string): { program: string; argsFile: string } {
  const dir = makeTempDir()
  const program = path.join(dir, 'unshare')
  const argsFile = path.join(dir, 'args')
  writeFileSync(program, `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\n${body}\n`, { mode: 0o755 })
  return { program, argsFile }
}

function leftoverTestDirs(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.startsWith('.rnerdctl-overlay-test-'))
}

describe('nearestExistingDir', () => {
  it('existing dir', () => {
    const dir = makeTempDir()

    expect(nearestExistingDir(dir)).toBe(dir)
  })

  it('missing levels', () => {
    const dir = makeTempDir()

    expect(nearestExistingDir(path.join(dir, 'containerd', 'a', 'b'))).toBe(dir)
  })

  it('trailing slash and dots', () => {
    const dir = makeTempDir()

    expect(nearestExistingDir(`${dir}/x/../y/`)).toBe(dir)
  })

  it('root', () => {
    expect(nearestExistingDir('/')).toBe('/')
  })

  it('relative path resolved', () => {
    expect(nearestExistingDir('.')).toBe(process.cwd())
  })
})

describe('testOverlayMount with stand-ins', () => {
  it('no unshare', async () => {
    expect(await testOverlayMount(makeTempDir(), null)).toEqual({ ran: false, ok: false, detail: 'unshare not found on PATH', testDir: null })
  })

  it('mount succeeds', async () => {
    const base = makeTempDir()
    const { program } = fakeUnshare('exit 0')
    const result = await testOverlayMount(path.join(base, 'containerd'), program)

    expect(result.ran).toBe(true)
    expect(result.ok).toBe(true)
    expect(result.detail).toBe(`overlay mount in ${base} succeeded`)
    expect(path.dirname(result.testDir ?? '')).toBe(base)
    expect(leftoverTestDirs(base)).toEqual([])
  })

  it('arguments', async () => {
    const base = makeTempDir()
    const { program, argsFile } = fakeUnshare('exit 0')
    const result = await testOverlayMount(base, program)
    const args = readFileSync(argsFile, 'utf8').split('\n')

    expect(args.slice(0, 5)).toEqual(['--user', '--map-root-user', '--mount', 'sh', '-c'])
    expect(args).toContain(result.testDir)
  })

  it('test dir exists while running', async () => {
    const base = makeTempDir()
    const { program } = fakeUnshare('for last; do :; done; [ -d "$last" ] || exit 9')
    const result = await testOverlayMount(base, program)

    expect(result.ok).toBe(true)
  })

  it('mount fails', async () => {
    const base = makeTempDir()
    const { program } = fakeUnshare('echo "mount: /x/merged: permission denied." >&2; exit 32')
    const result = await testOverlayMount(base, program)

    expect(result.ran).toBe(true)
    expect(result.ok).toBe(false)
    expect(result.detail).toBe(`overlay mount in ${base} failed: mount: /x/merged: permission denied.`)
    expect(leftoverTestDirs(base)).toEqual([])
  })

  it.each([['unshare: unshare failed: Operation not permitted'], ['unshare: write failed /proc/self/uid_map: Operation not permitted'], ['unshare: unshare failed: Invalid argument']])(
    'namespace refused: %s',
    async (message) => {
      const base = makeTempDir()
      const { program } = fakeUnshare(`echo '${message}' >&2; exit 1`)
      const result = await testOverlayMount(base, program)

      expect(result.ran).toBe(false)
      expect(result.ok).toBe(false)
      expect(result.detail).toContain(message)
    },
  )

  it('last stderr line reported', async () => {
    const base = makeTempDir()
    const { program } = fakeUnshare('echo first >&2; echo "mount: wrong fs type" >&2; exit 32')
    const result = await testOverlayMount(base, program)

    expect(result.detail).toBe(`overlay mount in ${base} failed: mount: wrong fs type`)
  })

  it('mode 000 work dir removed', async () => {
    const base = makeTempDir()
    const { program } = fakeUnshare('for last; do :; done; mkdir -p "$last/work/work" && chmod 000 "$last/work/work" "$last/work"')
    await testOverlayMount(base, program)

    expect(leftoverTestDirs(base)).toEqual([])
  })

  it('base is a file', async () => {
    const file = path.join(makeTempDir(), 'containerd')
    writeFileSync(file, '')
    const { program } = fakeUnshare('exit 0')
    const result = await testOverlayMount(file, program)

    expect(result.ran).toBe(false)
    expect(result.testDir).toBeNull()
    expect(result.detail).toContain(`cannot create a test dir in ${file}`)
  })

  // The result contract: ran is false when the test could not run, and a
  // program that cannot be started runs no test.
  it('unshare cannot be started', async () => {
    const dir = makeTempDir()
    const program = path.join(dir, 'unshare')
    writeFileSync(program, '#!/bin/sh\nexit 0\n', { mode: 0o644 })
    chmodSync(program, 0o644)
    const result = await testOverlayMount(makeTempDir(), program)

    expect(result.ran).toBe(false)
  })
})

describe('testOverlayMount with the real unshare', () => {
  const unshare = ['/usr/bin/unshare', '/bin/unshare'].find((candidate) => existsSync(candidate))

  it.skipIf(unshare === undefined)('leaves no test dir', async () => {
    const base = makeTempDir()
    const result = await testOverlayMount(path.join(base, 'containerd'), unshare as string)

    expect(result.detail).toContain(base)
    expect(typeof result.ran).toBe('boolean')
    expect(leftoverTestDirs(base)).toEqual([])
  })
})
