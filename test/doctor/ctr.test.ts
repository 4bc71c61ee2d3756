import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { listContainerdPlugins, type PluginListResult } from '../../src/doctor/ctr.js'

// Stand-in ctr programs: shell scripts that record their arguments and
// print what a real ctr would.
const dir = mkdtempSync(path.join(tmpdir(), 'rnerdctl-ctr-test-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function writeFakeCtr(name: string, body: string): string {
  const file = path.join(dir, name)
  writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' "$@" > "${file}.args"\n${body}\n`)
  chmodSync(file, 0o755)
  return file
}

const SOCKET = '/run/user/1001/containerd/containerd.sock'

function reasonOf(result: PluginListResult): string | null {
  return result.ok ? null : result.reason
}

describe('listContainerdPlugins', () => {
  it('parses the table', async () => {
    const ctr = writeFakeCtr(
      'ok',
      [
        "echo 'TYPE                            ID                PLATFORMS      STATUS    '",
        "echo 'io.containerd.snapshotter.v1    overlayfs         linux/amd64    ok        '",
        "echo 'io.containerd.snapshotter.v1    fuse-overlayfs    -              ok        '",
      ].join('\n'),
    )
    const result = await listContainerdPlugins(ctr, SOCKET)

    expect(result.ok).toBe(true)
    expect(result.ok ? result.plugins.map((plugin) => plugin.id) : []).toEqual(['overlayfs', 'fuse-overlayfs'])
  })

  it('passes the address first', async () => {
    const ctr = writeFakeCtr('args', "echo 'TYPE ID PLATFORMS STATUS'")
    await listContainerdPlugins(ctr, SOCKET)
    const args = readFileSync(`${ctr}.args`, 'utf8').trim().split('\n')

    expect(args.slice(0, 2)).toEqual(['--address', SOCKET])
    expect(args.slice(-2)).toEqual(['plugins', 'ls'])
  })

  it('returns the last stderr line', async () => {
    const ctr = writeFakeCtr('fails', 'echo "time=x level=info" >&2\necho "ctr: failed to dial: connection refused" >&2\nexit 1')
    const result = await listContainerdPlugins(ctr, SOCKET)

    expect(result.ok).toBe(false)
    expect(reasonOf(result)).toContain('failed: ctr: failed to dial: connection refused')
  })

  it('rejects output without table', async () => {
    const ctr = writeFakeCtr('garbage', 'echo hello')
    const result = await listContainerdPlugins(ctr, SOCKET)

    expect(result.ok).toBe(false)
    expect(reasonOf(result)).toContain('printed no TYPE/ID/PLATFORMS/STATUS table')
  })

  it('reports a missing program', async () => {
    const result = await listContainerdPlugins(path.join(dir, 'absent'), SOCKET)

    expect(result.ok).toBe(false)
    expect(reasonOf(result)).toContain('failed')
  })
})
