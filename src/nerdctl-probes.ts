import { execa } from 'execa'
import { parseRunHelp } from './argv/run-help.js'
import type { RunFlagTable } from './argv/flags.js'
import { formatMarker, REENTRY_VARIABLE } from './reentry.js'

// Questions only the installed nerdctl can answer. Both commands stay
// outside RootlessKit's namespace (nerdctl does not enter it for --version
// or help). This chunk loads execa, so it loads only on a cache miss:
// callers keep the answers per nerdctl binary.

const TIMEOUT_MS = 5000
// `run --help` is a few kB; a nerdctl that prints without end is cut off
// here rather than filling memory.
const MAX_OUTPUT_BYTES = 1024 * 1024

// The re-entry marker, as for the real call: should `nerdctl` be a script
// that runs rnerdctl again, the nested rnerdctl then skips it instead of
// probing it again, and again.
function probeEnv(nerdctl: string): Record<string, string> {
  return { [REENTRY_VARIABLE]: formatMarker(process.pid, nerdctl), NO_COLOR: '1' }
}

export async function readNerdctlVersion(nerdctl: string): Promise<string | null> {
  const result = await execa(nerdctl, ['--version'], { reject: false, timeout: TIMEOUT_MS, stdin: 'ignore', argv0: nerdctl, env: probeEnv(nerdctl), maxBuffer: MAX_OUTPUT_BYTES })
  return result.exitCode === 0 ? parseVersionOutput(String(result.stdout)) : null
}

// `nerdctl --version` prints "nerdctl version 2.0.0" (a "v" prefix and
// pre-release suffixes such as "-beta.3" occur too).
export function parseVersionOutput(output: string): string | null {
  const match = /\bversion\s+v?(\d+\.\d+(?:\.\d+)?(?:[-+][\w.+-]*)?)/.exec(output)
  return match?.[1] ?? null
}

export async function readRunFlags(nerdctl: string): Promise<RunFlagTable | null> {
  const result = await execa(nerdctl, ['run', '--help'], { reject: false, timeout: TIMEOUT_MS, stdin: 'ignore', argv0: nerdctl, env: probeEnv(nerdctl), maxBuffer: MAX_OUTPUT_BYTES })
  return result.exitCode === 0 ? parseRunHelp(String(result.stdout)) : null
}
