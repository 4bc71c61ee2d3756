import { execFile } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import path from 'node:path'

export interface OverlayMountResult {
  // false when the test could not run (no unshare, user namespaces off, no
  // writable directory): the kernel rules then decide alone.
  ran: boolean
  ok: boolean
  detail: string
  testDir: string | null
}

// Mounts an overlay inside a new user and mount namespace, as the kernel
// would for rootless containerd. Paths stay relative to the test dir, so a
// comma or colon in the user's home cannot break the mount options.
const MOUNT_SCRIPT = [
  'set -e',
  'cd "$1"',
  'mkdir lower upper work merged',
  'mount -t overlay overlay -o lowerdir=lower,upperdir=upper,workdir=work merged',
  'umount merged',
].join('\n')

const TIMEOUT_MS = 3000

// Runs the overlay mount test in a directory on the filesystem where
// containerd keeps its snapshots: an NFS or ecryptfs home fails where /tmp
// would pass.
export async function testOverlayMount(containerdRoot: string, unshare: string | null): Promise<OverlayMountResult> {
  if (unshare === null) return { ran: false, ok: false, detail: 'unshare not found on PATH', testDir: null }

  const base = nearestExistingDir(containerdRoot)
  let testDir: string
  try {
    testDir = mkdtempSync(path.join(base, '.rnerdctl-overlay-test-'))
  } catch (error) {
    return { ran: false, ok: false, detail: `cannot create a test dir in ${base}: ${(error as Error).message}`, testDir: null }
  }

  try {
    return await runMountScript(unshare, testDir)
  } finally {
    removeTestDir(testDir)
  }
}

function runMountScript(unshare: string, testDir: string): Promise<OverlayMountResult> {
  return new Promise((resolve) => {
    const args = ['--user', '--map-root-user', '--mount', 'sh', '-c', MOUNT_SCRIPT, 'sh', testDir]
    execFile(unshare, args, { timeout: TIMEOUT_MS, encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (error === null) {
        resolve({ ran: true, ok: true, detail: `overlay mount in ${path.dirname(testDir)} succeeded`, testDir })
        return
      }

      // A string code (EACCES, ENOENT) means unshare itself never ran.
      if (typeof (error as NodeJS.ErrnoException).code === 'string') {
        resolve({ ran: false, ok: false, detail: `cannot run ${unshare}: ${error.message}`, testDir })
        return
      }

      const message = stderr.trim().split('\n').pop() || error.message
      const namespaceFailed = /unshare failed|Operation not permitted|Invalid argument/.test(message) && !/mount/.test(message)
      resolve({ ran: !namespaceFailed, ok: false, detail: `overlay mount in ${path.dirname(testDir)} failed: ${message}`, testDir })
    })
  })
}

// The kernel leaves the work dir's inner `work` directory with mode 000.
function removeTestDir(testDir: string): void {
  try {
    const inner = path.join(testDir, 'work', 'work')
    if (existsSync(inner)) chmodSync(inner, 0o700)
    for (const name of readdirSync(testDir)) chmodSync(path.join(testDir, name), 0o700)
  } catch {
    // The removal below reports nothing either: a leftover test dir is
    // harmless, and rnerdctl must not fail because of it.
  }
  rmSync(testDir, { recursive: true, force: true })
}

export function nearestExistingDir(dir: string): string {
  let current = path.resolve(dir)
  while (!existsSync(current) && current !== path.dirname(current)) current = path.dirname(current)
  return current
}
