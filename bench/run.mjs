// Measures what rnerdctl adds to a nerdctl call, as ratios within one run on
// one machine. hyperfine (Debian's package) times each case; every case runs
// with a clean environment, since variables such as NODE_EXTRA_CA_CERTS slow
// every Node start. As root, the cases run as the unprivileged user
// `nobody` with a runtime dir of their own, so the rootless path is measured.
//
//   npm run bench            full run; exits 1 when a target is missed
//   npm run bench -- --quick CI mode: fewer runs, reports, never fails
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import path from 'node:path'

const quick = process.argv.includes('--quick')
const runs = quick ? 10 : 60
const warmup = quick ? 2 : 5
const repo = path.resolve(import.meta.dirname, '..')
const asRoot = process.geteuid() === 0
const benchUid = asRoot ? 65534 : process.geteuid()
const benchGid = asRoot ? 65534 : process.getegid()

const work = mkdtempSync(path.join(tmpdir(), 'rnerdctl-bench-'))
chmodSync(work, 0o755)
const home = path.join(work, 'home')
const runtimeDir = path.join(work, 'run')
for (const dir of [home, runtimeDir]) {
  mkdirSync(dir, { mode: 0o700 })
  if (asRoot) chownSync(dir, benchUid, benchGid)
}

// A stand-in nerdctl that exits at once (nerdctl is not packaged here):
// the cost of a direct call is then the cost of starting a program.
const standIn = path.join(work, 'nerdctl')
copyFileSync('/bin/true', standIn)
chmodSync(standIn, 0o755)

const baseEnv = { HOME: home, PATH: '/usr/local/bin:/usr/bin:/bin', XDG_RUNTIME_DIR: runtimeDir, RNERDCTL_NERDCTL: standIn }
const rnerdctl = `node ${path.join(repo, 'bin', 'rnerdctl')}`

function command(env, line) {
  const assignments = Object.entries({ ...baseEnv, ...env }).map(([name, value]) => `${name}=${value}`)
  const prefix = asRoot ? `setpriv --reuid ${benchUid} --regid ${benchGid} --clear-groups ` : ''
  return `${prefix}env -i ${assignments.join(' ')} ${line}`
}

function measure(name, line, env = {}, extra = []) {
  const json = path.join(work, `${name}.json`)
  const args = ['-N', '--runs', String(runs), '--warmup', String(warmup), '--ignore-failure', '--export-json', json, '--style', 'none', ...extra, command(env, line)]
  const result = spawnSync('hyperfine', args, { stdio: ['ignore', 'ignore', 'inherit'] })
  if (result.status !== 0) throw new Error(`hyperfine failed for ${name}`)
  const times = JSON.parse(readFileSync(json, 'utf8')).results[0].times.map((seconds) => seconds * 1000).sort((a, b) => a - b)
  return { name, median: percentile(times, 0.5), p90: percentile(times, 0.9) }
}

function percentile(sorted, fraction) {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]
}

// A proxy snapshotter daemon that accepts and never answers, as a frozen
// containerd-fuse-overlayfs-grpc would.
function startFrozenDaemon() {
  const socket = path.join(runtimeDir, 'containerd-fuse-overlayfs.sock')
  const script = `require('net').createServer(() => {}).listen(process.argv[1], () => console.log('ready'))`
  const prefix = asRoot ? ['setpriv', '--reuid', String(benchUid), '--regid', String(benchGid), '--clear-groups'] : []
  const child = spawn(prefix[0] ?? process.execPath, [...prefix.slice(1), ...(asRoot ? [process.execPath] : []), '-e', script, socket], { stdio: ['ignore', 'pipe', 'inherit'] })
  const config = path.join(home, '.config', 'containerd', 'config.toml')
  mkdirSync(path.dirname(config), { recursive: true })
  writeFileSync(config, `version = 2\n[proxy_plugins."fuse-overlayfs"]\n  type = "snapshot"\n  address = "${socket}"\n`)
  if (asRoot) execFileSync('chown', ['-R', `${benchUid}:${benchGid}`, path.join(home, '.config')])
  return new Promise((resolve) => child.stdout.once('data', () => resolve(child)))
}

function describeMachine() {
  const cpu = cpus()[0]?.model ?? 'unknown CPU'
  return `node ${process.version}, ${cpus().length} x ${cpu}, ${asRoot ? 'cases run as uid 65534' : `uid ${benchUid}`}, ${runs} runs each`
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
  results.frozen = measure('frozen', `${rnerdctl} ps`, { RNERDCTL_SNAPSHOTTERS: 'fuse-overlayfs,native' })
  daemon.kill()
} finally {
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

let missed = 0
for (const [label, value, limit, unit] of targets) {
  const ok = value <= limit
  if (!ok) missed++
  console.log(`${ok ? 'ok  ' : 'MISS'} ${label}: ${value.toFixed(2)} ${unit}`)
}

if (quick) console.log('quick mode: timings on shared cores are noise, so no target fails this run')
process.exitCode = missed > 0 && !quick ? 1 : 0
