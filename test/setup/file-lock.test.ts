import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { withFileLock } from '../../src/setup/file-lock.js'
import { SetupError } from '../../src/setup/setup-error.js'

let dir: string
let lock: string
const fast = { timeoutMs: 1000, pollMs: 5 }

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rnerdctl-lock-'))
  lock = path.join(dir, 'config.toml.lock')
})

afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('withFileLock', () => {
  it('writes its pid and removes the lock', async () => {
    const seen = await withFileLock(lock, () => readFileSync(lock, 'utf8'), fast)

    expect(seen).toMatch(new RegExp(`^${process.pid} [0-9a-f]{16}\n$`))
    expect(existsSync(lock)).toBe(false)
  })

  it('removes the lock when the action throws', async () => {
    await expect(withFileLock(lock, () => Promise.reject(new Error('boom')), fast)).rejects.toThrow('boom')

    expect(existsSync(lock)).toBe(false)
  })

  it('runs holders one after another', async () => {
    const events: string[] = []
    const hold = (name: string) =>
      withFileLock(
        lock,
        async () => {
          events.push(`${name} in`)
          await sleep(30)
          events.push(`${name} out`)
        },
        fast,
      )

    await Promise.all([hold('a'), hold('b')])

    expect(events).toEqual(['a in', 'a out', 'b in', 'b out'])
  })

  it('times out on a live holder', async () => {
    writeFileSync(lock, `${process.pid}\n`)

    await expect(withFileLock(lock, () => 'ran', { timeoutMs: 50, pollMs: 5 })).rejects.toThrow(SetupError)
    expect(readFileSync(lock, 'utf8')).toBe(`${process.pid}\n`)
  })

  it('breaks the lock of a gone process', async () => {
    writeFileSync(lock, '2147483646\n')

    expect(await withFileLock(lock, () => 'ran', fast)).toBe('ran')
    expect(existsSync(lock)).toBe(false)
  })

  it('waits for an empty lock while it is fresh', async () => {
    writeFileSync(lock, '')

    await expect(withFileLock(lock, () => 'ran', { timeoutMs: 50, pollMs: 5 })).rejects.toThrow(/timed out after 50 ms waiting for the lock/)
  })

  it('breaks an old empty lock', async () => {
    writeFileSync(lock, '')
    const old = new Date(Date.now() - 60_000)
    utimesSync(lock, old, old)

    expect(await withFileLock(lock, () => 'ran', fast)).toBe('ran')
  })

  it('leaves a lock taken over by another holder', async () => {
    await withFileLock(
      lock,
      () => {
        rmSync(lock)
        writeFileSync(lock, '1\n')
      },
      fast,
    )

    expect(readFileSync(lock, 'utf8')).toBe('1\n')
  })
})
