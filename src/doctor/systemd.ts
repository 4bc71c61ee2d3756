import { existsSync } from 'node:fs'
import path from 'node:path'
import { SYSTEMD_BOOTED_DIR } from '../restart-hint.js'
import { probeSocket } from '../socket-probe.js'
import { enableLingerFix, ok, userName, warn, type Check } from './check.js'
import type { DoctorFacts, SystemdFacts } from './facts.js'

// The user's systemd manager runs containerd.service, and lingering keeps
// it running after the last login session ends. Hosts without systemd
// (containers, WSL without it, OpenRC) have neither.

// The user manager is probed even where systemd is not the init system,
// since the restart instruction depends on it alone.
export async function readSystemdFacts(runtimeDir: string | null, user: string | null, uid: number): Promise<SystemdFacts> {
  const booted = existsSync(SYSTEMD_BOOTED_DIR)
  const socket = runtimeDir === null ? null : path.join(runtimeDir, 'systemd', 'private')
  const answer = socket === null ? null : await probeSocket(socket, { uid, mode: 'connect', timeoutMs: 500 })
  const userManager = socket === null || answer === null ? null : { socket, answer }
  if (!booted) return { booted, userManager, linger: null }

  const lingerFile = user === null ? null : path.join('/var/lib/systemd/linger', user)
  return {
    booted,
    userManager,
    linger: lingerFile === null ? null : { file: lingerFile, enabled: existsSync(lingerFile) },
  }
}

export function checkSystemdSession(facts: DoctorFacts): Check {
  const id = 'systemd-session'
  const systemd = facts.systemd
  if (!systemd.booted) return ok(id, 'systemd is not running on this host: no user manager to check')

  const manager = systemd.userManager
  if (manager === null) {
    return warn(id, 'no systemd user manager: there is no runtime dir for it', [], enableLingerFix(facts))
  }
  if (manager.answer.alive) return ok(id, `systemd user manager runs (${manager.socket} accepts connections)`)

  return warn(
    id,
    `no systemd user manager for ${userName(facts)}: user services such as containerd.service cannot start`,
    [manager.answer.reason, 'su and sudo start no user manager; a login through ssh or `machinectl shell` does'],
    enableLingerFix(facts),
  )
}

export function checkLinger(facts: DoctorFacts): Check {
  const id = 'linger'
  const systemd = facts.systemd
  if (!systemd.booted) return ok(id, 'systemd is not running on this host: no lingering to check')

  if (systemd.linger === null) {
    return warn(id, `cannot check lingering: uid ${facts.uid} has no user name`, [], 'add a passwd entry for this uid, then run `sudo loginctl enable-linger <name>`')
  }
  if (systemd.linger.enabled) return ok(id, `lingering is enabled for ${userName(facts)}`, [`${systemd.linger.file} exists`])

  return warn(
    id,
    `lingering is off for ${userName(facts)}: containerd.service stops when the last login session ends`,
    [`${systemd.linger.file} does not exist`],
    enableLingerFix(facts),
  )
}
