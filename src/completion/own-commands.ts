import { Directive, formatReply } from './protocol.js'

// rnerdctl's own commands with their flags and values, for completion. The
// pass-through path must not load yargs, so this table repeats what the
// commands register with yargs, and a test checks that it lists them all.

export interface OwnFlag {
  name: string
  description: string
  takesValue: boolean
  // The accepted values, when there is a fixed set.
  values?: readonly string[]
  // The value is a file name, completed by the shell.
  file?: boolean
}

export interface OwnCommandSpec {
  name: string
  description: string
  flags: readonly OwnFlag[]
  // Values of the one positional argument, if the command takes one.
  positional: readonly string[]
  // `env -- ARGS` takes nerdctl's arguments after `--`, completed by nerdctl.
  nerdctlArgsAfterDoubleDash: boolean
}

const HELP_FLAG: OwnFlag = { name: '--help', description: 'show help', takesValue: false }

export const OWN_COMMAND_SPECS: readonly OwnCommandSpec[] = [
  {
    name: 'env',
    description: 'print the environment rnerdctl would give nerdctl',
    flags: [
      { name: '--json', description: 'print the whole decision as one JSON object', takesValue: false },
      { name: '--shell', description: 'syntax of the printed lines', takesValue: true, values: ['sh', 'fish'] },
      HELP_FLAG,
    ],
    positional: [],
    nerdctlArgsAfterDoubleDash: true,
  },
  {
    name: 'doctor',
    description: 'check the rootless setup and say how to fix what is wrong',
    flags: [
      { name: '--json', description: 'print the checks and the decision as one JSON object', takesValue: false },
      { name: '--recheck', description: 'ignore cached probe results and probe again', takesValue: false },
      HELP_FLAG,
    ],
    positional: [],
    nerdctlArgsAfterDoubleDash: false,
  },
  {
    name: 'setup',
    description: "add a proxy snapshotter's plugin block to containerd's config.toml",
    flags: [
      { name: '--config', description: 'config.toml to edit', takesValue: true, file: true },
      { name: '--dry-run', description: 'print the change as a unified diff and write nothing', takesValue: false },
      { name: '--force', description: "replace the address of the snapshotter's existing plugin block", takesValue: false },
      { name: '--restart', description: 'restart containerd and check that it loaded the plugin', takesValue: false },
      HELP_FLAG,
    ],
    positional: ['fuse-overlayfs', 'stargz'],
    nerdctlArgsAfterDoubleDash: false,
  },
  {
    name: 'completion',
    description: 'print a shell completion script (bash, zsh, fish)',
    flags: [
      { name: '--name', description: 'also complete this command name (an alias of rnerdctl)', takesValue: true },
      HELP_FLAG,
    ],
    positional: ['bash', 'zsh', 'fish'],
    nerdctlArgsAfterDoubleDash: false,
  },
]

export type OwnCompletion =
  | { kind: 'reply'; text: string }
  // nerdctl's arguments to complete: the typed words and the partial word.
  | { kind: 'forward'; words: string[] }

export interface OwnCompletionInput {
  // Words after the program name and before the partial word; the first is
  // the own command.
  words: readonly string[]
  partial: string
  descriptions: boolean
}

// Completes the arguments of an own command, or returns null when the first
// word is not one.
export function completeOwnCommand(input: OwnCompletionInput): OwnCompletion | null {
  const spec = OWN_COMMAND_SPECS.find((command) => command.name === input.words[0])
  if (spec === undefined) return null

  const rest = input.words.slice(1)
  const doubleDash = rest.indexOf('--')
  if (doubleDash !== -1) {
    if (spec.nerdctlArgsAfterDoubleDash) return { kind: 'forward', words: [...rest.slice(doubleDash + 1), input.partial] }
    return reply([])
  }

  const previousFlag = findFlag(spec, rest.at(-1) ?? '')
  if (previousFlag?.takesValue === true) return completeValue(previousFlag, input.partial)

  const equals = input.partial.indexOf('=')
  if (input.partial.startsWith('-') && equals !== -1) {
    const flag = findFlag(spec, input.partial.slice(0, equals))
    return flag === undefined ? reply([]) : completeValue(flag, input.partial.slice(equals + 1))
  }
  if (input.partial.startsWith('-')) return reply(completeFlagName(spec, input.partial, input.descriptions))
  if (countPositionals(spec, rest) > 0) return reply([])
  return reply(filterPrefix(spec.positional, input.partial))
}

export function ownCommandLines(partial: string, descriptions: boolean): string[] {
  return OWN_COMMAND_SPECS.filter((command) => command.name.startsWith(partial)).map((command) =>
    descriptions ? `${command.name}\t${command.description}` : command.name,
  )
}

// A value typed as `--shell=f` completes to the bare values, as cobra does:
// shells put the `--shell=` part back themselves.
function completeValue(flag: OwnFlag, partial: string): OwnCompletion {
  if (flag.file === true) return { kind: 'reply', text: formatReply([], Directive.Default) }
  return reply(filterPrefix(flag.values ?? [], partial))
}

function completeFlagName(spec: OwnCommandSpec, partial: string, descriptions: boolean): string[] {
  return spec.flags
    .filter((flag) => flag.name.startsWith(partial))
    .map((flag) => (descriptions ? `${flag.name}\t${flag.description}` : flag.name))
}

function findFlag(spec: OwnCommandSpec, word: string): OwnFlag | undefined {
  return spec.flags.find((flag) => flag.name === word)
}

function countPositionals(spec: OwnCommandSpec, words: readonly string[]): number {
  let count = 0
  for (const [index, word] of words.entries()) {
    const previous = findFlag(spec, words[index - 1] ?? '')
    if (!word.startsWith('-') && previous?.takesValue !== true) count += 1
  }
  return count
}

function filterPrefix(values: readonly string[], partial: string): string[] {
  return values.filter((value) => value.startsWith(partial))
}

// Own commands take file names only as the value of a `file` flag.
function reply(lines: string[]): OwnCompletion {
  return { kind: 'reply', text: formatReply(lines, Directive.NoFileComp) }
}
