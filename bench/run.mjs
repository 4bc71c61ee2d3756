// Measures what rnerdctl adds to a nerdctl call, as ratios within one run on
// one machine. hyperfine (Debian's package) times each case; every case runs
// with a clean environment, since variables such as NODE_EXTRA_CA_CERTS slow
// every Node start. As root, the cases run as an unprivileged user, so the
// rootless path is measured: the user `rnerdctl-bench` with a real rootless
// containerd under RootlessKit when containerd and rootlesskit are
// installed (doctor then checks a healthy host), else `nobody` with a
// runtime dir of its own and no containerd.
//
//   npm run bench            full run; exits 1 when a target is missed
//   npm run bench -- --quick CI mode: fewer runs, reports, never fails
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import path from 'node:path'

const quick = process.argv.includes('--quick')
const runs = quick ? 10 : 60
const warmup = quick ? 2 : 5
const repo = path.resolve(import.meta.dirname, '..')
const asRoot = process.geteuid() === 0
const BENCH_USER = 'rnerdctl-bench'

const work = mkdtempSync(path.join(tmpdir(), 'rnerdctl-bench-'))
chmodSync(work, 0o755)
const host = asRoot && hasCommands('containerd', 'rootlesskit', 'newuidmap', 'useradd') ? setUpBenchUser() : setUpScratchUser()
const { uid: benchUid, gid: benchGid, home, runtimeDir } = host

function hasCommands(...names) {
  return names.every((name) => spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0)
}

// No containerd: a uid with a home and runtime dir in the scratch dir.
function setUpScratchUser() {
  const uid = asRoot ? 65534 : process.geteuid()
  const gid = asRoot ? 65534 : process.getegid()
  const dirs = { home: path.join(work, 'home'), runtimeDir: path.join(work, 'run') }
  for (const dir of Object.values(dirs)) {
    mkdirSync(dir, { mode: 0o700 })
    if (asRoot) chownSync(dir, uid, gid)
  }
  writeContainerdConfig(dirs.home, dirs.runtimeDir, uid, gid)
  return { uid, gid, ...dirs, containerd: null }
}

// A user of its own with a real rootless containerd, started the way
// containerd-rootless.sh does it (see test/e2e/inner-containerd.sh).
function setUpBenchUser() {
  if (spawnSync('id', ['-u', BENCH_USER], { stdio: 'ignore' }).status !== 0) {
    // A uid of its own, away from the ones tests use; useradd picks another if taken.
    const free = spawnSync('getent', ['passwd', '1790'], { stdio: 'ignore' }).status !== 0
    execFileSync('useradd', ['-m', '-s', '/bin/sh', ...(free ? ['-u', '1790'] : []), BENCH_USER])
  }
  const uid = Number(execFileSync('id', ['-u', BENCH_USER], { encoding: 'utf8' }))
  const gid = Number(execFileSync('id', ['-g', BENCH_USER], { encoding: 'utf8' }))
  const home = execFileSync('getent', ['passwd', BENCH_USER], { encoding: 'utf8' }).split(':')[5]
  const runtimeDir = `/run/user/${uid}`
  rmSync(runtimeDir, { recursive: true, force: true })
  mkdirSync(runtimeDir, { recursive: true, mode: 0o700 })
  chownSync(runtimeDir, uid, gid)
  rmSync(path.join(home, '.config'), { recursive: true, force: true })
  rmSync(path.join(home, '.local'), { recursive: true, force: true })

  writeContainerdConfig(home, runtimeDir, uid, gid)
  const inner = path.join(work, 'inner-containerd.sh')
  copyFileSync(path.join(repo, 'test', 'e2e', 'inner-containerd.sh'), inner)
  chmodSync(inner, 0o755)
  const env = { HOME: home, PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', XDG_RUNTIME_DIR: runtimeDir }
  const args = ['--reuid', String(uid), '--regid', String(gid), '--init-groups', 'rootlesskit', `--state-dir=${runtimeDir}/containerd-rootless`,
    '--net=host', '--copy-up=/etc', '--copy-up=/run', '--copy-up=/var/lib', '--propagation=rslave', 'sh', inner]
  const containerd = spawn('setpriv', args, { env, stdio: 'ignore', detached: true })
  const socket = path.join(runtimeDir, 'containerd', 'containerd.sock')
  for (let waited = 0; !existsSync(socket); waited += 100) {
    if (waited > 20_000) throw new Error(`rootless containerd for ${BENCH_USER} did not start: no ${socket}`)
    execFileSync('sleep', ['0.1'])
  }
  return { uid, gid, home, runtimeDir, containerd }
}

function tearDownHost() {
  if (host.containerd === null) return
  try {
    process.kill(-host.containerd.pid, 'SIGTERM')
  } catch {
    // Already gone.
  }
  execFileSync('sleep', ['0.5'])
  rmSync(host.runtimeDir, { recursive: true, force: true })
}

// A stand-in nerdctl that exits at once (nerdctl is not packaged here):
// the cost of a direct call is then the cost of starting a program.
const standIn = path.join(work, 'nerdctl')
copyFileSync('/bin/true', standIn)
chmodSync(standIn, 0o755)

// A stand-in for `nerdctl save`: it writes STREAM_BYTES zero bytes to
// stdout, which rnerdctl must pass through as fast as a direct call.
const streamBytes = quick ? 128 * 1024 * 1024 : 1024 * 1024 * 1024
const saver = path.join(work, 'nerdctl-save')
writeFileSync(saver, `#!/bin/sh\nexec head -c ${streamBytes} /dev/zero\n`)
chmodSync(saver, 0o755)

const baseEnv = { HOME: home, PATH: '/usr/local/bin:/usr/bin:/bin', XDG_RUNTIME_DIR: runtimeDir, RNERDCTL_NERDCTL: standIn }
const rnerdctl = `node ${path.join(repo, 'bin', 'rnerdctl')}`

function command(env, line) {
  const assignments = Object.entries({ ...baseEnv, ...env }).map(([name, value]) => `${name}=${value}`)
  const prefix = asRoot ? `setpriv --reuid ${benchUid} --regid ${benchGid} --clear-groups ` : ''
  return `${prefix}env -i ${assignments.join(' ')} ${line}`
}

function measure(name, line, env = {}, extra = [], count = runs) {
  const json = path.join(work, `${name}.json`)
  const args = ['-N', '--runs', String(count), '--warmup', String(Math.min(warmup, count)), '--ignore-failure', '--export-json', json, '--style', 'none', ...extra, command(env, line)]
  const result = spawnSync('hyperfine', args, { stdio: ['ignore', 'ignore', 'inherit'] })
  if (result.status !== 0) throw new Error(`hyperfine failed for ${name}`)
  const times = JSON.parse(readFileSync(json, 'utf8')).results[0].times.map((seconds) => seconds * 1000).sort((a, b) => a - b)
  return { name, median: percentile(times, 0.5), p90: percentile(times, 0.9) }
}

function percentile(sorted, fraction) {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]
}

