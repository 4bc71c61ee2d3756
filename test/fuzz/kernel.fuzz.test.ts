import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isKernelAtLeast, judgeRootlessFuse, judgeRootlessOverlay, parseKernelRelease } from '../../src/kernel.js'

// The kernel rules read strings the host hands over (uname -r,
// /proc/version): on any string they return a verdict and never throw.

const TIME_LIMIT_MS = 2000

// Release strings near real ones, and anything else.
const release = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc
    .tuple(fc.nat(99), fc.nat(99), fc.option(fc.nat(999)), fc.string({ maxLength: 20 }))
    .map(([major, minor, patch, rest]) => `${major}.${minor}${patch === null ? '' : `.${patch}`}${rest}`),
  fc.constantFrom('4.18.0-513.el8_9.x86_64', '6.1.0-rpi7-rpi-v8', '5.10.102.1-microsoft-standard-WSL2', ' 5.13', '5.', '.5.13', '99999999999999999999.1', ''),
)

const procVersion = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('Linux version 5.4.0-42-generic (buildd@lgw01) #46-Ubuntu SMP', 'Linux version 5.15.0 (gcc (Ubuntu 11.2.0-19ubuntu1) 11.2.0) #1 SMP'),
)

describe('kernel rules fuzz', () => {
  it('parseKernelRelease never throws', () => {
    fc.assert(
      fc.property(release, (text) => {
        const version = parseKernelRelease(text)
        if (version === null) return
        for (const part of [version.major, version.minor, version.patch]) {
          expect(Number.isNaN(part)).toBe(false)
          expect(part).toBeGreaterThanOrEqual(0)
        }
      }),
      { numRuns: 20_000, interruptAfterTimeLimit: TIME_LIMIT_MS },
    )
  })

  it('parseKernelRelease reads the numbers back', () => {
    const parts = fc.tuple(fc.nat(1000), fc.nat(1000), fc.nat(1000), fc.constantFrom('', '-generic', '.el8.x86_64', '+', '-rc1'))
    fc.assert(
      fc.property(parts, ([major, minor, patch, suffix]) => {
        expect(parseKernelRelease(`${major}.${minor}.${patch}${suffix}`)).toEqual({ major, minor, patch })
      }),
      { numRuns: 5000, interruptAfterTimeLimit: TIME_LIMIT_MS },
    )
  })

  it('judgeRootlessOverlay never throws', () => {
    fc.assert(
      fc.property(release, procVersion, fc.boolean(), (text, version, selinuxEnforcing) => {
        const verdict = judgeRootlessOverlay({ release: text, procVersion: version, selinuxEnforcing })
        expect([true, false, null]).toContain(verdict.allowed)
        expect(typeof verdict.reason).toBe('string')
        expect(verdict.reason.length).toBeGreaterThan(0)

        const fuse = judgeRootlessFuse(text)
        expect([true, false, null]).toContain(fuse.allowed)
      }),
      { numRuns: 20_000, interruptAfterTimeLimit: TIME_LIMIT_MS },
    )
  })

  // A newer kernel never loses what an older one allowed.
  it('judgeRootlessOverlay is monotonic', () => {
    const version = fc.tuple(fc.nat(9), fc.nat(30))
    fc.assert(
      fc.property(version, version, fc.boolean(), ([major, minor], [otherMajor, otherMinor], selinuxEnforcing) => {
        const older = { major, minor, patch: 0 }
        const newer = { major: otherMajor, minor: otherMinor, patch: 0 }
        if (!isKernelAtLeast(newer, older.major, older.minor)) return

        const judge = (v: typeof older): boolean | null =>
          judgeRootlessOverlay({ release: `${v.major}.${v.minor}.0`, procVersion: 'Linux version', selinuxEnforcing }).allowed
        if (judge(older) === true) expect(judge(newer)).toBe(true)
      }),
      { numRuns: 5000, interruptAfterTimeLimit: TIME_LIMIT_MS },
    )
  })
})
