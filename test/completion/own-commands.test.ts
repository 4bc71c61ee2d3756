import yargs, { type Argv } from 'yargs'
import { describe, expect, it } from 'vitest'

import { OWN_COMMANDS } from '../../src/cli.js'
import { completionCommand } from '../../src/commands/completion.js'
import { doctorCommand } from '../../src/commands/doctor.js'
import { envCommand } from '../../src/commands/env-command.js'
import type { OwnCommand } from '../../src/commands/own-command.js'
import { setupCommand } from '../../src/commands/setup.js'
import { completeOwnCommand, OWN_COMMAND_SPECS, ownCommandLines } from '../../src/completion/own-commands.js'
import { parseReply } from '../../src/completion/protocol.js'

function completeOwn(words: string[], partial: string, descriptions = false): ReturnType<typeof completeOwnCommand> {
  return completeOwnCommand({ words, partial, descriptions })
}

function lines(words: string[], partial: string): string[] {
  const result = completeOwn(words, partial)
  if (result?.kind !== 'reply') throw new Error(`expected a reply, got ${JSON.stringify(result)}`)
  expect(parseReply(result.text).directive).toBe(4)
  return parseReply(result.text).lines
}

describe('completeOwnCommand', () => {
  it('returns null for nerdctl commands', () => {
    expect(completeOwn(['run'], '--snap')).toBeNull()
    expect(completeOwn([], 'en')).toBeNull()
  })

  it.each<[string[], string, string[]]>([
    [['env'], '--', ['--json', '--shell', '--help']],
    [['env'], '--j', ['--json']],
    [['env'], '--shell=f', ['fish']],
    [['env', '--shell'], '', ['sh', 'fish']],
    [['env', '--shell'], 's', ['sh']],
    [['env', '--json'], '', []],
    [['doctor'], '--re', ['--recheck']],
    [['setup'], '', ['fuse-overlayfs', 'stargz']],
    [['setup'], 'st', ['stargz']],
    [['setup', 'stargz'], '', []],
    [['setup', '--force'], '', ['fuse-overlayfs', 'stargz']],
    [['setup', 'stargz'], '--d', ['--dry-run']],
    [['completion'], '', ['bash', 'zsh', 'fish']],
    [['completion'], 'z', ['zsh']],
    [['completion', 'bash'], '', []],
    [['completion', 'bash'], '--n', ['--name']],
    [['completion', '--name', 'docker'], '', ['bash', 'zsh', 'fish']],
    [['completion', 'bash', '--name'], '', []],
  ])('%j %j', (words, partial, expected) => {
    expect(lines(words, partial)).toEqual(expected)
  })

  it('describes flags for __complete', () => {
    const result = completeOwn(['env'], '--j', true)
    expect(result).toEqual({ kind: 'reply', text: '--json\tprint the whole decision as one JSON object\n:4\n' })
  })

  it('forwards nerdctl arguments after env --', () => {
    expect(completeOwn(['env', '--json', '--', 'run'], '--snap')).toEqual({ kind: 'forward', words: ['run', '--snap'] })
    expect(completeOwn(['env', '--'], 'ru')).toEqual({ kind: 'forward', words: ['ru'] })
  })

  it('leaves file names to the shell for setup --config', () => {
    expect(completeOwn(['setup', '--config'], '')).toEqual({ kind: 'reply', text: ':0\n' })
    expect(completeOwn(['setup'], '--config=/etc/')).toEqual({ kind: 'reply', text: ':0\n' })
  })

  it('offers nothing after -- elsewhere', () => {
    expect(lines(['setup', '--'], '')).toEqual([])
  })
})

describe('own command table', () => {
  it('names the commands cli.ts intercepts', () => {
    expect(new Set(OWN_COMMAND_SPECS.map((command) => command.name))).toEqual(OWN_COMMANDS)
  })

  it('ownCommandLines filters by prefix', () => {
    expect(ownCommandLines('', false)).toEqual(['env', 'doctor', 'setup', 'completion'])
    expect(ownCommandLines('do', true)).toEqual(['doctor\tcheck the rootless setup and say how to fix what is wrong'])
  })
})

// The part of yargs' option table that the test reads. getOptions() is an
// undocumented yargs 18 method, missing from its types, and the only way to
// list what a command registered.
interface OptionTable {
  key: Record<string, boolean>
  boolean: string[]
  choices: Record<string, string[]>
}

interface Registered {
  name: string
  positionals: string[]
  options: OptionTable
}

// Runs an own command's registration on a stand-in parser, then its
// builder on a fresh yargs, to read what the command really accepts.
function register(command: OwnCommand): Registered {
  let usage = ''
  let builder: unknown
  const parser = {
    command: (name: string, _description: string, build: unknown) => {
      usage = name
      builder = build
      return parser
    },
  }
  command(parser as unknown as Argv, { exitCode: 0 })

  const inner = yargs([])
  if (typeof builder === 'function') builder(inner)
  const [name = '', ...rest] = usage.split(' ')
  const positionals = rest.map((word) => word.replace(/^[<[]|[>\]]$/g, ''))
  return { name, positionals, options: (inner as unknown as { getOptions(): OptionTable }).getOptions() }
}

describe('own command table against yargs', () => {
  it.each([envCommand, doctorCommand, setupCommand, completionCommand].map((command) => [register(command).name, register(command)] as const))(
    '%s',
    (_name, registered) => {
      const spec = OWN_COMMAND_SPECS.find((command) => command.name === registered.name)
      expect(spec).toBeDefined()

      const options = Object.keys(registered.options.key).filter((key) => key !== 'version' && !registered.positionals.includes(key))
      for (const option of options) {
        const flag = spec?.flags.find((candidate) => candidate.name === `--${option}`)
        expect(flag, `--${option}`).toBeDefined()
        expect(flag?.takesValue, `--${option} takes a value`).toBe(!registered.options.boolean.includes(option))
      }

      for (const [option, choices] of Object.entries(registered.options.choices)) {
        if (registered.positionals.includes(option)) expect([...(spec?.positional ?? [])].sort()).toEqual([...choices].sort())
        else expect(spec?.flags.find((flag) => flag.name === `--${option}`)?.values).toEqual(choices)
      }
    },
  )
})
