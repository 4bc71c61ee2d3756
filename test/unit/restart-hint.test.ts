import { describe, expect, it } from 'vitest'

import { describeContainerdRestart, readRestartFacts, SYSTEMD_BOOTED_DIR, type RestartFacts } from '../../src/restart-hint.js'

const BY_HAND_ROOTLESS =
  'stop containerd-rootless.sh (RootlessKit and its child, containerd) and start it again by hand, because it does not run under systemd here'
const BY_HAND_ROOTFUL = 'stop containerd and start it again by hand, because systemd is not running here'

describe('describeContainerdRestart', () => {
  it.each<[string, RestartFacts, string]>([
    ['rootless, user manager', { rootless: true, userManager: true, systemdBooted: true }, 'systemctl --user restart containerd.service'],
    ['rootless, user manager, no system manager', { rootless: true, userManager: true, systemdBooted: false }, 'systemctl --user restart containerd.service'],
    ['rootless, no user manager', { rootless: true, userManager: false, systemdBooted: true }, BY_HAND_ROOTLESS],
    ['rootless, no systemd', { rootless: true, userManager: false, systemdBooted: false }, BY_HAND_ROOTLESS],
    ['rootful, systemd', { rootless: false, userManager: false, systemdBooted: true }, 'systemctl restart containerd'],
    ['rootful, systemd and a user manager', { rootless: false, userManager: true, systemdBooted: true }, 'systemctl restart containerd'],
    ['rootful, no systemd', { rootless: false, userManager: false, systemdBooted: false }, BY_HAND_ROOTFUL],
    ['rootful, only a user manager', { rootless: false, userManager: true, systemdBooted: false }, BY_HAND_ROOTFUL],
  ])('%s', (_name, facts, expected) => {
    expect(describeContainerdRestart(facts)).toBe(expected)
  })
})

describe('readRestartFacts', () => {
  const present = (...files: string[]) => (file: string) => files.includes(file)

  it('finds the user manager socket', () => {
    const facts = readRestartFacts(true, '/run/user/1001', present('/run/user/1001/systemd/private'))

    expect(facts).toEqual({ rootless: true, userManager: true, systemdBooted: false })
  })

  it('finds the system manager', () => {
    const facts = readRestartFacts(false, null, present(SYSTEMD_BOOTED_DIR))

    expect(facts).toEqual({ rootless: false, userManager: false, systemdBooted: true })
  })

  it('has no user manager without a runtime dir', () => {
    const facts = readRestartFacts(true, null, () => true)

    expect(facts.userManager).toBe(false)
  })
})
