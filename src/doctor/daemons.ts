import { existsSync } from 'node:fs'
import path from 'node:path'
import { BUILDKIT_FIX, buildkitSocketCandidates } from '../buildkit.js'
import { probeSocket } from '../socket-probe.js'
import { ok, warn, type Check } from './check.js'
import type { Bypass4netnsFacts, BuildkitFacts, DoctorFacts } from './facts.js'

// Optional daemons: bypass4netnsd (faster rootless networking) and
// BuildKit (`nerdctl build`). Nothing fails without them; a socket left
// behind by a daemon that died is a warning.

const SOCKET_TIMEOUT_MS = 500

export async function readBypass4netnsFacts(enabled: boolean, runtimeDir: string | null, uid: number): Promise<Bypass4netnsFacts> {
  const socket = runtimeDir === null ? null : path.join(runtimeDir, 'bypass4netnsd.sock')
  if (socket === null || !enabled) return { enabled, socket, exists: false, answer: null }

  // bypass4netnsd serves a REST API, not gRPC, so a connection is the test,
  // as on the pass-through path.
  const answer = await probeSocket(socket, { uid, mode: 'connect', timeoutMs: SOCKET_TIMEOUT_MS })
  return { enabled, socket, exists: existsSync(socket), answer }
}

export function checkBypass4netns(facts: DoctorFacts): Check {
  const id = 'bypass4netns'
  const b4 = facts.bypass4netns as Bypass4netnsFacts
  if (!b4.enabled) return ok(id, 'turned off (RNERDCTL_BYPASS4NETNS or bypass4netns in the config)')
  if (b4.socket === null || b4.answer === null) return ok(id, 'not checked: there is no runtime dir')

  if (b4.answer.alive) return ok(id, `bypass4netnsd answers on ${b4.socket}: run and create get bypass4netns`)
  if (!b4.exists) {
    return ok(id, 'bypass4netnsd is not running (optional: it speeds up container networking)', [
      'to set it up: containerd-rootless-setuptool.sh install-bypass4netnsd',
    ])
  }

  const fix = facts.systemd.booted ? 'systemctl --user restart bypass4netnsd.service' : 'start bypass4netnsd again'
  return warn(id, `bypass4netnsd left a socket behind but does not answer: ${b4.answer.reason}`, [], fix)
}

export async function readBuildkitFacts(env: NodeJS.ProcessEnv, runDir: string | null, namespace: string, uid: number): Promise<BuildkitFacts> {
  const host = env.BUILDKIT_HOST === undefined || env.BUILDKIT_HOST === '' ? null : env.BUILDKIT_HOST
  if (host !== null || runDir === null) return { host, sockets: [] }

  const paths = buildkitSocketCandidates(runDir, namespace)
  const sockets = await Promise.all(
    paths.map(async (socket) => ({
      path: socket,
      exists: existsSync(socket),
      answer: await probeSocket(socket, { uid, mode: 'http2', timeoutMs: SOCKET_TIMEOUT_MS }),
    })),
  )
  return { host, sockets }
}

export function checkBuildkit(facts: DoctorFacts): Check {
  const id = 'buildkit'
  const buildkit = facts.buildkit
  if (buildkit.host !== null) return ok(id, `BUILDKIT_HOST=${buildkit.host}: nerdctl uses it (not probed)`)
  if (buildkit.sockets.length === 0) return ok(id, 'not checked: there is no runtime dir')

  const details = buildkit.sockets.map((socket) => socket.answer.reason)
  const live = buildkit.sockets.find((socket) => socket.answer.alive)
  if (live !== undefined) return ok(id, `BuildKit answers on ${live.path}`, details)

  const stale = buildkit.sockets.find((socket) => socket.exists)
  const unit = facts.rootless ? 'systemctl --user restart buildkit.service' : 'systemctl restart buildkit.service'
  if (stale !== undefined) return warn(id, `BuildKit left a socket behind but does not answer: ${stale.path}`, details, unit)

  const setup = facts.rootless ? BUILDKIT_FIX : 'systemctl enable --now buildkit.service'
  return ok(id, 'no BuildKit daemon runs (needed only by `nerdctl build`)', [...details, `to set it up: ${setup}`])
}
