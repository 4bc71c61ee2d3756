import { ownCommandLines, OWN_COMMAND_SPECS } from './own-commands.js'
import { candidateName, Directive, formatReply, parseReply, type CompletionReply } from './protocol.js'

const OWN_NAMES = new Set(OWN_COMMAND_SPECS.map((command) => command.name))

export interface FirstWordInput {
  // nerdctl's reply, or null when nerdctl could not be run.
  reply: CompletionReply | null
  partial: string
  descriptions: boolean
}

// Adds rnerdctl's own commands to nerdctl's candidates for the first word.
// An own command replaces nerdctl's command of the same name (nerdctl has
// its own `completion`), since rnerdctl runs its own. Without a usable reply
// from nerdctl, the own commands are the only candidates.
export function mergeFirstWord(input: FirstWordInput): string {
  const own = ownCommandLines(input.partial, input.descriptions)
  const { reply } = input
  if (reply === null || reply.directive === null || (reply.directive & Directive.Error) !== 0) {
    return formatReply(own, Directive.NoFileComp)
  }

  const nerdctlLines = reply.lines.filter((line) => !OWN_NAMES.has(candidateName(line)))
  return formatReply([...nerdctlLines, ...own], reply.directive)
}

// Everywhere but the first word nerdctl's reply passes unchanged. A reply
// cut short (nerdctl missing, crashed or killed) gets the Error directive,
// so the shell offers nothing rather than guessing.
export function passReply(text: string | null): string {
  if (text === null) return formatReply([], Directive.Error)
  if (parseReply(text).directive !== null) return text

  const body = text === '' || text.endsWith('\n') ? text : `${text}\n`
  return `${body}:${Directive.Error}\n`
}
