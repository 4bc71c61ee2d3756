import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { ok, warn, type Check } from './check.js'
import type { CgroupFacts, DoctorFacts } from './facts.js'

// Rootless containers get resource limits only on cgroup v2, and only for
// the controllers systemd delegates to the user's service cgroup
// (user@<uid>.service). Source:
// https://rootlesscontaine.rs/getting-started/common/cgroup2/ and runc's
// docs/cgroup-v2.md.

const CGROUP_ROOT = '/sys/fs/cgroup'

// The controllers nerdctl's limit flags need.
const NEEDED_CONTROLLERS: readonly { controller: string; flag: string }[] = [
  { controller: 'cpu', flag: '--cpus' },
  { controller: 'memory', flag: '--memory' },
  { controller: 'pids', flag: '--pids-limit' },
]

export function readCgroupFacts(uid: number, rootless: boolean): CgroupFacts {
  const v2 = existsSync(path.join(CGROUP_ROOT, 'cgroup.controllers'))
  if (!v2 || !rootless) return { v2, userCgroup: null }

  const cgroupPath = path.join(CGROUP_ROOT, 'user.slice', `user-${uid}.slice`, `user@${uid}.service`)
  let controllers: string[] | null
  try {
    controllers = readFileSync(path.join(cgroupPath, 'cgroup.controllers'), 'utf8').trim().split(/\s+/).filter(Boolean)
  } catch {
    controllers = null
  }
  return { v2, userCgroup: { path: cgroupPath, controllers } }
}

const CGROUP_V2_FIX =
  'boot with cgroup v2: add systemd.unified_cgroup_hierarchy=1 to GRUB_CMDLINE_LINUX in /etc/default/grub, run `sudo update-grub`, and reboot'

export function checkCgroup(facts: DoctorFacts): Check {
  const id = 'cgroup'
  const detail = `${CGROUP_ROOT}/cgroup.controllers ${facts.cgroup.v2 ? 'exists' : 'does not exist'}`
  if (facts.cgroup.v2) return ok(id, 'cgroup v2', [detail])
  if (!facts.rootless) return ok(id, 'cgroup v1: rootful containerd can use it', [detail])

  return warn(id, 'cgroup v1: rootless containers cannot get resource limits (--memory, --cpus, --pids-limit)', [detail], CGROUP_V2_FIX)
}

// The drop-in that makes systemd delegate the controllers to every user's
// manager. Without it, systemd delegates only memory and pids. It applies to
// a user manager started after the reload.
function delegationFix(uid: number): string {
  return [
    'sudo mkdir -p /etc/systemd/system/user@.service.d',
    "printf '[Service]\\nDelegate=cpu cpuset io memory pids\\n' | sudo tee /etc/systemd/system/user@.service.d/delegate.conf",
    'sudo systemctl daemon-reload',
    `then restart your user manager, which stops your user services: sudo systemctl restart user@${uid}.service`,
  ].join('\n')
}

export function checkCgroupDelegation(facts: DoctorFacts): Check {
  const id = 'cgroup-delegation'
  if (!facts.cgroup.v2) return warn(id, 'no delegation on cgroup v1', [], CGROUP_V2_FIX)

  const userCgroup = facts.cgroup.userCgroup
  if (userCgroup === null || userCgroup.controllers === null) {
    const where = userCgroup?.path ?? `user@${facts.uid}.service`
    const details = [`${where}/cgroup.controllers does not exist`]
    const fix = facts.systemd.booted
      ? `sudo loginctl enable-linger ${facts.user ?? facts.uid} (starts user@${facts.uid}.service), or log in through ssh`
      : 'none without systemd: leave out --memory, --cpus and --pids-limit'
    return warn(id, `no systemd service cgroup for uid ${facts.uid}: rootless containers cannot get resource limits`, details, fix)
  }

  const delegated = userCgroup.controllers
  const details = [`delegated to user@${facts.uid}.service: ${delegated.join(' ') || 'none'}`]
  const missing = NEEDED_CONTROLLERS.filter((entry) => !delegated.includes(entry.controller))
  if (missing.length === 0) return ok(id, 'cpu, memory and pids are delegated to your user manager', details)

  const missingText = missing.map((entry) => `${entry.controller} (${entry.flag})`).join(', ')
  return warn(id, `not delegated to uid ${facts.uid}: ${missingText}`, details, delegationFix(facts.uid))
}
