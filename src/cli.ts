import { dieOfSigpipeOnClosedStdout, execNerdctl, mirrorExit } from './exec-nerdctl.js'
import { lookUpNerdctl, prepareCall, safeCwd } from './call.js'
import { isCompleteRequest } from './completion/protocol.js'
import type { PreparedCall } from './call.js'
import { formatOwnHelp, isTopLevelHelp } from './help-text.js'
import { printLine } from './log.js'
import { planArgs, planEnvironment } from './plan.js'
import { planRawEnvironment, readRawCall, type RawCall } from './raw-bytes.js'
import { formatMarker, REENTRY_VARIABLE } from './reentry.js'
import { parseBoolean, readVariable } from './settings.js'

export const OWN_COMMANDS = new Set(['env', 'doctor', 'setup', 'completion'])

export interface MainOptions {
  // "nerdctl" when started through the drop-in shim: then rnerdctl
  // intercepts nothing and is nerdctl with the right environment.
  calledAs: 'rnerdctl' | 'nerdctl'
}

// The one place where failures become exit codes. nerdctl's own exit status
// always passes through; rnerdctl's own trouble never stops nerdctl.
export function main(options: MainOptions): void {
  const args = process.argv.slice(2)
  const command = args[0]
  const own = options.calledAs === 'rnerdctl'
  let run: Promise<void>
  if (isCompleteRequest(command)) run = forwardCompletion(args, options.calledAs)
  else if (own && command !== undefined && OWN_COMMANDS.has(command)) run = runOwnCommand(args)
  else run = passThrough(args, own)

  run.catch((error: unknown) => {
    printLine(`internal error: ${(error as Error)?.stack ?? String(error)}`)
    process.exitCode = 70
  })
}

// Completion requests come from rnerdctl's scripts or, through the shim,
// from nerdctl's own. They never load yargs, so a TAB stays as quick as a
// pass-through call.
async function forwardCompletion(args: string[], calledAs: MainOptions['calledAs']): Promise<void> {
  dieOfSigpipeOnClosedStdout()
  const completion = await import('./completion/forward.js')
  await completion.forwardCompletion(args, calledAs)
}

async function runOwnCommand(args: string[]): Promise<void> {
  // yargs reads the working directory, which throws once it is deleted;
  // rnerdctl's own commands use no relative path, so / serves as well.
  if (safeCwd() === '/') process.chdir('/')
  dieOfSigpipeOnClosedStdout()
  const commands = await import('./commands/index.js')
  process.exitCode = await commands.runOwnCommand(args)
}

async function passThrough(args: string[], own: boolean): Promise<void> {
  // A probe that fails after the decision no longer waits for it must not
  // end the process: Node would exit on the unhandled rejection, and
  // nerdctl with it.
  process.on('unhandledRejection', (reason) => {
    if (parseBoolean(process.env.RNERDCTL_DEBUG) === true) printLine(`ignored a late failure: ${String((reason as Error)?.message ?? reason)}`)
  })
  const env = process.env
  const debug = parseBoolean(env.RNERDCTL_DEBUG) === true
  let prepared: PreparedCall | null = null
  const disable = parseBoolean(env.RNERDCTL_DISABLE)
  if (disable === null) printLine(`warning: RNERDCTL_DISABLE=${JSON.stringify(env.RNERDCTL_DISABLE)} is not a boolean; detection stays on (fix: 1/0, true/false, yes/no or on/off)`)
  if (disable !== true) {
    try {
      prepared = await prepareCall({ args, env, full: false, recheck: false })
    } catch (error) {
      printLine(`could not work out the environment, running nerdctl with it unchanged: ${(error as Error).message}`)
      if (debug) printLine(String((error as Error).stack))
    }
  }

  const lookup = prepared?.lookup ?? lookUpNerdctl(env, { nerdctl: readNerdctlSetting(env) })
  if (prepared !== null) report(prepared, debug || prepared.options.debug)
  const helpSection = own && isTopLevelHelp(args)
  if (helpSection) dieOfSigpipeOnClosedStdout()
  if (!lookup.ok) {
    printLine(lookup.message)
    if (helpSection) process.stdout.write(formatOwnHelp())
    process.exitCode = lookup.exitCode
    return
  }

  const childEnv = prepared === null ? { ...env } : planEnvironment(env, prepared.decision)
  childEnv[REENTRY_VARIABLE] = formatMarker(process.pid, lookup.realPath)
  const finalArgs = prepared === null ? args : planArgs(args, prepared.decision)
  const raw = planRaw(args, childEnv, prepared)
  const exit = await execNerdctl({ path: lookup.path, args: finalArgs, env: childEnv, raw })
  if (helpSection && exit.code === 0) process.stdout.write(formatOwnHelp())
  mirrorExit(exit)
}

// Returns the exact bytes to hand nerdctl when Node's decoding lost some,
// with rnerdctl's own changes applied to them.
function planRaw(args: string[], childEnv: NodeJS.ProcessEnv, prepared: PreparedCall | null): RawCall | undefined {
  const raw = readRawCall(args)
  if (raw === null) return undefined

  const inserted = prepared === null ? [] : prepared.decision.args
  const at = prepared === null ? -1 : prepared.decision.insertAt
  const rawArgs = inserted.length === 0 || at < 0
    ? raw.args
    : [...raw.args.slice(0, at), ...inserted.map((word) => Buffer.from(word)), ...raw.args.slice(at)]
  const set: Record<string, string> = { ...(prepared?.decision.env ?? {}), [REENTRY_VARIABLE]: childEnv[REENTRY_VARIABLE] as string }
  return { args: rawArgs, env: planRawEnvironment(raw.env, set, prepared?.decision.unset ?? []) }
}

function readNerdctlSetting(env: NodeJS.ProcessEnv): { value: string; source: string } | null {
  const value = readVariable(env, 'RNERDCTL_NERDCTL')
  return value === undefined ? null : { value, source: 'RNERDCTL_NERDCTL' }
}

// Warnings print once per condition per boot; with debug on, every warning
// and every decision prints on every call.
function report(prepared: PreparedCall, debug: boolean): void {
  const { decision, cache } = prepared
  for (const warning of decision.warnings) {
    if (cache.firstWarning(warning) || debug) printLine(`warning: ${warning}`)
  }
  for (const notice of decision.notices) printLine(notice)
  if (debug) for (const line of decision.log) printLine(line)
  cache.flush()
}
