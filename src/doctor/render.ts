import type { Check, CheckStatus } from './check.js'

// The doctor's human output: a header naming rnerdctl's version, one line
// per check with its details and fix indented below, and a closing count.

export interface RenderInput {
  version: string
  rootless: boolean
  uid: number
  checks: readonly Check[]
  color: boolean
}

// https://no-color.org: any non-empty NO_COLOR turns colour off.
export function shouldUseColor(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  return isTTY && (env.NO_COLOR === undefined || env.NO_COLOR === '')
}

const SGR: Record<CheckStatus | 'dim', string> = {
  ok: '\u001b[32m',
  warn: '\u001b[33m',
  fail: '\u001b[1;31m',
  dim: '\u001b[2m',
}
const RESET = '\u001b[0m'

const LABEL_WIDTH = 4
const INDENT = ' '.repeat(LABEL_WIDTH + 2)

export function renderReport(input: RenderInput): string {
  const paint = (style: keyof typeof SGR, text: string): string => (input.color ? `${SGR[style]}${text}${RESET}` : text)
  const mode = input.rootless ? `rootless, uid ${input.uid}` : 'rootful'
  const lines = [`rnerdctl ${input.version} doctor (${mode})`, '']

  for (const check of input.checks) {
    lines.push(`${paint(check.status, check.status.padEnd(LABEL_WIDTH))}  ${check.id}: ${check.summary}`)
    for (const detail of check.details) lines.push(paint('dim', `${INDENT}${detail}`))
    if (check.fix !== null) lines.push(...formatFix(check.fix))
  }

  lines.push('', summarize(input.checks))
  return `${lines.join('\n')}\n`
}

// A fix of several lines (a drop-in file, then a reload) keeps its lines
// aligned under the first.
function formatFix(fix: string): string[] {
  const [first, ...rest] = fix.split('\n')
  return [`${INDENT}fix: ${first}`, ...rest.map((line) => `${INDENT}     ${line}`)]
}

export function summarize(checks: readonly Check[]): string {
  const count = (status: CheckStatus): number => checks.filter((check) => check.status === status).length
  const failed = count('fail')
  const verdict = failed > 0 ? 'nerdctl cannot run as things stand' : 'nerdctl can run'
  return `${count('ok')} ok, ${count('warn')} warn, ${failed} fail: ${verdict}`
}
