import { describe, expect, it } from 'vitest'

import {
  isKernelAtLeast,
  isUbuntuKernel,
  judgeRootlessFuse,
  judgeRootlessOverlay,
  parseKernelRelease,
  type KernelVersion,
} from '../../src/kernel.js'

// /proc/version lines in the shape each distribution prints them.
const PROC_VERSION = {
  ubuntu54:
    'Linux version 5.4.0-42-generic (buildd@lgw01-amd64-038) (gcc version 9.3.0 (Ubuntu 9.3.0-10ubuntu2)) #46-Ubuntu SMP Fri Jul 10 00:24:02 UTC 2020',
  ubuntuHwe:
    'Linux version 5.15.0-91-generic (buildd@lcy02-amd64-045) (gcc (Ubuntu 9.4.0-1ubuntu1~20.04.2) 9.4.0, GNU ld (GNU Binutils for Ubuntu) 2.34) #101~20.04.1-Ubuntu SMP Thu Nov 16 14:22:28 UTC 2023',
  ubuntuRaspi:
    'Linux version 5.15.0-1044-raspi (buildd@bos02-arm64-060) (gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0, GNU ld (GNU Binutils for Ubuntu) 2.38) #47-Ubuntu SMP PREEMPT Mon Nov 6 13:04:37 UTC 2023',
  wsl2:
    'Linux version 5.10.102.1-microsoft-standard-WSL2 (oe-user@oe-host) (x86_64-msft-linux-gcc (GCC) 9.3.0, GNU ld (GNU Binutils) 2.34.0.20200220) #1 SMP Wed Mar 2 00:30:59 UTC 2022',
  wsl2UbuntuGcc:
    'Linux version 5.10.102.1-microsoft-standard-WSL2 (root@a1b2c3d4) (gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0, GNU ld (GNU Binutils for Ubuntu) 2.38) #1 SMP Fri Jan 5 10:00:00 UTC 2024',
  mainlineOnUbuntu:
    'Linux version 6.6.0 (dev@ubuntu-builder) (gcc (Ubuntu 13.2.0-4ubuntu3) 13.2.0, GNU ld (GNU Binutils for Ubuntu) 2.41) #1 SMP PREEMPT_DYNAMIC Mon Oct 30 12:00:00 UTC 2023',
  debian10:
    'Linux version 4.19.0-21-amd64 (debian-kernel@lists.debian.org) (gcc version 8.3.0 (Debian 8.3.0-6)) #1 SMP Debian 4.19.249-2 (2022-06-30)',
  amzn2:
    'Linux version 4.14.336-257.562.amzn2.x86_64 (mockbuild@ip-10-0-1-2) (gcc version 7.3.1 20180712 (Red Hat 7.3.1-17) (GCC)) #1 SMP Sat Feb 24 09:50:35 UTC 2024',
  fedora34:
    'Linux version 5.11.12-300.fc34.x86_64 (mockbuild@bkernel01.iad2.fedoraproject.org) (gcc (GCC) 11.0.1 20210324 (Red Hat 11.0.1-0), GNU ld version 2.35.2-1.fc34) #1 SMP Wed Apr 7 16:31:13 UTC 2021',
  fedora35:
    'Linux version 5.14.10-300.fc35.x86_64 (mockbuild@bkernel01.iad2.fedoraproject.org) (gcc (GCC) 11.2.1 20210728 (Red Hat 11.2.1-1), GNU ld version 2.37-10.fc35) #1 SMP Thu Oct 7 20:48:44 UTC 2021',
  rhel8:
    'Linux version 4.18.0-513.el8_9.x86_64 (mockbuild@x86-vm-07.build.eng.bos.redhat.com) (gcc version 8.5.0 20210514 (Red Hat 8.5.0-20) (GCC)) #1 SMP Thu Sep 7 09:53:24 EDT 2023',
  rpi:
    'Linux version 6.1.0-rpi7-rpi-v8 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT Debian 1:6.1.63-1+rpt1 (2023-11-24)',
  firecracker:
    'Linux version 6.18.44-fc-v1147 (builder@sandboxing) (gcc (GCC) 15.3.0, GNU ld (GNU Binutils) 2.46) #1 SMP PREEMPT_DYNAMIC @0',
}

