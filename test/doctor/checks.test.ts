import { describe, expect, it } from 'vitest'
import type { Decision } from '../../src/decision.js'
import { exitCodeOf, type Check } from '../../src/doctor/check.js'
import { buildChecks } from '../../src/doctor/checks.js'
import type { ContainerdPlugin } from '../../src/doctor/plugin-list.js'
import type { DoctorFacts } from '../../src/doctor/facts.js'
import { findNerdctl } from '../../src/find-nerdctl.js'

const UID = 1001
const RUNTIME_DIR = `/run/user/${UID}`
const CONFIG = '/home/alice/.config/containerd/config.toml'
const FUSE_SOCKET = `${RUNTIME_DIR}/containerd-fuse-overlayfs.sock`
const STARTED_AT = Date.parse('2026-03-01T10:00:00Z')
const SNAPSHOTTER_TYPE = 'io.containerd.snapshotter.v1'
const BY_HAND_ROOTLESS =
  'stop containerd-rootless.sh (RootlessKit and its child, containerd) and start it again by hand, because it does not run under systemd here'

function snapshotter(id: string, status = 'ok'): ContainerdPlugin {
  return { type: SNAPSHOTTER_TYPE, id, platforms: id === 'fuse-overlayfs' ? [] : ['linux/amd64'], status }
}

function healthyDecision(): Decision {
  return {
    rootless: true,
    runtimeDir: { path: RUNTIME_DIR, source: 'env' },
    snapshotter: { name: 'overlayfs', source: 'detected', reason: 'kernel 6.1.0 is 5.13 or later' },
    candidates: [
      { name: 'overlayfs', usable: true, reason: 'kernel 6.1.0 is 5.13 or later' },
      { name: 'fuse-overlayfs', usable: true, reason: `proxy plugin "fuse-overlayfs" from ${CONFIG}: answers` },
      { name: 'native', usable: true, reason: 'native works on every host' },
    ],
    bypass4netns: { enabled: false, reason: 'not run or create' },
    nerdctl: { path: '/usr/local/bin/nerdctl', version: '2.0.0' },
    env: { XDG_RUNTIME_DIR: RUNTIME_DIR, CONTAINERD_SNAPSHOTTER: 'overlayfs' },
    unset: [],
    args: [],
    insertAt: -1,
    warnings: [],
    notices: [],
    log: [],
  }
}

// A rootless setup where everything works: systemd with lingering, a live
// containerd with a fuse-overlayfs proxy plugin it loaded, cgroup v2 with
// full delegation.
function healthyFacts(): DoctorFacts {
  const dirStat = { uid: UID, mode: 0o40700, isDirectory: true }
  return {
    uid: UID,
    gid: UID,
    user: 'alice',
    rootless: true,
    decision: healthyDecision(),
    runtimeDir: { variable: RUNTIME_DIR, variableStat: dirStat, defaultPath: RUNTIME_DIR, defaultStat: dirStat },
    systemd: {
      booted: true,
      userManager: { socket: `${RUNTIME_DIR}/systemd/private`, answer: { alive: true, reason: 'accepts connections' } },
      linger: { file: '/var/lib/systemd/linger/alice', enabled: true },
    },
    rootlessKit: {
      stateDir: `${RUNTIME_DIR}/containerd-rootless`,
      stateDirSource: 'default',
      stateDirExists: true,
      childPidText: '4242\n',
      child: { pid: 4242, alive: true, command: 'exe' },
      unitFile: { path: '/home/alice/.config/systemd/user/containerd.service', exists: true },
    },
    containerd: {
      socket: `${RUNTIME_DIR}/containerd/containerd.sock`,
      answer: { alive: true, reason: 'answers HTTP/2 (gRPC)' },
      process: { pid: 4242, startedAtMs: STARTED_AT },
      pluginList: { source: 'containerd', plugins: [snapshotter('native'), snapshotter('overlayfs'), snapshotter('fuse-overlayfs')] },
    },
    config: {
      mainPath: CONFIG,
      files: [{ path: CONFIG, mtimeMs: STARTED_AT - 60_000, size: 200, error: null, missing: false }],
      globDirs: [],
      plugins: [{ name: 'fuse-overlayfs', address: FUSE_SOCKET, file: CONFIG }],
      warnings: [],
      repeatedHeaders: [],
    },
    proxyPlugins: [
      {
        plugin: { name: 'fuse-overlayfs', address: FUSE_SOCKET, file: CONFIG },
        hostAddress: FUSE_SOCKET,
        socketOwner: UID,
        answer: { alive: true, reason: `${FUSE_SOCKET} answers HTTP/2 (gRPC)` },
      },
    ],
    overlay: {
      kernel: { release: '6.1.0-18-amd64', procVersion: 'Linux version 6.1.0-18-amd64 (Debian)', selinuxEnforcing: false },
      rules: { allowed: true, reason: 'kernel 6.1.0-18-amd64 is 5.13 or later' },
      mount: { ran: true, ok: true, detail: 'overlay mount in /home/alice/.local/share/containerd succeeded', testDir: null },
      verdict: { name: 'overlayfs', usable: true, reason: 'kernel 6.1.0-18-amd64 is 5.13 or later' },
    },
    fuse: {
      exists: true,
      device: { usable: true, reason: '/dev/fuse opens read-write' },
      kernel: { allowed: true, reason: 'kernel 6.1.0-18-amd64 is 4.18 or later' },
    },
    cgroup: {
      v2: true,
      userCgroup: { path: `/sys/fs/cgroup/user.slice/user-${UID}.slice/user@${UID}.service`, controllers: ['cpuset', 'cpu', 'io', 'memory', 'pids'] },
    },
    bypass4netns: { enabled: true, socket: `${RUNTIME_DIR}/bypass4netnsd.sock`, exists: true, answer: { alive: true, reason: 'accepts connections' } },
    buildkit: { host: null, sockets: [{ path: `${RUNTIME_DIR}/buildkit/buildkitd.sock`, exists: true, answer: { alive: true, reason: 'answers' } }] },
    nerdctl: { path: '/usr/local/bin/nerdctl', version: '2.0.0', problem: null },
    settings: {
      chain: ['stargz', 'overlayfs', 'fuse-overlayfs', 'native'],
      chainSource: 'default',
      warnings: [],
      nerdctlToml: { path: '/home/alice/.config/nerdctl/nerdctl.toml', exists: false, error: null },
    },
    lastChoice: 'overlayfs',
  }
}

