import { prepareCall } from '../call.js'
import type { Decision } from '../decision.js'
import { printLine } from '../log.js'
import { VERSION } from '../version.js'

export interface EnvCommandInput {
  json: boolean
  shell: 'sh' | 'fish'
  nerdctlArgs: string[]
}

export async function runEnvCommand(input: EnvCommandInput): Promise<number> {
  const { decision } = await prepareCall({ args: input.nerdctlArgs, env: process.env, full: true, recheck: false })
  // Every warning, every time: `eval "$(rnerdctl env)"` shows only stderr.
  for (const warning of decision.warnings) printLine(`warning: ${warning}`)
  for (const notice of decision.notices) printLine(notice)
  const text = input.json ? `${JSON.stringify(toJson(decision), null, 2)}\n` : formatExports(decision, input.shell)
  process.stdout.write(text)
  return 0
}

export function toJson(decision: Decision): Record<string, unknown> {
  return {
    env: decision.env,
    unset: decision.unset,
    runtimeDir: decision.runtimeDir,
    snapshotter: decision.snapshotter,
    candidates: decision.candidates,
    bypass4netns: decision.bypass4netns,
    nerdctl: decision.nerdctl,
    args: decision.args,
    warnings: decision.warnings,
    rnerdctl: { version: VERSION },
  }
}

// Lines for `eval "$(rnerdctl env)"`. Values are single-quoted, so nothing
// in them is expanded by the shell.
export function formatExports(decision: Decision, shell: 'sh' | 'fish'): string {
  const lines: string[] = []
  for (const name of decision.unset) lines.push(shell === 'fish' ? `set -e ${name};` : `unset ${name}`)
  for (const [name, value] of Object.entries(decision.env)) {
    lines.push(shell === 'fish' ? `set -gx ${name} ${quoteFish(value)};` : `export ${name}=${quoteSh(value)}`)
  }
  return lines.map((line) => `${line}\n`).join('')
}

export function quoteSh(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}

export function quoteFish(value: string): string {
  return `'${value.replace(/[\\']/g, '\\$&')}'`
}