describe('parseKernelRelease', () => {
  it.each<[string, KernelVersion | null]>([
    ['4.18.0-513.el8_9.x86_64', { major: 4, minor: 18, patch: 0 }],
    ['6.1.0-rpi7-rpi-v8', { major: 6, minor: 1, patch: 0 }],
    ['5.10.102.1-microsoft-standard-WSL2', { major: 5, minor: 10, patch: 102 }],
    ['5.4.0-42-generic', { major: 5, minor: 4, patch: 0 }],
    ['4.19.0-21-amd64', { major: 4, minor: 19, patch: 0 }],
    ['4.14.336-257.562.amzn2.x86_64', { major: 4, minor: 14, patch: 336 }],
    ['6.18.44-fc-v1147', { major: 6, minor: 18, patch: 44 }],
    ['5.11.12-300.fc34.x86_64', { major: 5, minor: 11, patch: 12 }],
    ['6.8', { major: 6, minor: 8, patch: 0 }],
    ['10.0.0', { major: 10, minor: 0, patch: 0 }],
    ['  5.15.0-91-generic\n', { major: 5, minor: 15, patch: 0 }],
    ['garbage', null],
    ['', null],
    ['6', null],
    ['v6.1.0', null],
    ['linux-6.1.0', null],
  ])('%j', (release, expected) => {
    expect(parseKernelRelease(release)).toEqual(expected)
  })
})

describe('isKernelAtLeast', () => {
  it.each<[string, number, number, boolean]>([
    ['5.13.0', 5, 13, true],
    ['5.12.19', 5, 13, false],
    ['6.0.0', 5, 13, true],
    ['4.99.0', 5, 11, false],
    ['5.11.0', 5, 11, true],
  ])('%s >= %d.%d', (release, major, minor, expected) => {
    const version = parseKernelRelease(release) as KernelVersion
    expect(isKernelAtLeast(version, major, minor)).toBe(expected)
  })
})

describe('isUbuntuKernel', () => {
  it.each<[keyof typeof PROC_VERSION, boolean]>([
    ['ubuntu54', true],
    ['ubuntuHwe', true],
    ['ubuntuRaspi', true],
    ['wsl2', false],
    ['wsl2UbuntuGcc', false],
    ['mainlineOnUbuntu', false],
    ['debian10', false],
    ['amzn2', false],
    ['fedora34', false],
    ['rhel8', false],
    ['rpi', false],
    ['firecracker', false],
  ])('%s', (name, expected) => {
    expect(isUbuntuKernel(PROC_VERSION[name])).toBe(expected)
  })

  it('empty /proc/version', () => {
    expect(isUbuntuKernel('')).toBe(false)
  })
})

interface OverlayCase {
  name: string
  release: string
  procVersion: string
  selinuxEnforcing: boolean
  allowed: boolean | null
}