function findCheck(checks: readonly Check[], id: string): Check {
  const check = checks.find((entry) => entry.id === id)
  if (check === undefined) throw new Error(`no check "${id}" in [${checks.map((entry) => entry.id).join(', ')}]`)
  return check
}

function statusOf(facts: DoctorFacts, id: string): string {
  return findCheck(buildChecks(facts), id).status
}

describe('buildChecks healthy', () => {
  const checks = buildChecks(healthyFacts())

  it('passes every check', () => {
    const notOk = checks.filter((check) => check.status !== 'ok').map((check) => `${check.id}: ${check.summary}`)
    expect(notOk).toEqual([])
  })

  it('exits 0', () => {
    expect(exitCodeOf(checks)).toBe(0)
  })

  it('lists the rootless check ids in order', () => {
    expect(checks.map((check) => check.id)).toEqual([
      'runtime-dir',
      'systemd-session',
      'linger',
      'rootlesskit',
      'containerd',
      'containerd-config',
      'containerd-snapshotters',
      'proxy-plugin:fuse-overlayfs',
      'overlayfs',
      'fuse',
      'cgroup',
      'cgroup-delegation',
      'settings',
      'nerdctl',
      'nerdctl-toml',
      'snapshotter',
      'bypass4netns',
      'buildkit',
    ])
  })

  it('gives no fix for ok checks', () => {
    expect(checks.filter((check) => check.fix !== null)).toEqual([])
  })

  it('names the chosen snapshotter', () => {
    expect(findCheck(checks, 'snapshotter').summary).toMatch(/^rnerdctl chooses overlayfs/)
  })
})

