import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

// Node decodes argv and the environment as UTF-8, so a byte sequence that
// is not UTF-8 (a Latin-1 file name, say) would reach nerdctl as U+FFFD.
// The kernel's copies in /proc/self keep the real bytes. When they differ
// from what Node decoded, a bash trampoline reads the exact bytes from files
// and execs nerdctl in its own place, so the exit status and signals stay
// nerdctl's.

export interface RawCall {
  args: Buffer[]
  env: Buffer[]
}

function splitNul(data: Buffer): Buffer[] {
  const parts: Buffer[] = []
  let start = 0
  for (let i = data.indexOf(0); i !== -1; i = data.indexOf(0, start)) {
    parts.push(data.subarray(start, i))
    start = i + 1
  }
  if (start < data.length) parts.push(data.subarray(start))
  return parts
}

// Returns the raw arguments and environment when either contains bytes Node
// could not decode, or null in the usual case.
export function readRawCall(args: readonly string[]): RawCall | null {
  try {
    const cmdline = splitNul(readFileSync('/proc/self/cmdline'))
    const rawArgs = cmdline.slice(cmdline.length - args.length)
    const environ = splitNul(readFileSync('/proc/self/environ'))
    const argsDiffer = rawArgs.length !== args.length || rawArgs.some((raw, i) => !raw.equals(Buffer.from(args[i] as string)))
    const envDiffers = environ.some((entry) => !isFaithful(entry))
    return argsDiffer || envDiffers ? { args: rawArgs, env: environ } : null
  } catch {
    return null
  }
}

// An entry is faithful when Node's decoding of it gives back its bytes; a
// name or value that is not UTF-8 is not, whatever Node made of it.
function isFaithful(entry: Buffer): boolean {
  return Buffer.compare(Buffer.from(entry.toString('utf8')), entry) === 0
}

// Applies rnerdctl's changes to the raw environment: the variables it sets
// or removes replace any raw entry of the same name.
export function planRawEnvironment(raw: readonly Buffer[], set: Record<string, string>, unset: readonly string[]): Buffer[] {
  const touched = new Set([...unset, ...Object.keys(set)])
  const kept = raw.filter((entry) => {
    const eq = entry.indexOf(0x3d)
    return eq > 0 && !touched.has(entry.subarray(0, eq).toString('latin1'))
  })
  return [...kept, ...Object.entries(set).map(([name, value]) => Buffer.from(`${name}=${value}`))]
}

// The trampoline: bash reads both lists NUL-separated, removes the files,
// and replaces itself, through `env -i`, with nerdctl. argv[0] is the path
// passed to env, which is nerdctl's absolute path.
const TRAMPOLINE = 'mapfile -d "" -t A < "$1"; mapfile -d "" -t E < "$2"; rm -rf -- "$3"; exec /usr/bin/env -i -- "${E[@]}" "${A[@]}"'

// `env` reads a first word with "=" as one more variable, so a nerdctl path
// with "=" goes through sh, which execs it by path. sh passes on only
// variables whose names are shell identifiers: that rare case loses others.
const TRAMPOLINE_VIA_SH = 'mapfile -d "" -t A < "$1"; mapfile -d "" -t E < "$2"; rm -rf -- "$3"; exec /usr/bin/env -i -- "${E[@]}" /bin/sh -c \'exec "$0" "$@"\' "${A[@]}"'

// The files go to a private dir in the runtime dir when there is one, else
// in TMPDIR; the caller falls back to the decoded strings when both fail.
export function prepareTrampoline(nerdctl: string, args: readonly Buffer[], env: readonly Buffer[], runtimeDir?: string): string[] {
  const dir = makePrivateDir([runtimeDir, tmpdir()])
  const argsFile = path.join(dir, 'args')
  const envFile = path.join(dir, 'env')
  const nul = Buffer.from([0])
  writeFileSync(argsFile, Buffer.concat([nerdctl, ...args].flatMap((part) => [Buffer.from(part), nul])), { mode: 0o600 })
  writeFileSync(envFile, Buffer.concat(env.flatMap((entry) => [entry, nul])), { mode: 0o600 })
  return ['-c', nerdctl.includes('=') ? TRAMPOLINE_VIA_SH : TRAMPOLINE, 'rnerdctl-trampoline', argsFile, envFile, dir]
}

function makePrivateDir(parents: (string | undefined)[]): string {
  let lastError: unknown = new Error('no directory for the trampoline')
  for (const parent of parents) {
    if (parent === undefined || parent === '') continue
    try {
      return mkdtempSync(path.join(parent, 'rnerdctl-'))
    } catch (error) {
      lastError = error
    }
  }
  throw lastError
}