describe('judgeRootlessOverlay', () => {
  it.each<OverlayCase>([
    { name: 'Ubuntu 20.04, kernel 5.4', release: '5.4.0-42-generic', procVersion: PROC_VERSION.ubuntu54, selinuxEnforcing: false, allowed: true },
    { name: 'Ubuntu HWE kernel', release: '5.15.0-91-generic', procVersion: PROC_VERSION.ubuntuHwe, selinuxEnforcing: false, allowed: true },
    { name: 'Debian 10, kernel 4.19', release: '4.19.0-21-amd64', procVersion: PROC_VERSION.debian10, selinuxEnforcing: false, allowed: false },
    { name: 'WSL2, kernel 5.10', release: '5.10.102.1-microsoft-standard-WSL2', procVersion: PROC_VERSION.wsl2, selinuxEnforcing: false, allowed: false },
    { name: 'WSL2 built with Ubuntu gcc', release: '5.10.102.1-microsoft-standard-WSL2', procVersion: PROC_VERSION.wsl2UbuntuGcc, selinuxEnforcing: false, allowed: false },
    { name: 'Amazon Linux 2, kernel 4.14', release: '4.14.336-257.562.amzn2.x86_64', procVersion: PROC_VERSION.amzn2, selinuxEnforcing: false, allowed: false },
    { name: 'Raspberry Pi OS, kernel 6.1', release: '6.1.0-rpi7-rpi-v8', procVersion: PROC_VERSION.rpi, selinuxEnforcing: false, allowed: true },
    { name: 'kernel 6.18', release: '6.18.44-fc-v1147', procVersion: PROC_VERSION.firecracker, selinuxEnforcing: false, allowed: true },
    { name: 'kernel 6.x, SELinux enforcing', release: '6.1.0-rpi7-rpi-v8', procVersion: PROC_VERSION.rpi, selinuxEnforcing: true, allowed: true },
    { name: 'Fedora 34, 5.11, SELinux enforcing', release: '5.11.12-300.fc34.x86_64', procVersion: PROC_VERSION.fedora34, selinuxEnforcing: true, allowed: false },
    { name: 'Fedora 34, 5.11, enforce=0', release: '5.11.12-300.fc34.x86_64', procVersion: PROC_VERSION.fedora34, selinuxEnforcing: false, allowed: true },
    { name: 'kernel 5.12, SELinux enforcing', release: '5.12.0', procVersion: '', selinuxEnforcing: true, allowed: false },
    { name: 'kernel 5.13, SELinux enforcing', release: '5.13.0', procVersion: '', selinuxEnforcing: true, allowed: true },
    { name: 'Fedora 35, 5.14, SELinux enforcing', release: '5.14.10-300.fc35.x86_64', procVersion: PROC_VERSION.fedora35, selinuxEnforcing: true, allowed: true },
    { name: 'kernel 5.10, no SELinux', release: '5.10.0', procVersion: '', selinuxEnforcing: false, allowed: false },
    { name: 'RHEL 8, 4.18, SELinux enforcing', release: '4.18.0-513.el8_9.x86_64', procVersion: PROC_VERSION.rhel8, selinuxEnforcing: true, allowed: false },
    { name: 'RHEL 8, 4.18, enforce=0', release: '4.18.0-305.el8.x86_64', procVersion: PROC_VERSION.rhel8, selinuxEnforcing: false, allowed: false },
    { name: 'unreadable release', release: 'garbage', procVersion: '', selinuxEnforcing: false, allowed: null },
    { name: 'Ubuntu, unreadable release', release: 'garbage', procVersion: PROC_VERSION.ubuntu54, selinuxEnforcing: false, allowed: true },
  ])('$name', ({ release, procVersion, selinuxEnforcing, allowed }) => {
    const verdict = judgeRootlessOverlay({ release, procVersion, selinuxEnforcing })

    expect(verdict.allowed).toBe(allowed)
    expect(verdict.reason).toContain(release)
  })

  it('reason names SELinux when it decides', () => {
    const verdict = judgeRootlessOverlay({ release: '5.11.12-300.fc34.x86_64', procVersion: PROC_VERSION.fedora34, selinuxEnforcing: true })

    expect(verdict.reason).toContain('SELinux is enforcing')
  })

  it('reason names Ubuntu when it decides', () => {
    const verdict = judgeRootlessOverlay({ release: '5.4.0-42-generic', procVersion: PROC_VERSION.ubuntu54, selinuxEnforcing: false })

    expect(verdict.reason).toContain('Ubuntu kernel')
  })
})

describe('judgeRootlessFuse', () => {
  it.each<[string, boolean | null]>([
    ['4.18.0-513.el8_9.x86_64', true],
    ['4.18.0', true],
    ['4.17.19', false],
    ['4.19.0-21-amd64', true],
    ['4.14.336-257.562.amzn2.x86_64', false],
    ['3.10.0-1160.el7.x86_64', false],
    ['5.10.102.1-microsoft-standard-WSL2', true],
    ['6.1.0-rpi7-rpi-v8', true],
    ['garbage', null],
  ])('%s', (release, expected) => {
    const verdict = judgeRootlessFuse(release)

    expect(verdict.allowed).toBe(expected)
    expect(verdict.reason).toContain(release)
  })
})