describe('buildChecks failures', () => {
  it('fails without a runtime dir', () => {
    const facts = healthyFacts()
    facts.decision.runtimeDir = { path: null, source: 'none' }
    facts.runtimeDir = { variable: null, variableStat: null, defaultPath: RUNTIME_DIR, defaultStat: null }
    facts.rootlessKit = { ...(facts.rootlessKit as NonNullable<DoctorFacts['rootlessKit']>), stateDir: null, stateDirExists: false, childPidText: null, child: null }
    facts.containerd = { socket: null, answer: null, process: null, pluginList: { source: 'none', reason: 'containerd does not answer' } }
    const checks = buildChecks(facts)

    const runtimeDir = findCheck(checks, 'runtime-dir')
    expect(runtimeDir.status).toBe('fail')
    expect(runtimeDir.summary).toContain(`${RUNTIME_DIR} does not exist`)
    expect(runtimeDir.fix).toContain('sudo loginctl enable-linger alice')
    expect(findCheck(checks, 'rootlesskit').status).toBe('fail')
    expect(exitCodeOf(checks)).toBe(1)
  })

  it('fixes a missing runtime dir without systemd', () => {
    const facts = healthyFacts()
    facts.decision.runtimeDir = { path: null, source: 'none' }
    facts.runtimeDir = { variable: null, variableStat: null, defaultPath: RUNTIME_DIR, defaultStat: null }
    facts.systemd = { booted: false, userManager: null, linger: null }
    const check = findCheck(buildChecks(facts), 'runtime-dir')

    expect(check.fix).toContain(`sudo install -d -m 0700 -o ${UID} -g ${UID} ${RUNTIME_DIR}`)
  })

  it('warns about an ignored XDG_RUNTIME_DIR', () => {
    const facts = healthyFacts()
    facts.decision.runtimeDir = { path: RUNTIME_DIR, source: 'default' }
    facts.runtimeDir.variable = '/run/user/1000'
    facts.runtimeDir.variableStat = { uid: 1000, mode: 0o40700, isDirectory: true }
    const check = findCheck(buildChecks(facts), 'runtime-dir')

    expect(check.status).toBe('warn')
    expect(check.summary).toContain('is owned by uid 1000')
    expect(check.fix).toBe(`export XDG_RUNTIME_DIR=${RUNTIME_DIR}`)
  })

  it('fails when containerd stopped', () => {
    const facts = healthyFacts()
    facts.rootlessKit = { ...(facts.rootlessKit as NonNullable<DoctorFacts['rootlessKit']>), stateDirExists: false, childPidText: null, child: null }
    facts.containerd = {
      socket: facts.containerd.socket,
      answer: { alive: false, reason: `${RUNTIME_DIR}/containerd/containerd.sock does not exist` },
      process: null,
      pluginList: { source: 'none', reason: 'containerd does not answer' },
    }
    const checks = buildChecks(facts)

    const rootlessKit = findCheck(checks, 'rootlesskit')
    expect(rootlessKit.status).toBe('fail')
    expect(rootlessKit.fix).toBe('systemctl --user start containerd.service')
    const containerd = findCheck(checks, 'containerd')
    expect(containerd.status).toBe('fail')
    expect(containerd.details).toContain(`${RUNTIME_DIR}/containerd/containerd.sock does not exist`)
    expect(findCheck(checks, 'containerd-snapshotters').status).toBe('warn')
    expect(exitCodeOf(checks)).toBe(1)
  })

  it('fails on a dead child_pid', () => {
    const facts = healthyFacts()
    const kit = facts.rootlessKit as NonNullable<DoctorFacts['rootlessKit']>
    kit.child = { pid: 4242, alive: false, command: null }
    const check = findCheck(buildChecks(facts), 'rootlesskit')

    expect(check.status).toBe('fail')
    expect(check.summary).toContain('pid 4242, which is not running')
  })

  it('restarts a hung containerd', () => {
    const facts = healthyFacts()
    facts.containerd.answer = { alive: false, reason: 'did not answer within 1000 ms' }
    const check = findCheck(buildChecks(facts), 'containerd')

    expect(check.status).toBe('fail')
    expect(check.fix).toBe('systemctl --user restart containerd.service')
  })

  it('suggests setuptool without a unit file', () => {
    const facts = healthyFacts()
    const kit = facts.rootlessKit as NonNullable<DoctorFacts['rootlessKit']>
    kit.stateDirExists = false
    kit.unitFile.exists = false
    const check = findCheck(buildChecks(facts), 'rootlesskit')

    expect(check.fix).toBe('containerd-rootless-setuptool.sh install')
  })

  it('fails when nerdctl is missing', () => {
    const facts = healthyFacts()
    facts.nerdctl = { path: null, version: null, problem: 'nerdctl not found on PATH: install nerdctl' }
    const check = findCheck(buildChecks(facts), 'nerdctl')

    expect(check.status).toBe('fail')
    expect(check.fix).toContain('RNERDCTL_NERDCTL')
  })

  it('names the install fix once', () => {
    const lookup = findNerdctl({ explicit: null, pathVariable: '/nonexistent', cwd: '/', exclude: new Set(), uid: UID })
    if (lookup.ok) throw new Error('expected no nerdctl in /nonexistent')
    const facts = healthyFacts()
    facts.nerdctl = { path: null, version: null, problem: lookup.message }
    const check = findCheck(buildChecks(facts), 'nerdctl')

    expect(check.summary).toBe('nerdctl not found on PATH')
    expect(check.fix).toBe('install nerdctl (https://github.com/containerd/nerdctl/releases) or set RNERDCTL_NERDCTL=/path/to/nerdctl')
  })

  it('moves a lookup fix out of the summary', () => {
    const facts = healthyFacts()
    facts.nerdctl = { path: null, version: null, problem: '/opt/nerdctl (from RNERDCTL_NERDCTL) is not executable (fix: chmod +x /opt/nerdctl)' }
    const check = findCheck(buildChecks(facts), 'nerdctl')

    expect(check.summary).toBe('/opt/nerdctl (from RNERDCTL_NERDCTL) is not executable')
    expect(check.fix).toBe('chmod +x /opt/nerdctl')
  })

  it('keeps a message without a fix', () => {
    const facts = healthyFacts()
    facts.nerdctl = { path: null, version: null, problem: 'refusing to run /tmp/nerdctl (from PATH): it is writable by others' }
    const check = findCheck(buildChecks(facts), 'nerdctl')

    expect(check.summary).toBe('refusing to run /tmp/nerdctl (from PATH): it is writable by others')
    expect(check.fix).toContain('install nerdctl')
  })

  it('puts each settings warning on its own line', () => {
    const facts = healthyFacts()
    facts.settings.warnings = [
      'RNERDCTL_DEBUG="maybe" is not a boolean; using off (fix: 1/0, true/false, yes/no or on/off)',
      'RNERDCTL_SNAPSHOTTERS=",": no snapshotter named; using the default chain (fix: a comma-separated list such as "overlayfs,native")',
    ]
    const check = findCheck(buildChecks(facts), 'settings')

    expect(check.status).toBe('warn')
    expect(check.summary).toBe('2 invalid settings ignored')
    expect(check.details).toEqual([...facts.settings.warnings, 'snapshotter chain: stargz, overlayfs, fuse-overlayfs, native (from default)'])
  })

  it('counts one invalid setting', () => {
    const facts = healthyFacts()
    facts.settings.warnings = ['RNERDCTL_DEBUG="maybe" is not a boolean; using off (fix: 1/0, true/false, yes/no or on/off)']

    expect(findCheck(buildChecks(facts), 'settings').summary).toBe('1 invalid setting ignored')
  })

  it('fails on an invalid nerdctl.toml', () => {
    const facts = healthyFacts()
    facts.settings.nerdctlToml = { path: '/home/alice/.config/nerdctl/nerdctl.toml', exists: true, error: 'line 2: invalid TOML: x' }
    const check = findCheck(buildChecks(facts), 'nerdctl-toml')

    expect(check.status).toBe('fail')
    expect(check.summary).toContain('line 2: invalid TOML')
  })
})

