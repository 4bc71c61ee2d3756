import { chownSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { ProbeCache } from '../../src/cache.js'
import { readContainerdConfigCached, readTomlFileCached } from '../../src/config-readers.js'
import type { OwnerStat } from '../../src/trust.js'
import {
  createWorld,
  expectNoStack,
  proxyPluginConfig,
  runRnerdctl,
  SKIP_REASON,
  writeOwned,
  type RunResult,
  type Sandbox,
} from './fixtures/sandbox.js'

// 100 calls at once, while the config they read is replaced under them.
// `rnerdctl setup` edits containerd's config.toml under a lock and renames
// the new file into place, and a writer puts the old file back the same
// way. Every call reads the old or the new file, never a mix, and every
// call runs nerdctl.

const world = createWorld()
const CALLS = 100

// Replaces `file` with `text` by rename, as editors and setup do.
function replaceAtomically(file: string, text: string, owner: number): void {
  const temp = `${file}.writer-${process.pid}.tmp`
  writeFileSync(temp, text, { mode: 0o644 })
  chownSync(temp, owner, owner)
  renameSync(temp, file)
}

// Starts CALLS calls, in waves of ten 100 ms apart so that they overlap
// several rounds of `disturb`, which runs again and again until every
// call has ended.
async function raceCalls(sandbox: Sandbox, env: Record<string, string>, disturb: () => Promise<void>): Promise<{ results: RunResult[]; rounds: number }> {
  const waves = async (): Promise<RunResult[]> => {
    const pending: Promise<RunResult>[] = []
    for (let wave = 0; wave < CALLS / 10; wave++) {
      for (let i = 0; i < 10; i++) pending.push(runRnerdctl(sandbox, { args: ['ps'], env, timeoutMs: 60_000 }))
      await sleep(100)
    }
    return Promise.all(pending)
  }

  let running = true
  const calls = waves().finally(() => {
    running = false
  })

  let rounds = 0
  while (running) {
    await disturb()
    rounds++
  }
  return { results: await calls, rounds }
}

function candidateReason(result: RunResult, name: string): string {
  const prefix = `rnerdctl: candidate ${name}: `
  return result.stderrLines.find((line) => line.startsWith(prefix))?.slice(prefix.length) ?? ''
}

// Lines a call may print besides the debug lines it was asked for.
function unexpectedLines(result: RunResult): string[] {
  const debug = /^rnerdctl: (runtime dir|bypass4netns|candidate [^:]+|snapshotter): /
  return result.stderrLines.filter((line) => !debug.test(line))
}

describe.skipIf(SKIP_REASON !== null)('100 parallel calls', () => {
  it('while setup edits containerd config', async () => {
    const sandbox = world.sandbox()
    const original = 'version = 2\n\n# the user\'s own settings\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "registry.k8s.io/pause:3.9"\n'
    writeOwned(sandbox, sandbox.containerdConfig, original)
    const env = { RNERDCTL_SNAPSHOTTERS: 'fuse-overlayfs,native', RNERDCTL_DEBUG: '1' }
    const setups: RunResult[] = []

    // Each state lasts 100 ms or more, so calls see both.
    const { results, rounds } = await raceCalls(sandbox, env, async () => {
      setups.push(await runRnerdctl(sandbox, { args: ['setup', 'fuse-overlayfs', '--config', sandbox.containerdConfig], timeoutMs: 60_000 }))
      await sleep(100)
      replaceAtomically(sandbox.containerdConfig, original, sandbox.uid)
      await sleep(100)
    })

    expect(rounds).toBeGreaterThan(1)
    for (const setup of setups) {
      expectNoStack(setup)
      expect(setup.code).toBe(0)
    }

    const seen = { old: 0, new: 0 }
    for (const result of results) {
      expectNoStack(result)
      expect(result.code).toBe(3)
      expect(result.record).not.toBeNull()
      expect(unexpectedLines(result)).toEqual([])

      // The old file declares no fuse-overlayfs plugin. The new one does;
      // it is then unusable for /dev/fuse or for its missing socket.
      const reason = candidateReason(result, 'fuse-overlayfs')
      if (reason.includes('no proxy plugin "fuse-overlayfs" in')) seen.old++
      else if (/\/dev\/fuse|containerd-fuse-overlayfs\.sock/.test(reason)) seen.new++
      else expect.fail(`a call read neither file: ${reason}`)
    }
    expect(seen.old + seen.new).toBe(CALLS)
    expect(seen.old).toBeGreaterThan(0)
    expect(seen.new).toBeGreaterThan(0)
  }, 120_000)

  it('while a writer replaces rnerdctl config', async () => {
    const sandbox = world.sandbox()
    const versions = ['snapshotters = ["native"]\n', `# ${'padding '.repeat(500)}\nsnapshotters = ["native", "overlayfs"]\ndebug = true\n`]
    writeOwned(sandbox, sandbox.ownConfig, versions[0] as string)
    let next = 1

    const { results, rounds } = await raceCalls(sandbox, { RNERDCTL_DEBUG: '1' }, async () => {
      replaceAtomically(sandbox.ownConfig, versions[next % 2] as string, sandbox.uid)
      next++
      await sleep(5)
    })

    expect(rounds).toBeGreaterThan(10)
    const chains = new Set<string>()
    for (const result of results) {
      expectNoStack(result)
      expect(result.code).toBe(3)
      expect(result.record).not.toBeNull()
      expect(unexpectedLines(result)).toEqual([])
      const chain = result.stderrLines.find((line) => line.startsWith('rnerdctl: snapshotter: ')) ?? ''
      expect(chain).toMatch(/first usable in \[native(, overlayfs)?\], from /)
      chains.add(chain.includes('overlayfs') ? 'new' : 'old')
    }
    expect([...chains].sort()).toEqual(['new', 'old'])
  }, 120_000)
})

describe.skipIf(SKIP_REASON !== null)('parallel setups', () => {
  // The lock serializes them: one adds the block, the others find it.
  it('ten at once add one block', async () => {
    const sandbox = world.sandbox()
    writeOwned(sandbox, sandbox.containerdConfig, 'version = 2\n')

    const results = await Promise.all(Array.from({ length: 10 }, () => runRnerdctl(sandbox, { args: ['setup', 'fuse-overlayfs'], timeoutMs: 60_000 })))

    for (const result of results) {
      expectNoStack(result)
      expect(result.code).toBe(0)
    }
    const text = readFileSync(sandbox.containerdConfig, 'utf8')
    expect(text.split('[proxy_plugins."fuse-overlayfs"]')).toHaveLength(2)
    expect(results.filter((result) => result.stderr.includes('added proxy plugin'))).toHaveLength(1)
    expect(readdirSync(path.dirname(sandbox.containerdConfig)).filter((name) => !/^config\.toml(\.bak-.*)?$/.test(name))).toEqual([])
  }, 60_000)
})

describe('config replaced while it is read', () => {
  // trust() runs between reading a file and parsing it, so a trust check
  // that swaps the file stands for a writer that wins that race.
  function swapOnce(file: string, text: string): (stat: OwnerStat) => null {
    let swapped = false
    return () => {
      if (!swapped) {
        writeFileSync(`${file}.new`, text)
        renameSync(`${file}.new`, file)
        swapped = true
      }
      return null
    }
  }

  function useCache(): { cache: ProbeCache; dir: string } {
    const dir = mkdtempSync(path.join(tmpdir(), 'rnerdctl-hostile-race-'))
    return { dir, cache: new ProbeCache({ file: null, uid: process.getuid?.() ?? 0, bootId: 'race', bypass: false }) }
  }

  // A config.toml replaced between its read and the cache store (setup
  // renaming its new config into place) must not stay cached as current.
  // readContainerdConfigCached keeps the signature of each file as read
  // (from the open descriptor), so the next call reads the new file.
  it('containerd config is read again after the swap', async () => {
    const { cache, dir } = useCache()
    const file = path.join(dir, 'config.toml')
    writeFileSync(file, proxyPluginConfig({ old: '/run/old.sock' }))

    try {
      const first = await readContainerdConfigCached(file, cache, swapOnce(file, proxyPluginConfig({ new: '/run/new.sock' })))
      const second = await readContainerdConfigCached(file, cache)

      expect(first.plugins.map((plugin) => plugin.name)).toEqual(['old'])
      expect(second.plugins.map((plugin) => plugin.name)).toEqual(['new'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('TOML file is read again after the swap', async () => {
    const { cache, dir } = useCache()
    const file = path.join(dir, 'nerdctl.toml')
    writeFileSync(file, 'snapshotter = "old"\n')

    try {
      const first = await readTomlFileCached(file, cache, swapOnce(file, 'snapshotter = "new"\n'))
      const second = await readTomlFileCached(file, cache)

      expect(first.table?.snapshotter).toBe('old')
      expect(second.table?.snapshotter).toBe('new')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
