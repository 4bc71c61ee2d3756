import { describeContainerdRestart } from '../restart-hint.js'
import type { DoctorFacts } from './facts.js'

export type CheckStatus = 'ok' | 'warn' | 'fail'

// One line of the doctor's report. `fix` is the command (or, where no
// single command exists, the instruction) that clears a warn or fail.
export interface Check {
  id: string
  status: CheckStatus
  summary: string
  details: string[]
  fix: string | null
}

export function ok(id: string, summary: string, details: string[] = []): Check {
  return { id, status: 'ok', summary, details, fix: null }
}

export function warn(id: string, summary: string, details: string[], fix: string): Check {
  return { id, status: 'warn', summary, details, fix }
}

export function fail(id: string, summary: string, details: string[], fix: string): Check {
  return { id, status: 'fail', summary, details, fix }
}

// 1 when any check fails: nerdctl cannot run as things stand.
export function exitCodeOf(checks: readonly Check[]): number {
  return checks.some((check) => check.status === 'fail') ? 1 : 0
}

export function userName(facts: DoctorFacts): string {
  return facts.user ?? String(facts.uid)
}

// Lingering starts the user's systemd manager at boot, and at once when
// enabled, which also creates /run/user/<uid>.
export function enableLingerFix(facts: DoctorFacts): string {
  return `sudo loginctl enable-linger ${userName(facts)}`
}

export function startContainerdFix(facts: DoctorFacts): string {
  if (!facts.rootless) return 'systemctl start containerd.service'
  if (!facts.systemd.booted) return 'containerd-rootless.sh (it runs in the foreground: start it in its own terminal or from your login scripts)'
  if (facts.rootlessKit?.unitFile.exists !== true) return 'containerd-rootless-setuptool.sh install'
  return 'systemctl --user start containerd.service'
}

// The restart command, or the instruction to restart containerd by hand
// where systemd does not run it.
export function restartContainerdFix(facts: DoctorFacts): string {
  const userManager = facts.systemd.userManager?.answer.alive === true
  return describeContainerdRestart({ rootless: facts.rootless, userManager, systemdBooted: facts.systemd.booted })
}

export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0')
}

export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z')
}

// "1 file", "2 files".
export function countNoun(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`
}

// "a", "a and b", "a, b and c".
export function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('')
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`
}