// The main config was written after containerd started, and containerd
// could not be asked for its plugin list.
function changedFacts(): DoctorFacts {
  const facts = healthyFacts()
  facts.config.files[0]!.mtimeMs = STARTED_AT + 5000
  facts.containerd.pluginList = { source: 'none', reason: 'containerd does not answer' }
  return facts
}

describe('buildChecks containerd config', () => {
  it('warns when changed after start', () => {
    const check = findCheck(buildChecks(changedFacts()), 'containerd-config')

    expect(check.status).toBe('warn')
    expect(check.summary).toBe(`${CONFIG} changed after containerd started (by mtime), so containerd may not have loaded it`)
    expect(check.fix).toBe('restart containerd: systemctl --user restart containerd.service')
  })

  it('accepts a change the plugin list shows loaded', () => {
    const facts = changedFacts()
    facts.containerd.pluginList = { source: 'cache', plugins: [snapshotter('overlayfs'), snapshotter('fuse-overlayfs')] }
    const check = findCheck(buildChecks(facts), 'containerd-config')

    expect(check.status).toBe('ok')
    expect(check.summary).toBe(`${CONFIG} changed after containerd started (by mtime), and containerd has loaded the proxy plugin "fuse-overlayfs" declared there`)
    expect(check.details).toContain('proxy plugins checked against the plugin list cached for this containerd process')
  })

  it('warns about a plugin the list lacks', () => {
    const facts = changedFacts()
    facts.containerd.pluginList = { source: 'containerd', plugins: [snapshotter('overlayfs')] }
    const check = findCheck(buildChecks(facts), 'containerd-config')

    expect(check.status).toBe('warn')
    expect(check.summary).toBe(`${CONFIG} changed after containerd started, and containerd has not loaded proxy plugin "fuse-overlayfs" declared there`)
    expect(check.fix).toBe('restart containerd: systemctl --user restart containerd.service')
  })

  it('warns when the change declares no plugin', () => {
    const facts = changedFacts()
    facts.containerd.pluginList = { source: 'containerd', plugins: [snapshotter('overlayfs')] }
    facts.config.plugins = []
    facts.proxyPlugins = []
    const check = findCheck(buildChecks(facts), 'containerd-config')

    expect(check.status).toBe('warn')
    expect(check.summary).toContain('so containerd may not have loaded it')
  })

  it('says them for several files', () => {
    const facts = changedFacts()
    facts.config.files.push({ path: '/home/alice/.config/containerd/conf.d/a.toml', mtimeMs: STARTED_AT + 5000, size: 10, error: null, missing: false })
    const check = findCheck(buildChecks(facts), 'containerd-config')

    expect(check.summary).toMatch(/, so containerd may not have loaded them$/)
  })

  it('warns when an import changed', () => {
    const facts = healthyFacts()
    const imported = '/home/alice/.config/containerd/conf.d/stargz.toml'
    facts.config.files.push({ path: imported, mtimeMs: STARTED_AT + 5000, size: 10, error: null, missing: false })
    const check = findCheck(buildChecks(facts), 'containerd-config')

    expect(check.status).toBe('warn')
    expect(check.summary).toContain(imported)
    expect(check.summary).not.toContain(`${CONFIG},`)
  })

  it('ignores a write just before start', () => {
    const facts = healthyFacts()
    facts.config.files[0]!.mtimeMs = STARTED_AT + 5
    expect(statusOf(facts, 'containerd-config')).toBe('ok')
  })

  it('gives the restart without systemd', () => {
    const facts = changedFacts()
    facts.systemd = { booted: false, userManager: null, linger: null }
    const check = findCheck(buildChecks(facts), 'containerd-config')

    expect(check.fix).toBe(`restart containerd: ${BY_HAND_ROOTLESS}`)
  })

  it('gives the restart without a user manager', () => {
    const facts = changedFacts()
    facts.systemd.userManager = { socket: `${RUNTIME_DIR}/systemd/private`, answer: { alive: false, reason: 'does not exist' } }
    const check = findCheck(buildChecks(facts), 'containerd-config')

    expect(check.fix).toBe(`restart containerd: ${BY_HAND_ROOTLESS}`)
  })

  it('uses a user manager without systemd booted', () => {
    const facts = changedFacts()
    facts.systemd.booted = false
    const check = findCheck(buildChecks(facts), 'containerd-config')

    expect(check.fix).toBe('restart containerd: systemctl --user restart containerd.service')
  })

  it('warns about invalid TOML', () => {
    const facts = healthyFacts()
    facts.config.files[0]!.error = `${CONFIG}:7: invalid TOML: duplicate table proxy_plugins`
    const check = findCheck(buildChecks(facts), 'containerd-config')

    expect(check.status).toBe('warn')
    expect(check.summary).toContain('duplicate table proxy_plugins')
    expect(check.fix).toBe(`correct ${CONFIG}, then restart containerd: systemctl --user restart containerd.service`)
  })

  it('says to merge a repeated header', () => {
    const facts = healthyFacts()
    facts.config.files[0]!.error = `${CONFIG}:8: invalid TOML: Can't redefine existing key`
    facts.config.repeatedHeaders = [{ file: CONFIG, header: '[proxy_plugins]', lines: [3, 8] }]
    const check = findCheck(buildChecks(facts), 'containerd-config')

    expect(check.status).toBe('warn')
    expect(check.summary).toBe(
      `invalid containerd config: ${CONFIG}: the table header [proxy_plugins] appears twice (lines 3 and 8), which TOML does not allow`,
    )
    expect(check.fix).toBe(
      `merge the tables under one [proxy_plugins] header in ${CONFIG}, then restart containerd: systemctl --user restart containerd.service`,
    )
  })

  it('lists each invalid file', () => {
    const facts = healthyFacts()
    const imported = '/home/alice/.config/containerd/conf.d/a.toml'
    facts.config.files[0]!.error = `${CONFIG}:8: invalid TOML: Can't redefine existing key`
    facts.config.files.push({ path: imported, mtimeMs: null, size: 10, error: `${imported}:1: invalid TOML: Unexpected character`, missing: false })
    facts.config.repeatedHeaders = [{ file: CONFIG, header: '[proxy_plugins]', lines: [3, 8, 12] }]
    const check = findCheck(buildChecks(facts), 'containerd-config')

    expect(check.summary).toBe('2 containerd config files invalid')
    expect(check.details).toContain(`${CONFIG}: the table header [proxy_plugins] appears 3 times (lines 3, 8 and 12), which TOML does not allow`)
    expect(check.details).toContain(`${imported}:1: invalid TOML: Unexpected character`)
    expect(check.fix).toBe(
      `merge the tables under one [proxy_plugins] header in ${CONFIG}\n` +
        `correct ${imported}, then restart containerd: systemctl --user restart containerd.service`,
    )
  })

  it('puts each config warning on its own line', () => {
    const facts = healthyFacts()
    facts.config.warnings = [`${CONFIG}: unknown config version 9 (containerd reads 1, 2 and 3)`, 'import conf.d/*.toml: permission denied']
    const check = findCheck(buildChecks(facts), 'containerd-config')

    expect(check.summary).toBe("2 problems in containerd's config")
    expect(check.details.slice(0, 2)).toEqual(facts.config.warnings)
  })

  it('keeps one config warning as the summary', () => {
    const facts = healthyFacts()
    facts.config.warnings = ['import conf.d/*.toml: permission denied']
    const check = findCheck(buildChecks(facts), 'containerd-config')

    expect(check.summary).toBe('import conf.d/*.toml: permission denied')
  })

  it('accepts a missing config', () => {
    const facts = healthyFacts()
    facts.config.files = [{ path: CONFIG, mtimeMs: null, size: null, error: null, missing: true }]
    facts.config.plugins = []
    facts.proxyPlugins = []
    const check = findCheck(buildChecks(facts), 'containerd-config')

    expect(check.status).toBe('ok')
    expect(check.summary).toContain('does not exist')
  })
})

