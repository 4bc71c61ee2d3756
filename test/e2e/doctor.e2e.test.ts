// `rnerdctl doctor` against the test user's real rootless containerd. The
// cases: a healthy setup, containerd stopped, a config changed after
// containerd started, a config with two [proxy_plugins] headers, and a
// declared proxy plugin with nothing listening.
// Two more check proxy plugins that containerd's own plugin list shows as
// loaded or not loaded.
import { readFileSync, utimesSync } from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeEach, expect, it } from 'vitest'

import { USER_PATH } from './global-setup.js'
import {
  cleanUpHarness,
  defaultContainerdConfig,
  describeE2E,
  getE2E,
  makeStaleSocket,
  proxyPluginSockets,
  runAsUser,
  startContainerd,
  startListener,
  stopContainerd,
  touchLater,
  withDevFuseMode,
  writeContainerdConfig,
} from './harness.js'
import { clearProductState, resetContainerd, type CandidateJson, type DecisionJson, type Variables } from './product.js'

afterAll(cleanUpHarness)

interface CheckJson {
  id: string
  status: 'ok' | 'warn' | 'fail'
  summary: string
  details: string[]
  fix: string | null
}

function userEnv(extra: Variables = {}): Variables {
  const env = getE2E()
  return { PATH: USER_PATH, XDG_RUNTIME_DIR: env.runtimeDir, RNERDCTL_NERDCTL: env.nerdctlPath, ...extra }
}

async function runDoctor(args: string[] = [], extra: Variables = {}) {
  const result = await runAsUser({ args: ['doctor', '--json', ...args], env: userEnv(extra) })
  expect(result.stderr).toBe('')
  const report = JSON.parse(result.stdout) as { checks: CheckJson[]; decision: DecisionJson }
  const check = (id: string): CheckJson => {
    const found = report.checks.find((entry) => entry.id === id)
    if (found === undefined) throw new Error(`no check ${id} in ${report.checks.map((entry) => entry.id).join(', ')}`)
    return found
  }
  return { code: result.code, report, check }
}

async function readCandidates(extra: Variables = {}): Promise<CandidateJson[]> {
  const result = await runAsUser({ args: ['env', '--json'], env: userEnv(extra) })
  expect(result.code).toBe(0)
  return (JSON.parse(result.stdout) as DecisionJson).candidates
}

function candidate(candidates: CandidateJson[], name: string): CandidateJson | undefined {
  return candidates.find((entry) => entry.name === name)
}

function readPackageVersion(): string {
  const text = readFileSync(path.join(getE2E().sourceRoot, 'package.json'), 'utf8')
  return (JSON.parse(text) as { version: string }).version
}

