import { execa } from 'execa'

export interface CommandResult {
  // null when the program could not be started or was killed by a timeout.
  exitCode: number | null
  stdout: string
  stderr: string
  // A one-line reason when exitCode is not 0.
  failure: string | null
}

// Runs a program found on PATH, without a shell. Failures come back in the
// result (execa runs with reject: false). Setup takes the runner as a
// parameter so tests can put stand-ins in its place.
export type CommandRunner = (file: string, args: string[], timeoutMs: number) => Promise<CommandResult>

export const runCommand: CommandRunner = async (file, args, timeoutMs) => {
  const result = await execa(file, args, { reject: false, timeout: timeoutMs, stdin: 'ignore' })
  const stdout = String(result.stdout ?? '')
  const stderr = String(result.stderr ?? '')
  return { exitCode: result.exitCode ?? null, stdout, stderr, failure: result.failed ? describeFailure(result, stderr) : null }
}

function describeFailure(result: { timedOut: boolean; shortMessage?: string }, stderr: string): string {
  const summary = result.shortMessage ?? 'failed'
  if (result.timedOut) return summary
  const lastLine = stderr.trim().split('\n').pop()
  return lastLine !== undefined && lastLine !== '' ? lastLine : summary
}

export function formatCommand(file: string, args: string[]): string {
  return [file, ...args].join(' ')
}
