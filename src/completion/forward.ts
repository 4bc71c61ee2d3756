import { spawn } from 'node:child_process'
import { lookUpNerdctl, prepareCall, type PreparedCall } from '../call.js'
import { printLine } from '../log.js'
import { planEnvironment } from '../plan.js'
import { formatMarker, REENTRY_VARIABLE } from '../reentry.js'
import { parseBoolean, readVariable } from '../settings.js'
import { mergeFirstWord, passReply } from './merge.js'
import { completeOwnCommand } from './own-commands.js'
import { parseReply, type CompleteRequest } from './protocol.js'

// Completes `rnerdctl __complete <words...> <partial>` (and
// `__completeNoDesc`), the request every completion script sends. nerdctl
// gets the request verbatim, with the environment rnerdctl works out for any
// other call, because `__complete` connects to containerd to list containers
// and images. This is the one call whose stdout rnerdctl reads. It prints a
// directive line and exits 0 with or without nerdctl, a runtime dir or a
// daemon. Unless RNERDCTL_DEBUG is on, detection warnings are not printed
// and nerdctl's stderr is dropped (cobra writes a note there on every
// request).
export async function forwardCompletion(args: readonly string[], calledAs: 'rnerdctl' | 'nerdctl'): Promise<void> {
  const request = args[0] as CompleteRequest
  const typed = args.length > 1 ? args.slice(1) : ['']
  const words = typed.slice(0, -1)
  const partial = typed.at(-1) ?? ''
  const descriptions = request === '__complete'

  // The drop-in `nerdctl` shim intercepts none of nerdctl's commands, so
  // only `rnerdctl` completes its own.
  const own = calledAs === 'rnerdctl'
  let nerdctlWords = typed
  if (own) {
    const ownCompletion = completeOwnCommand({ words, partial, descriptions })
    if (ownCompletion?.kind === 'reply') return writeReply(ownCompletion.text)
    if (ownCompletion?.kind === 'forward') nerdctlWords = ownCompletion.words
  }

  const text = await askNerdctl([request, ...nerdctlWords], process.env)
  if (own && words.length === 0) {
    writeReply(mergeFirstWord({ reply: text === null ? null : parseReply(text), partial, descriptions }))
  } else {
    writeReply(passReply(text))
  }
}

// Returns nerdctl's stdout, or null when nerdctl cannot be found or started.
async function askNerdctl(args: string[], env: NodeJS.ProcessEnv): Promise<string | null> {
  let debug = parseBoolean(env.RNERDCTL_DEBUG) === true
  const prepared = await prepareQuietly(args, env, debug)
  debug ||= prepared?.options.debug === true

  const explicit = readVariable(env, 'RNERDCTL_NERDCTL')
  const lookup = prepared?.lookup ?? lookUpNerdctl(env, { nerdctl: explicit === undefined ? null : { value: explicit, source: 'RNERDCTL_NERDCTL' } })
  if (!lookup.ok) {
    if (debug) printLine(`completion without nerdctl: ${lookup.message}`)
    return null
  }

  const childEnv = prepared === null ? { ...env } : planEnvironment(env, prepared.decision)
  childEnv[REENTRY_VARIABLE] = formatMarker(process.pid, lookup.realPath)
  return captureStdout({ path: lookup.path, args, env: childEnv, showStderr: debug })
}

// The same decision as a pass-through call, with its warnings and log
// printed only in debug mode. Probe results are still cached for the next call.
async function prepareQuietly(args: string[], env: NodeJS.ProcessEnv, debug: boolean): Promise<PreparedCall | null> {
  if (parseBoolean(env.RNERDCTL_DISABLE) === true) return null

  try {
    const prepared = await prepareCall({ args, env, full: false, recheck: false })
    prepared.cache.flush()
    if (debug || prepared.options.debug) {
      for (const warning of prepared.decision.warnings) printLine(`warning: ${warning}`)
      for (const line of prepared.decision.log) printLine(line)
    }
    return prepared
  } catch (error) {
    if (debug) printLine(`could not work out the environment, completing with it unchanged: ${(error as Error).message}`)
    return null
  }
}

interface CaptureRequest {
  path: string
  args: readonly string[]
  env: NodeJS.ProcessEnv
  showStderr: boolean
}

// A TAB waits for this at most: nerdctl asks containerd for container and
// image names, and a hung containerd would otherwise hang the shell's
// completion until Ctrl-C. Past it, the reply is the error directive.
export const COMPLETE_TIMEOUT_MS = 5000

// argv[0] is nerdctl's absolute path for the reason given in exec-nerdctl.ts:
// nerdctl re-runs argv[0] inside RootlessKit's namespace.
function captureStdout(request: CaptureRequest): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    const child = spawn(request.path, request.args, {
      argv0: request.path,
      env: request.env,
      stdio: ['ignore', 'pipe', request.showStderr ? 'inherit' : 'ignore'],
    })
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, COMPLETE_TIMEOUT_MS)

    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.on('error', (error) => {
      clearTimeout(timer)
      if (request.showStderr) printLine(`cannot run ${request.path}: ${error.message}`)
      resolve(null)
    })
    child.on('close', () => {
      clearTimeout(timer)
      resolve(timedOut ? null : Buffer.concat(chunks).toString('utf8'))
    })
  })
}

function writeReply(text: string): void {
  process.stdout.on('error', () => {
    // The shell stopped reading: nothing is left to do.
  })
  process.stdout.write(text)
  process.exitCode = 0
}