describe('buildChecks proxy plugins', () => {
  it('warns about a plugin without listener', () => {
    const facts = healthyFacts()
    facts.proxyPlugins[0]!.answer = { alive: false, reason: `${FUSE_SOCKET} does not exist` }
    facts.proxyPlugins[0]!.socketOwner = null
    const check = findCheck(buildChecks(facts), 'proxy-plugin:fuse-overlayfs')

    expect(check.status).toBe('warn')
    expect(check.summary).toContain('does not answer')
    expect(check.details).toContain(`${FUSE_SOCKET} does not exist`)
    expect(check.fix).toBe('systemctl --user start containerd-fuse-overlayfs.service')
  })

  it('names the daemon without systemd', () => {
    const facts = healthyFacts()
    facts.systemd = { booted: false, userManager: null, linger: null }
    facts.proxyPlugins[0]!.answer = { alive: false, reason: 'refuses connections' }
    const check = findCheck(buildChecks(facts), 'proxy-plugin:fuse-overlayfs')

    expect(check.fix).toContain(`listens on ${FUSE_SOCKET}`)
  })

  it('shows the plugin loaded per containerd', () => {
    const check = findCheck(buildChecks(healthyFacts()), 'proxy-plugin:fuse-overlayfs')

    expect(check.status).toBe('ok')
    expect(check.details).toContain('containerd lists it as "ok"')
    expect(check.details).toContain(`socket owner: uid ${UID}`)
  })

  it('warns when containerd has not loaded it', () => {
    const facts = healthyFacts()
    facts.containerd.pluginList = { source: 'cache', plugins: [snapshotter('native'), snapshotter('overlayfs')] }
    const checks = buildChecks(facts)

    const plugin = findCheck(checks, 'proxy-plugin:fuse-overlayfs')
    expect(plugin.status).toBe('warn')
    expect(plugin.summary).toContain('containerd has not loaded "fuse-overlayfs"')
    expect(plugin.fix).toContain('systemctl --user restart containerd.service')
    const snapshotters = findCheck(checks, 'containerd-snapshotters')
    expect(snapshotters.status).toBe('warn')
    expect(snapshotters.summary).toBe(`containerd has not loaded declared proxy plugin "fuse-overlayfs" (${CONFIG})`)
  })

  it('warns on an error status', () => {
    const facts = healthyFacts()
    facts.containerd.pluginList = { source: 'containerd', plugins: [snapshotter('overlayfs'), snapshotter('fuse-overlayfs', 'error')] }
    const check = findCheck(buildChecks(facts), 'proxy-plugin:fuse-overlayfs')

    expect(check.status).toBe('warn')
    expect(check.details).toContain('containerd lists it as "error"')
  })

  it('rejects another user runtime dir', () => {
    const facts = healthyFacts()
    const foreign = '/run/user/1000/containerd-fuse-overlayfs.sock'
    facts.proxyPlugins[0]!.plugin.address = foreign
    facts.proxyPlugins[0]!.hostAddress = foreign
    const check = findCheck(buildChecks(facts), 'proxy-plugin:fuse-overlayfs')

    expect(check.status).toBe('warn')
    expect(check.summary).toContain("uid 1000's runtime dir")
    expect(check.fix).toContain(`address = "${FUSE_SOCKET}"`)
  })

  it('warns about a socket outside the runtime dir', () => {
    const facts = healthyFacts()
    facts.proxyPlugins[0]!.hostAddress = '/tmp/fuse.sock'
    const check = findCheck(buildChecks(facts), 'proxy-plugin:fuse-overlayfs')

    expect(check.status).toBe('warn')
    expect(check.summary).toContain('outside your runtime dir')
  })
})