describeE2E('doctor end to end', () => {
  beforeEach(clearProductState)
  afterEach(cleanUpHarness)

  it('passes a healthy setup', async () => {
    const sockets = proxyPluginSockets()
    await startListener('answer', sockets['fuse-overlayfs'])
    await startListener('answer', sockets.stargz)

    await withDevFuseMode(0o666, async () => {
      const { code, report, check } = await runDoctor()

      expect(report.checks.filter((entry) => entry.status === 'fail')).toEqual([])
      expect(code).toBe(0)
      for (const id of ['runtime-dir', 'rootlesskit', 'containerd', 'containerd-config', 'containerd-snapshotters', 'fuse', 'nerdctl']) {
        expect(check(id).status, `${id}: ${check(id).summary}`).toBe('ok')
      }
      expect(check('proxy-plugin:fuse-overlayfs').status).toBe('ok')
      expect(check('proxy-plugin:stargz').status).toBe('ok')
      expect(check('snapshotter').summary).toMatch(/^rnerdctl chooses stargz/)
      expect(report.decision.snapshotter.name).toBe('stargz')
      expect(report.decision.rnerdctl.version).toBe(readPackageVersion())

      const fromEnv = await readCandidates()
      expect(report.decision.candidates).toEqual(fromEnv)
    })
  })

  it('prints a plain checklist', async () => {
    const result = await runAsUser({ args: ['doctor'], env: userEnv() })
    const lines = result.stdout.split('\n')

    expect(result.code).toBe(0)
    expect(lines[0]).toBe(`rnerdctl ${readPackageVersion()} doctor (rootless, uid ${getE2E().uid})`)
    expect(lines).toContain(`ok    containerd: containerd answers gRPC on ${getE2E().containerdSocket}`)
    expect(result.stdout).not.toContain('\u001b[')
    expect(lines.at(-2)).toMatch(/^\d+ ok, \d+ warn, 0 fail: nerdctl can run$/)
  })

  it('fails with containerd stopped', async () => {
    await stopContainerd()
    try {
      const { code, check } = await runDoctor()

      expect(code).toBe(1)
      expect(check('rootlesskit').status).toBe('fail')
      expect(check('containerd').status).toBe('fail')
      expect(check('containerd').fix).toContain('containerd-rootless.sh')
      expect(check('containerd-snapshotters').summary).toContain('containerd does not answer')

      const plain = await runAsUser({ args: ['doctor'], env: userEnv() })
      expect(plain.code).toBe(1)
      expect(plain.stdout).toMatch(/^fail {2}containerd: /m)
      expect(plain.stdout).toMatch(/\n {6}fix: /)
      expect(plain.stdout).toContain('nerdctl cannot run as things stand')
    } finally {
      await startContainerd()
    }
  })

  // touchLater moves only the mtime, as a copy of the same bytes does.
  it('settles a newer config by the plugin list', async () => {
    const file = getE2E().containerdConfigPath
    touchLater(file)
    try {
      const { code, check } = await runDoctor()
      const config = check('containerd-config')

      expect(config.status).toBe('ok')
      expect(config.summary).toBe(
        `${file} changed after containerd started (by mtime), and containerd has loaded the proxy plugins "fuse-overlayfs" and "stargz" declared there`,
      )
      expect(code).toBe(0)
    } finally {
      await resetContainerd()
    }

    const { check } = await runDoctor()
    expect(check('containerd-config').summary).toBe(`${file} and its imports are unchanged since containerd started`)
  })

  it('says to merge two proxy_plugins headers', async () => {
    const file = getE2E().containerdConfigPath
    writeContainerdConfig(defaultContainerdConfig().replace('  [proxy_plugins."stargz"]', '[proxy_plugins]\n  [proxy_plugins."stargz"]'))
    try {
      const { check } = await runDoctor()
      const config = check('containerd-config')

      expect(config.status).toBe('warn')
      expect(config.summary).toBe(`invalid containerd config: ${file}: the table header [proxy_plugins] appears twice (lines 3 and 7), which TOML does not allow`)
      expect(config.fix).toContain(`merge the tables under one [proxy_plugins] header in ${file}, then restart containerd: `)
    } finally {
      await resetContainerd()
    }
  })

  it('warns about a plugin without listener', async () => {
    const socket = proxyPluginSockets()['fuse-overlayfs']
    const { code, check } = await runDoctor()
    const plugin = check('proxy-plugin:fuse-overlayfs')

    expect(plugin.status).toBe('warn')
    expect(plugin.summary).toContain(`does not answer on ${socket}`)
    expect(plugin.details).toContain(`${socket} does not exist`)
    expect(plugin.fix).toContain(socket)
    expect(code).toBe(0)

    await makeStaleSocket(socket)
    const stale = (await runDoctor()).check('proxy-plugin:fuse-overlayfs')
    expect(stale.status).toBe('warn')
    expect(stale.details.join('\n')).toContain('refuses connections')
  })

  it('reads the loaded plugins from containerd', async () => {
    const first = await runDoctor()
    const snapshotters = first.check('containerd-snapshotters')

    expect(snapshotters.status).toBe('ok')
    expect(snapshotters.details).toContain('fuse-overlayfs: ok')
    expect(snapshotters.details).toContain('stargz: ok')
    expect(snapshotters.details).toContain('overlayfs: ok')
    expect(snapshotters.details).toContain('from `ctr plugins ls`, just now')
    expect(first.check('proxy-plugin:stargz').details).toContain('containerd lists it as "ok"')

    const second = await runDoctor()
    expect(second.check('containerd-snapshotters').details).toContain('from the list cached for this containerd process')

    const rechecked = await runDoctor(['--recheck'])
    expect(rechecked.check('containerd-snapshotters').details).toContain('from `ctr plugins ls`, just now')
  })

  it("counts a plugin loaded per containerd's list", async () => {
    await startListener('answer', proxyPluginSockets()['fuse-overlayfs'])
    touchLater(getE2E().containerdConfigPath)

    try {
      await withDevFuseMode(0o666, async () => {
        const chain = { RNERDCTL_SNAPSHOTTERS: 'fuse-overlayfs,native' }

        // No plugin list cached yet: the file is newer than containerd.
        const before = candidate(await readCandidates(chain), 'fuse-overlayfs')
        expect(before?.usable).toBe(false)
        expect(before?.reason).toContain('changed after containerd started')

        const { check, report } = await runDoctor([], chain)
        expect(check('proxy-plugin:fuse-overlayfs').status).toBe('ok')
        expect(candidate(report.decision.candidates, 'fuse-overlayfs')?.usable).toBe(true)

        const after = candidate(await readCandidates(chain), 'fuse-overlayfs')
        expect(after?.usable).toBe(true)

        const uncached = candidate(await readCandidates({ ...chain, RNERDCTL_NO_CACHE: '1' }), 'fuse-overlayfs')
        expect(uncached?.usable).toBe(false)
      })
    } finally {
      await resetContainerd()
    }
  })

  it('rejects a plugin containerd has not loaded', async () => {
    const socket = path.join(getE2E().runtimeDir, 'extra-snapshotter.sock')
    const config = `${defaultContainerdConfig()}  [proxy_plugins."extra"]\n    type = "snapshot"\n    address = "${socket}"\n`
    await startListener('answer', socket)

    try {
      // Written without a restart, and dated back to before containerd
      // started, so only containerd's own list can tell it is not loaded.
      writeContainerdConfig(config)
      const anHourAgo = new Date(Date.now() - 3_600_000)
      utimesSync(getE2E().containerdConfigPath, anHourAgo, anHourAgo)

      const byMtime = candidate(await readCandidates({ RNERDCTL_SNAPSHOTTERS: 'extra,native' }), 'extra')
      expect(byMtime?.usable).toBe(true)

      const { code, check } = await runDoctor([], { RNERDCTL_SNAPSHOTTERS: 'extra,native' })

      expect(check('containerd-snapshotters').status).toBe('warn')
      expect(check('containerd-snapshotters').summary).toContain('"extra"')
      expect(check('proxy-plugin:extra').status).toBe('warn')
      expect(check('proxy-plugin:extra').summary).toContain('containerd has not loaded "extra"')
      expect(check('snapshotter').summary).toMatch(/^rnerdctl chooses native/)
      expect(code).toBe(0)

      const extra = candidate(await readCandidates({ RNERDCTL_SNAPSHOTTERS: 'extra,native' }), 'extra')
      expect(extra?.usable).toBe(false)
      expect(extra?.reason).toContain('its plugin list does not list it')
    } finally {
      await resetContainerd()
    }
  })
})
