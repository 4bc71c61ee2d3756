import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { constants } from 'node:os'
import { prepareTrampoline } from './raw-bytes.js'

export interface ExecRequest {
  path: string
  args: readonly string[]
  env: NodeJS.ProcessEnv
  // Set when argv or the environment contains bytes that are not UTF-8: then
  // nerdctl is started through the trampoline in raw-bytes.ts.
  raw?: { args: Buffer[]; env: Buffer[] }
}

export type ChildExit = { code: number; signal: null } | { code: null; signal: NodeJS.Signals }

// SIGTERM, SIGHUP and the other signals here always reach nerdctl. SIGINT
// and SIGQUIT from the terminal go to the whole foreground process group,
// nerdctl included, so forwarding them too would deliver them twice.
// rnerdctl forwards them only when it is not in the terminal's foreground
// group, which is the case of a `kill` aimed at rnerdctl alone.
const ALWAYS_FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGALRM', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT']
const TERMINAL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT']

// Starts nerdctl with argv[0] set to its absolute path (nerdctl re-runs
// argv[0] inside RootlessKit's namespace, so a name found on PATH could run
// a shim there) and inherited stdio, and resolves when it ends.
export function execNerdctl(request: ExecRequest): Promise<ChildExit> {
  return new Promise((resolve) => {
    const trampoline = request.raw === undefined ? null : tryTrampoline(request)
    const child = trampoline === null
      ? spawn(request.path, request.args, { argv0: request.path, env: request.env, stdio: 'inherit' })
      : spawn('/bin/bash', trampoline, { env: {}, stdio: 'inherit', cwd: cwdOrRoot() })

    const forward = (signal: NodeJS.Signals): void => {
      if (TERMINAL_SIGNALS.includes(signal) && isInForegroundGroup()) return
      child.kill(signal)
    }
    const signals = [...ALWAYS_FORWARDED, ...TERMINAL_SIGNALS]
    for (const signal of signals) process.on(signal, forward)

    const finish = (exit: ChildExit): void => {
      for (const signal of signals) process.removeListener(signal, forward)
      resolve(exit)
    }

    child.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code === 'EACCES' || error.code === 'ENOEXEC' ? 126 : 127
      process.stderr.write(`rnerdctl: cannot run ${request.path}: ${error.message}\n`)
      finish({ code, signal: null })
    })
    child.on('exit', (code, signal) => {
      finish(signal !== null ? { code: null, signal } : { code: code ?? 1, signal: null })
    })
  })
}

// bash complains on start-up in a deleted working directory; nerdctl cannot
// use such a directory either, so the trampoline starts in / instead.
function cwdOrRoot(): string | undefined {
  try {
    process.cwd()
    return undefined
  } catch {
    return '/'
  }
}

// Without a place for the trampoline's files, nerdctl still runs, with the
// bytes Node decoded.
function tryTrampoline(request: ExecRequest): string[] | null {
  const raw = request.raw as NonNullable<ExecRequest['raw']>
  try {
    return prepareTrampoline(request.path, raw.args, raw.env, request.env.XDG_RUNTIME_DIR)
  } catch (error) {
    process.stderr.write(`rnerdctl: cannot pass non-UTF-8 bytes through (${(error as Error).message}); nerdctl gets them as U+FFFD\n`)
    return null
  }
}

// Ends rnerdctl the way nerdctl ended: the same exit code, or death by the
// same signal with its default action restored (Node ignores SIGPIPE and
// handles SIGINT itself). A signal whose default is to be ignored, or that
// does not kill, falls back to the shell's convention of 128 + its number.
export function mirrorExit(exit: ChildExit): void {
  if (exit.signal === null) {
    process.exitCode = exit.code
    return
  }
  dieOfSignal(exit.signal)
}

export function dieOfSignal(signal: NodeJS.Signals): void {
  const number = constants.signals[signal] ?? 0
  restoreDefaultAction(signal)
  try {
    process.kill(process.pid, signal)
  } catch {
    // Falls through to the exit code below.
  }
  setTimeout(() => process.exit(128 + number), 50).unref()
  process.exitCode = 128 + number
}

// rnerdctl's own output (help, env, completion, doctor) into a pipe whose
// reader has gone ends the way any Unix tool's does: by SIGPIPE, quietly,
// not with Node's unhandled 'error' event and a stack.
export function dieOfSigpipeOnClosedStdout(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') dieOfSignal('SIGPIPE')
    else throw error
  })
}

// libuv puts back SIG_DFL when a signal's last listener goes, which also
// undoes Node's own SIG_IGN for SIGPIPE. SIGKILL and SIGSTOP take no listener.
function restoreDefaultAction(signal: NodeJS.Signals): void {
  process.removeAllListeners(signal)
  if (signal === 'SIGKILL' || signal === 'SIGSTOP') return
  const noop = (): void => {}
  process.on(signal, noop)
  process.removeListener(signal, noop)
}

// /proc/self/stat contains this process's group (field 5) and the terminal's
// foreground group (field 8); they are equal when rnerdctl is in front.
function isInForegroundGroup(): boolean {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const group = Number(fields[2])
    const foreground = Number(fields[5])
    return foreground > 0 && group === foreground
  } catch {
    return false
  }
}