describe('buildChecks snapshotter', () => {
  it('fails when containerd has not loaded the choice', () => {
    const facts = healthyFacts()
    facts.containerd.pluginList = { source: 'containerd', plugins: [snapshotter('native'), snapshotter('overlayfs', 'error')] }
    const checks = buildChecks(facts)
    const check = findCheck(checks, 'snapshotter')

    expect(check.status).toBe('fail')
    expect(check.summary).toContain('lists it as "error"')
    expect(exitCodeOf(checks)).toBe(1)
  })

  it("fails when the user's choice is unknown", () => {
    const facts = healthyFacts()
    facts.decision.snapshotter = { name: 'zfs', source: 'env', reason: 'CONTAINERD_SNAPSHOTTER=zfs in the environment' }
    const check = findCheck(buildChecks(facts), 'snapshotter')

    expect(check.status).toBe('fail')
    expect(check.summary).toContain('zfs is your choice (CONTAINERD_SNAPSHOTTER=zfs in the environment)')
    expect(check.summary).toContain('does not list it')
  })

  it("fails when the user's choice is dead", () => {
    const facts = healthyFacts()
    facts.containerd.pluginList = { source: 'none', reason: 'containerd does not answer' }
    facts.decision.snapshotter = { name: 'fuse-overlayfs', source: 'flag', reason: '--snapshotter fuse-overlayfs on the command line' }
    facts.decision.candidates = [{ name: 'fuse-overlayfs', usable: false, reason: `${FUSE_SOCKET} refuses connections` }]
    const check = findCheck(buildChecks(facts), 'snapshotter')

    expect(check.status).toBe('fail')
    expect(check.summary).toContain('refuses connections')
  })

  it('reports the last choice', () => {
    const facts = healthyFacts()
    facts.lastChoice = 'fuse-overlayfs'
    const check = findCheck(buildChecks(facts), 'snapshotter')

    expect(check.status).toBe('ok')
    expect(check.summary).toContain('was fuse-overlayfs last time')
    expect(check.details).toContain('last time rnerdctl chose fuse-overlayfs')
  })

  it('warns without a usable snapshotter', () => {
    const facts = healthyFacts()
    facts.decision.snapshotter = { name: null, source: 'none', reason: 'no snapshotter in the chain is usable' }
    expect(statusOf(facts, 'snapshotter')).toBe('warn')
  })
})

