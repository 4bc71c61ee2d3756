import { existsSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const dist = path.resolve(import.meta.dirname, '..', '..', 'dist')

// The build makes V8's code cache for the pass-through bundle with the
// same node that runs these tests, so V8 must accept it here.
describe('code cache', () => {
  it('is built beside the bundle', () => {
    expect(existsSync(path.join(dist, 'rnerdctl.cjs.v8cache'))).toBe(true)
  })

  it('is accepted by V8', async () => {
    const loader = (await import(path.join(dist, 'loader.cjs'))) as { loadBundle(dir: string): { script: { cachedDataRejected?: boolean }; bundle: { main: unknown } } }
    const { script, bundle } = loader.loadBundle(dist)

    expect(script.cachedDataRejected).toBe(false)
    expect(typeof bundle.main).toBe('function')
  })
})
