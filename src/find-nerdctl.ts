import { accessSync, closeSync, constants, openSync, readSync, realpathSync, statSync } from 'node:fs'
import path from 'node:path'
import { distrustProgram } from './trust.js'

// A line that rnerdctl's own entry files carry, so a copy of the shim is
// recognised even where its real path shows nothing.
export const ENTRY_MARKER = 'rnerdctl-entry-file'

export type NerdctlLookup =
  | { ok: true; path: string; realPath: string; source: string }
  | { ok: false; exitCode: 126 | 127; message: string }

export interface LookupInput {
  explicit: { value: string; source: string } | null
  pathVariable: string
  cwd: string
  // Real paths of rnerdctl's own entry files, and of any nerdctl found to
  // lead back into rnerdctl.
  exclude: ReadonlySet<string>
  uid: number
}

const NOT_FOUND_HINT = 'install nerdctl (https://github.com/containerd/nerdctl/releases) or set RNERDCTL_NERDCTL=/path/to/nerdctl'

export function findNerdctl(input: LookupInput): NerdctlLookup {
  if (input.explicit !== null) return checkExplicit(input)

  let notExecutable: string | null = null
  let untrusted: string | null = null
  for (const dir of input.pathVariable.split(':')) {
    const candidate = path.resolve(input.cwd, dir === '' ? '.' : dir, 'nerdctl')
    const verdict = inspectCandidate(candidate, input.exclude)
    if (verdict === 'ok') {
      const distrust = distrustProgram(candidate, input.uid)
      if (distrust === null) return { ok: true, path: candidate, realPath: realpathSync(candidate), source: 'PATH' }
      untrusted ??= distrust
    }
    if (verdict === 'not-executable') notExecutable ??= candidate
  }

  if (notExecutable !== null) {
    return { ok: false, exitCode: 126, message: `${notExecutable} is not executable (fix: chmod +x ${notExecutable})` }
  }
  if (untrusted !== null) {
    return { ok: false, exitCode: 126, message: `refusing to run nerdctl: ${untrusted} (fix: install nerdctl where only root or you can write)` }
  }
  return { ok: false, exitCode: 127, message: `nerdctl not found on PATH: ${NOT_FOUND_HINT}` }
}

function checkExplicit(input: LookupInput): NerdctlLookup {
  const { value, source } = input.explicit as { value: string; source: string }
  if (!path.isAbsolute(value)) {
    return { ok: false, exitCode: 127, message: `${source} names "${value}", which is not an absolute path (fix: give the full path, such as $(command -v nerdctl))` }
  }
  const candidate = path.resolve(value)
  const verdict = inspectCandidate(candidate, input.exclude)
  if (verdict === 'ok') {
    const distrust = distrustProgram(candidate, input.uid)
    if (distrust === null) return { ok: true, path: candidate, realPath: realpathSync(candidate), source }
    return { ok: false, exitCode: 126, message: `refusing to run ${candidate} (from ${source}): ${distrust}` }
  }
  if (verdict === 'not-executable') return { ok: false, exitCode: 126, message: `${candidate} (from ${source}) is not executable (fix: chmod +x ${candidate})` }
  if (verdict === 'self') return { ok: false, exitCode: 127, message: `${candidate} (from ${source}) is rnerdctl itself, not nerdctl: ${NOT_FOUND_HINT}` }
  if (verdict === 'directory') return { ok: false, exitCode: 126, message: `${candidate} (from ${source}) is a directory, not nerdctl: ${NOT_FOUND_HINT}` }
  return { ok: false, exitCode: 127, message: `${candidate} (from ${source}) not found: ${NOT_FOUND_HINT}` }
}

type CandidateVerdict = 'ok' | 'missing' | 'directory' | 'not-executable' | 'self'

function inspectCandidate(candidate: string, exclude: ReadonlySet<string>): CandidateVerdict {
  let real: string
  try {
    real = realpathSync(candidate)
    const stat = statSync(real)
    if (stat.isDirectory()) return 'directory'
    if (!stat.isFile()) return 'missing'
  } catch {
    return 'missing'
  }

  if (exclude.has(real) || isRnerdctlEntry(real)) return 'self'
  try {
    accessSync(real, constants.X_OK)
    return 'ok'
  } catch {
    return 'not-executable'
  }
}

// Reads the head of a small file: rnerdctl's entry files are a few lines,
// while nerdctl is a large binary that never carries the marker.
function isRnerdctlEntry(file: string): boolean {
  let fd: number | null = null
  try {
    if (statSync(file).size > 4096) return false
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK)
    const head = Buffer.alloc(1024)
    const length = readSync(fd, head, 0, head.length, 0)
    return head.subarray(0, length).includes(ENTRY_MARKER)
  } catch {
    return false
  } finally {
    if (fd !== null) closeSync(fd)
  }
}
