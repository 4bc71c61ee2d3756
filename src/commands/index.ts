import yargs from 'yargs'
import { SHELLS } from '../completion/render.js'
import { PROXY_SNAPSHOTTER_NAMES } from '../setup/proxy-snapshotters.js'
import { completionCommand } from './completion.js'
import { doctorCommand } from './doctor.js'
import { envCommand } from './env-command.js'
import { setupCommand } from './setup.js'
import type { OwnCommand } from './own-command.js'

const COMMANDS: readonly OwnCommand[] = [envCommand, doctorCommand, setupCommand, completionCommand]

// The positional argument each own command requires, for the message when
// it is missing. The commands register the same names with yargs.
const REQUIRED_ARGUMENT: Record<string, { name: string; choices: readonly string[] }> = {
  setup: { name: 'snapshotter', choices: PROXY_SNAPSHOTTER_NAMES },
  completion: { name: 'shell', choices: SHELLS },
}

// Thrown from yargs' fail handler: otherwise yargs would still run the
// command's handler after reporting a usage error.
class UsageError extends Error {}

// rnerdctl's own commands. This chunk loads yargs, so it is bundled apart
// from the pass-through path, which never loads it.
export async function runOwnCommand(args: string[]): Promise<number> {
  const result = { exitCode: 0 }
  let parser = yargs(args)
    .scriptName('rnerdctl')
    // translateUsageError matches the English messages, whatever LANG is set to.
    .locale('en')
    .strict()
    .exitProcess(false)
    .parserConfiguration({ 'populate--': true })
    .help()
    .version(false)
    .fail((message, error) => {
      if (error !== undefined && error !== null && !(error instanceof UsageError) && message === null) throw error
      throw new UsageError(translateUsageError(String(message ?? error?.message), args))
    })

  for (const command of COMMANDS) parser = command(parser, result)
  try {
    await parser.parseAsync()
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`rnerdctl: ${error.message} (see: rnerdctl ${args[0] ?? ''} --help)\n`)
    return 2
  }
  return result.exitCode
}

// Rewrites yargs' usage errors (yargs 18, English) as one lowercase line
// that names the option or value. Any other message passes through on one
// line.
export function translateUsageError(message: string, args: readonly string[]): string {
  const unknown = /^Unknown arguments?: (.+)$/.exec(message.trim())
  if (unknown !== null) return describeUnknown((unknown[1] as string).split(', '), args)

  if (/^Not enough non-option arguments: got \d+, need at least \d+$/.test(message.trim())) return describeMissing(args[0] ?? '')

  const invalid = [...message.matchAll(/Argument: (\S+), Given: (.+), Choices: (.+)$/gm)]
  if (message.startsWith('Invalid values:') && invalid.length > 0) {
    return invalid.map((match) => describeInvalid(match[1] as string, match[2] as string, match[3] as string, args)).join(', ')
  }
  return message.replace(/\s*\n\s*/g, ' ')
}

// yargs names unknown options without their dashes, and adds the camelCase
// form of a dashed name ("bogus-flag, bogusFlag"). A name typed as a word of
// its own is an extra positional argument, not an option.
function describeUnknown(names: readonly string[], args: readonly string[]): string {
  const listed = new Set(names)
  const typed = names.filter((name) => !/[A-Z]/.test(name) || !listed.has(toKebabCase(name)))
  const words = typed.filter((name) => args.includes(name) && !isTypedAsOption(name, args))
  const options = typed.filter((name) => !words.includes(name)).map((name) => (name.length === 1 ? `-${name}` : `--${name}`))

  const parts: string[] = []
  if (options.length > 0) parts.push(`unknown ${options.length === 1 ? 'option' : 'options'} ${options.join(', ')}`)
  if (words.length > 0) parts.push(`unexpected ${words.length === 1 ? 'argument' : 'arguments'} ${words.join(', ')}`)
  return parts.join(', ')
}

// A single letter may sit in a cluster of short options (-xy).
function isTypedAsOption(name: string, args: readonly string[]): boolean {
  return args.some((arg) => {
    if (arg === `--${name}` || arg.startsWith(`--${name}=`)) return true
    return name.length === 1 && /^-[^-]/.test(arg) && arg.includes(name)
  })
}

function toKebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)
}

function describeMissing(command: string): string {
  const required = REQUIRED_ARGUMENT[command]
  if (required === undefined) return `${command}: missing argument`
  return `${command}: missing argument <${required.name}>: choose ${joinChoices(required.choices)}`
}

// `given` and `choices` are JSON strings joined by ", ".
function describeInvalid(name: string, given: string, choices: string, args: readonly string[]): string {
  const values = [...choices.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1] as string)
  return `invalid ${isTypedAsOption(name, args) ? `--${name}` : name} ${given}: choose ${joinChoices(values)}`
}

function joinChoices(values: readonly string[]): string {
  if (values.length <= 1) return values.join('')
  return `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`
}