describe('buildChecks cgroup', () => {
  it('warns on cgroup v1', () => {
    const facts = healthyFacts()
    facts.cgroup = { v2: false, userCgroup: null }
    const checks = buildChecks(facts)

    const cgroup = findCheck(checks, 'cgroup')
    expect(cgroup.status).toBe('warn')
    expect(cgroup.summary).toContain('cgroup v1')
    expect(cgroup.fix).toContain('systemd.unified_cgroup_hierarchy=1')
    expect(findCheck(checks, 'cgroup-delegation').status).toBe('warn')
    expect(exitCodeOf(checks)).toBe(0)
  })

  it('accepts cgroup v1 when rootful', () => {
    const facts = rootfulFacts()
    facts.cgroup = { v2: false, userCgroup: null }
    expect(statusOf(facts, 'cgroup')).toBe('ok')
  })

  it('warns without delegation', () => {
    const facts = healthyFacts()
    facts.cgroup.userCgroup = { path: `/sys/fs/cgroup/user.slice/user-${UID}.slice/user@${UID}.service`, controllers: ['memory', 'pids'] }
    const check = findCheck(buildChecks(facts), 'cgroup-delegation')

    expect(check.status).toBe('warn')
    expect(check.summary).toContain('cpu (--cpus)')
    expect(check.summary).not.toContain('memory')
    expect(check.fix).toContain('Delegate=cpu cpuset io memory pids')
    expect(check.fix).toContain('/etc/systemd/system/user@.service.d/delegate.conf')
    expect(check.fix).toContain('sudo systemctl daemon-reload')
  })

  it('warns without a user cgroup', () => {
    const facts = healthyFacts()
    facts.cgroup.userCgroup = { path: `/sys/fs/cgroup/user.slice/user-${UID}.slice/user@${UID}.service`, controllers: null }
    const check = findCheck(buildChecks(facts), 'cgroup-delegation')

    expect(check.status).toBe('warn')
    expect(check.details[0]).toContain('cgroup.controllers does not exist')
  })
})

describe('buildChecks systemd', () => {
  it('says so when systemd is absent', () => {
    const facts = healthyFacts()
    facts.systemd = { booted: false, userManager: null, linger: null }
    const checks = buildChecks(facts)

    for (const id of ['systemd-session', 'linger']) {
      const check = findCheck(checks, id)
      expect(check.status).toBe('ok')
      expect(check.summary).toContain('systemd is not running on this host')
    }
  })

  it('warns without lingering', () => {
    const facts = healthyFacts()
    facts.systemd.linger = { file: '/var/lib/systemd/linger/alice', enabled: false }
    const check = findCheck(buildChecks(facts), 'linger')

    expect(check.status).toBe('warn')
    expect(check.fix).toBe('sudo loginctl enable-linger alice')
  })

  it('warns without a user manager', () => {
    const facts = healthyFacts()
    facts.systemd.userManager = { socket: `${RUNTIME_DIR}/systemd/private`, answer: { alive: false, reason: 'does not exist' } }
    expect(statusOf(facts, 'systemd-session')).toBe('warn')
  })
})