function frozenSocket(dir) {
  return path.join(dir, 'frozen-snapshotter.sock')
}

// The config declares a proxy plugin "frozen", which needs no FUSE, so its
// socket is probed whatever /dev/fuse allows. It is written before
// containerd starts, or rnerdctl would rule the plugin out as not loaded.
function writeContainerdConfig(home, runtimeDir, uid, gid) {
  const dir = path.join(home, '.config', 'containerd')
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, 'config.toml'), `version = 2\n[proxy_plugins.frozen]\n  type = "snapshot"\n  address = "${frozenSocket(runtimeDir)}"\n`)
  if (asRoot) execFileSync('chown', ['-R', `${uid}:${gid}`, path.join(home, '.config')])
}

// A proxy snapshotter daemon that accepts and never answers, as a frozen
// containerd-fuse-overlayfs-grpc would.
function startFrozenDaemon() {
  const socket = frozenSocket(runtimeDir)
  const script = `require('net').createServer(() => {}).listen(process.argv[1], () => console.log('ready'))`
  const prefix = asRoot ? ['setpriv', '--reuid', String(benchUid), '--regid', String(benchGid), '--clear-groups'] : []
  const child = spawn(prefix[0] ?? process.execPath, [...prefix.slice(1), ...(asRoot ? [process.execPath] : []), '-e', script, socket], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve) => child.stdout.once('data', () => resolve(child)))
}

function describeMachine() {
  const cpu = cpus()[0]?.model ?? 'unknown CPU'
  const containerd = host.containerd === null ? 'no containerd' : 'a real rootless containerd'
  return `node ${process.version}, ${cpus().length} x ${cpu}, uid ${benchUid} with ${containerd}, ${runs} runs each`
}

const results = {}
try {
  results.bare = measure('bare', 'node -e 0')
  results.direct = measure('direct', `${standIn} ps`)
  measure('prime', `${rnerdctl} ps`)
  results.warm = measure('warm', `${rnerdctl} ps`)
  results.cold = measure('cold', `${rnerdctl} ps`, { RNERDCTL_NO_CACHE: '1' })
  results.doctor = measure('doctor', `${rnerdctl} doctor`)
  const daemon = await startFrozenDaemon()
  results.frozen = measure('frozen', `${rnerdctl} ps`, { RNERDCTL_SNAPSHOTTERS: 'frozen,native' })
  daemon.kill()
  const pipe = ['--output=pipe']
  results.streamDirect = measure('stream-direct', `${saver} save`, {}, pipe, Math.max(3, Math.floor(runs / 6)))
  results.stream = measure('stream', `${rnerdctl} save`, { RNERDCTL_NERDCTL: saver }, pipe, Math.max(3, Math.floor(runs / 6)))
} finally {
  tearDownHost()
  rmSync(work, { recursive: true, force: true })
}

const added = results.warm.median - results.direct.median
const targets = [
  ['warm pass-through adds <= 1.5 x bare node', added / results.bare.median, 1.5, 'x'],
  ['cold minus warm <= 40 ms', results.cold.median - results.warm.median, 40, 'ms'],
  ['frozen daemon minus warm <= 200 ms', results.frozen.median - results.warm.median, 200, 'ms'],
  ['doctor <= 10 x bare node', results.doctor.median / results.bare.median, 10, 'x'],
]

console.log(describeMachine())
console.log('case      median ms   p90 ms')
for (const result of Object.values(results)) {
  console.log(`${result.name.padEnd(9)} ${result.median.toFixed(1).padStart(9)} ${result.p90.toFixed(1).padStart(8)}`)
}
console.log(`warm pass-through adds ${added.toFixed(1)} ms over the direct call`)
const mib = streamBytes / 1024 / 1024
console.log(
  `${mib} MiB on stdout through a pipe: ${(mib / (results.stream.median / 1000)).toFixed(0)} MiB/s through rnerdctl, ` +
    `${(mib / (results.streamDirect.median / 1000)).toFixed(0)} MiB/s direct (ratio ${(results.stream.median / results.streamDirect.median).toFixed(2)})`,
)

let missed = 0
for (const [label, value, limit, unit] of targets) {
  const ok = value <= limit
  if (!ok) missed++
  console.log(`${ok ? 'ok  ' : 'MISS'} ${label}: ${value.toFixed(2)} ${unit}`)
}

if (quick) console.log('quick mode: timings on shared cores are noise, so no target fails this run')
process.exitCode = missed > 0 && !quick ? 1 : 0
