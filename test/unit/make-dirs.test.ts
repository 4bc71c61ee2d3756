import { mkdtempSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeDirs } from '../../src/make-dirs.js'

describe('makeDirs', () => {
  it('makes missing parents', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'rnerdctl-dirs-'))
    const dir = path.join(root, 'a', 'b', 'c')
    makeDirs(dir)

    expect(statSync(dir).isDirectory()).toBe(true)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
  })

  it('existing dir is fine', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'rnerdctl-dirs-'))
    expect(() => makeDirs(root)).not.toThrow()
  })

  // Node 20's recursive mkdirSync loops without end here.
  it('under /proc throws at once', () => {
    const started = performance.now()
    expect(() => makeDirs('/proc/rnerdctl-test/a/b')).toThrow()
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('a file in the way throws', () => {
    expect(() => makeDirs('/etc/passwd/x')).toThrow()
  })
})