describe('buildChecks host', () => {
  it('warns when overlayfs is unusable', () => {
    const facts = healthyFacts()
    facts.decision.candidates = facts.decision.candidates.filter((candidate) => candidate.name !== 'fuse-overlayfs')
    facts.overlay.kernel = { release: '4.18.0-305.el8.x86_64', procVersion: 'Linux version 4.18.0', selinuxEnforcing: true }
    facts.overlay.rules = { allowed: false, reason: 'kernel 4.18.0-305.el8.x86_64 is older than 5.11 and not an Ubuntu kernel' }
    facts.overlay.mount = null
    facts.overlay.verdict = { name: 'overlayfs', usable: false, reason: facts.overlay.rules.reason }
    const check = findCheck(buildChecks(facts), 'overlayfs')

    expect(check.status).toBe('warn')
    expect(check.details).toContain('SELinux enforcing: yes')
    expect(check.details).toContain('kernel release: 4.18.0-305.el8.x86_64')
    expect(check.fix).toContain('install-fuse-overlayfs')
  })

  it('accepts fuse-overlayfs standing in', () => {
    const facts = healthyFacts()
    facts.overlay.verdict = { name: 'overlayfs', usable: false, reason: 'overlay mount failed' }
    const check = findCheck(buildChecks(facts), 'overlayfs')

    expect(check.status).toBe('ok')
    expect(check.summary).toContain('fuse-overlayfs stands in')
  })

  it('warns when FUSE is needed', () => {
    const facts = healthyFacts()
    facts.fuse.device = { usable: false, reason: '/dev/fuse cannot be opened read-write (EACCES)' }
    const check = findCheck(buildChecks(facts), 'fuse')

    expect(check.status).toBe('warn')
    expect(check.fix).toBe('sudo chmod 0666 /dev/fuse')
  })

  it('accepts unusable FUSE nobody needs', () => {
    const facts = healthyFacts()
    facts.config.plugins = []
    facts.fuse = { exists: false, device: { usable: false, reason: '/dev/fuse (ENOENT)' }, kernel: facts.fuse.kernel }
    expect(statusOf(facts, 'fuse')).toBe('ok')
  })

  it('warns about a stale bypass4netnsd socket', () => {
    const facts = healthyFacts()
    facts.bypass4netns = { enabled: true, socket: `${RUNTIME_DIR}/bypass4netnsd.sock`, exists: true, answer: { alive: false, reason: 'refuses connections' } }
    const check = findCheck(buildChecks(facts), 'bypass4netns')

    expect(check.status).toBe('warn')
    expect(check.fix).toBe('systemctl --user restart bypass4netnsd.service')
  })

  it('accepts no BuildKit', () => {
    const facts = healthyFacts()
    facts.buildkit.sockets = [{ path: `${RUNTIME_DIR}/buildkit/buildkitd.sock`, exists: false, answer: { alive: false, reason: 'does not exist' } }]
    const check = findCheck(buildChecks(facts), 'buildkit')

    expect(check.status).toBe('ok')
    expect(check.details).toContain('to set it up: containerd-rootless-setuptool.sh install-buildkit')
  })
})

function rootfulFacts(): DoctorFacts {
  const facts = healthyFacts()
  facts.uid = 0
  facts.gid = 0
  facts.user = 'root'
  facts.rootless = false
  facts.decision.rootless = false
  facts.decision.runtimeDir = { path: '/run', source: 'default' }
  facts.rootlessKit = null
  facts.bypass4netns = null
  facts.containerd.socket = '/run/containerd/containerd.sock'
  facts.containerd.process = null
  facts.config.mainPath = '/etc/containerd/config.toml'
  facts.config.files = [{ path: '/etc/containerd/config.toml', mtimeMs: STARTED_AT, size: 10, error: null, missing: false }]
  facts.config.plugins = []
  facts.proxyPlugins = []
  facts.cgroup.userCgroup = null
  return facts
}

describe('buildChecks rootful', () => {
  const checks = buildChecks(rootfulFacts())

  it('leaves out rootless checks', () => {
    const ids = checks.map((check) => check.id)
    for (const id of ['runtime-dir', 'systemd-session', 'linger', 'rootlesskit', 'cgroup-delegation', 'bypass4netns']) {
      expect(ids).not.toContain(id)
    }
  })

  it('checks the rootful socket', () => {
    expect(findCheck(checks, 'containerd').summary).toContain('/run/containerd/containerd.sock')
  })

  it('cannot compare start times', () => {
    expect(findCheck(checks, 'containerd-config').summary).toBe("1 file read, but containerd's start time is unknown, so not compared with them")
  })

  it('counts files in the plural', () => {
    const facts = rootfulFacts()
    facts.config.files.push({ path: '/etc/containerd/conf.d/a.toml', mtimeMs: STARTED_AT, size: 10, error: null, missing: false })

    expect(findCheck(buildChecks(facts), 'containerd-config').summary).toMatch(/^2 files read, /)
  })

  it('restarts through systemd', () => {
    const facts = rootfulFacts()
    facts.containerd.pluginList = { source: 'none', reason: 'cannot connect' }

    expect(findCheck(buildChecks(facts), 'containerd-snapshotters').fix).toBe('restart containerd: systemctl restart containerd')
  })

  it('restarts by hand without systemd', () => {
    const facts = rootfulFacts()
    facts.systemd = { booted: false, userManager: null, linger: null }
    facts.containerd.pluginList = { source: 'none', reason: 'cannot connect' }

    expect(findCheck(buildChecks(facts), 'containerd-snapshotters').fix).toBe(
      'restart containerd: stop containerd and start it again by hand, because systemd is not running here',
    )
  })

  it('restarts the system service', () => {
    const facts = rootfulFacts()
    facts.containerd.answer = { alive: false, reason: 'refuses connections' }
    const check = findCheck(buildChecks(facts), 'containerd')

    expect(check.status).toBe('fail')
    expect(check.fix).toBe('systemctl start containerd.service')
  })

  it('passes when healthy', () => {
    expect(exitCodeOf(checks)).toBe(0)
  })
})
