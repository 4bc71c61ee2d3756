import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createWorld, expectNoStack, runRnerdctl, SKIP_REASON } from './fixtures/sandbox.js'

// nerdctl's stdout is inherited, never copied through rnerdctl: a
// `rnerdctl save`-sized stream reaches the pipe byte for byte.

const world = createWorld()
const SIZE = 256 * 1024 * 1024

// The stand-in run directly, as the reference.
function hashDirect(standIn: string, size: number): Promise<{ sha256: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(standIn, ['save', 'alpine'], { env: { RNERDCTL_PARENT: 'direct', STANDIN_WRITE: String(size) }, stdio: ['ignore', 'pipe', 'inherit'] })
    const hash = createHash('sha256')
    let bytes = 0
    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length
      hash.update(chunk)
    })
    child.on('error', reject)
    child.on('close', () => resolve({ sha256: hash.digest('hex'), bytes }))
  })
}

describe.skipIf(SKIP_REASON !== null)('large stdout', () => {
  it.each([
    ['spawned directly', ['save', 'alpine']],
    ['through the trampoline', ['save', Buffer.from([0xff])]],
  ])('256 MB %s', async (_name, args) => {
    const sandbox = world.sandbox()
    const direct = await hashDirect(sandbox.world.standIn, SIZE)

    const result = await runRnerdctl(sandbox, { args, stdout: 'hash', env: { STANDIN_WRITE: String(SIZE), STANDIN_EXIT: '0' } })

    expectNoStack(result)
    expect(result.code).toBe(0)
    expect(direct.bytes).toBe(SIZE)
    expect(result.stdoutBytes).toBe(SIZE)
    expect(result.stdoutSha256).toBe(direct.sha256)
  }, 60_000)
})
