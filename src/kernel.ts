// Pure rules for rootless overlayfs, from the kernel release, /proc/version
// and SELinux. Source: nerdctl's docs/rootless.md ("OverlayFS") and the
// kernel changes behind them: unprivileged overlay mounts came in 5.11, and
// the SELinux fix for them in 5.13; Ubuntu has patched its kernels to allow
// them since 2015.

export interface KernelVersion {
  major: number
  minor: number
  patch: number
}

// Reads the leading numbers of a release string such as
// `4.18.0-513.el8_9.x86_64`, `6.1.0-rpi7-rpi-v8` or
// `5.10.102.1-microsoft-standard-WSL2`. Returns null when there are none.
export function parseKernelRelease(release: string): KernelVersion | null {
  const match = /^\s*(\d+)\.(\d+)(?:\.(\d+))?/.exec(release)
  if (match === null) return null

  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0) }
}

export function isKernelAtLeast(version: KernelVersion, major: number, minor: number): boolean {
  return version.major > major || (version.major === major && version.minor >= minor)
}

// An Ubuntu kernel carries "-Ubuntu" in its build tag (`#46-Ubuntu SMP`,
// `#46~20.04.1-Ubuntu SMP`). /etc/os-release is no guide: WSL2 says
// ID=ubuntu over Microsoft's kernel, and a mainline kernel built with
// Ubuntu's compiler names Ubuntu only in the compiler part.
export function isUbuntuKernel(procVersion: string): boolean {
  return /#\S*-Ubuntu\b/.test(procVersion)
}

export interface OverlayRulesInput {
  release: string
  procVersion: string
  selinuxEnforcing: boolean
}

export interface OverlayRulesVerdict {
  // null: the release could not be read, so only a real mount can tell.
  allowed: boolean | null
  reason: string
}

export function judgeRootlessOverlay(input: OverlayRulesInput): OverlayRulesVerdict {
  const version = parseKernelRelease(input.release)
  if (isUbuntuKernel(input.procVersion)) {
    return { allowed: true, reason: `Ubuntu kernel ${input.release} allows rootless overlayfs` }
  }

  if (version === null) return { allowed: null, reason: `kernel release "${input.release}" is unreadable` }

  if (isKernelAtLeast(version, 5, 13)) {
    return { allowed: true, reason: `kernel ${input.release} is 5.13 or later` }
  }

  if (isKernelAtLeast(version, 5, 11)) {
    return input.selinuxEnforcing
      ? { allowed: false, reason: `kernel ${input.release} is older than 5.13 and SELinux is enforcing` }
      : { allowed: true, reason: `kernel ${input.release} is 5.11 or later and SELinux is not enforcing` }
  }

  return { allowed: false, reason: `kernel ${input.release} is older than 5.11 and not an Ubuntu kernel` }
}

// fuse-overlayfs needs FUSE in user namespaces, which came in kernel 4.18.
export function judgeRootlessFuse(release: string): OverlayRulesVerdict {
  const version = parseKernelRelease(release)
  if (version === null) return { allowed: null, reason: `kernel release "${release}" is unreadable` }
  if (isKernelAtLeast(version, 4, 18)) return { allowed: true, reason: `kernel ${release} is 4.18 or later` }
  return { allowed: false, reason: `kernel ${release} is older than 4.18, which rootless FUSE needs` }
}
