import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createFlags, globalFlags, runFlags, type Flag, type RunFlagTable } from '../../src/argv/flags.js'
import { insertOptions, scanCommandLine, type CommandLine } from '../../src/argv/scan.js'

// scanCommandLine on any argv, with the built-in flag tables or any table
// `nerdctl run --help` could yield: it never throws, and the indices it
// returns agree with each other and with argv.

// Each property stops after this long, whatever its numRuns.
const TIME_LIMIT_MS = 3000

const knownFlagWords = [...globalFlags, ...runFlags, ...createFlags].flatMap((flag: Flag) => [
  `--${flag.name}`,
  `--${flag.name}=`,
  `--${flag.name}=x`,
  ...(flag.short === undefined ? [] : [`-${flag.short}`, `-${flag.short}x`, `-${flag.short}=`, `-${flag.short}=v`]),
])

// Names of Object.prototype's members are left out here because the test
// 'subcommand %s' below covers them as subcommands.
const isPrototypeMember = (text: string): boolean => text in Object.prototype

// Words chosen to reach every branch of the scanner, and anything else.
const anyWord = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...knownFlagWords) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'run', 'create', 'container', 'image', 'pull', 'build', 'builder', 'compose', 'help', 'completion',
      '__complete', '__completeNoDesc', '--', '-', '', '=', '-=', '--=', '-itd', '-dp80:80', 'alpine',
      'nerdctl/bypass4netns=false', 'nerdctl/bypass4netns', 'host', 'container:x',
    ),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
)
const word = anyWord.filter((text) => !isPrototypeMember(text))

const argv = fc.array(word, { maxLength: 24 })

// Flag tables as a help text could describe them, including empty names,
// names that shadow global flags, and one-letter shorthands of any kind.
const flagTable: fc.Arbitrary<RunFlagTable> = fc.array(
  fc.record(
    {
      name: fc.oneof(fc.constantFrom('label', 'annotation', 'network', 'net', 'snapshotter', 'help', 'name', ''), fc.string({ maxLength: 6 })),
      short: fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
      takesValue: fc.boolean(),
    },
    { requiredKeys: ['name', 'takesValue'] },
  ),
  { maxLength: 12 },
)

function expectConsistent(args: readonly string[], line: CommandLine): void {
  expect(line.insertAt).toBeGreaterThanOrEqual(-1)
  expect(line.insertAt).toBeLessThanOrEqual(args.length)
  expect(line.insertAt === -1).toBe(line.command.length === 0)
  if (line.insertAt !== -1) expect(line.insertAt).toBeGreaterThanOrEqual(1)

  expect(line.image === null).toBe(line.imageIndex === -1)
  if (line.imageIndex !== -1) {
    expect(line.image).toBe(args[line.imageIndex])
    expect(line.imageIndex).toBeGreaterThanOrEqual(line.insertAt)
  }

  if (line.containerArgsAt !== -1) {
    expect(line.containerArgsAt).toBe(line.imageIndex + 1)
    expect(line.containerArgsAt).toBeLessThan(args.length)
  }

  if (line.command.length > 0) expect(line.globals).toEqual(args.slice(0, line.globals.length))
  else expect(line.globals).toEqual([...args])
  if (line.completing !== undefined) expectConsistent(args.slice(line.insertAt), line.completing)
}

describe('scanCommandLine fuzz', () => {
  it('never throws, indices agree', () => {
    fc.assert(
      fc.property(argv, fc.option(flagTable, { nil: undefined }), (args, table) => {
        expectConsistent(args, scanCommandLine(args, table))
      }),
      { numRuns: 50_000, interruptAfterTimeLimit: TIME_LIMIT_MS },
    )
  })

  // rnerdctl inserts `--label nerdctl/bypass4netns=true` right after the
  // subcommand: nerdctl must then find the same image, and the same
  // container words, just moved by two.
  it('inserted options leave the image alone', () => {
    const runLine = fc.tuple(fc.array(word, { maxLength: 6 }), fc.constantFrom(['run'], ['create'], ['container', 'run']), argv)
    fc.assert(
      fc.property(runLine, ([globals, command, rest]) => {
        const args = [...globals, ...command, ...rest]
        const scan = scanCommandLine(args)
        if ((scan.kind !== 'run' && scan.kind !== 'create') || scan.insertAt === -1) return

        const options = ['--label', 'nerdctl/bypass4netns=true']
        const inserted = insertOptions(args, scan, options)
        const again = scanCommandLine(inserted)

        expect(again.kind).toBe(scan.kind)
        expect(again.image).toBe(scan.image)
        expect(again.imageIndex).toBe(scan.imageIndex === -1 ? -1 : scan.imageIndex + options.length)
        expect(again.snapshotter).toBe(scan.snapshotter)
        expect(again.networks).toEqual(scan.networks)
      }),
      { numRuns: 50_000, interruptAfterTimeLimit: TIME_LIMIT_MS },
    )
  })

  // A subcommand named like an Object.prototype member (`valueOf`,
  // `constructor`, `__proto__`) scans as an unknown subcommand, without a
  // throw, because tableFor (src/argv/scan.ts) looks up only commandFlags'
  // own keys and so never takes an inherited member for a flag table.
  it.each(['valueOf', 'toString', 'constructor', '__proto__', 'hasOwnProperty'])('subcommand %s', (name) => {
    expect(() => scanCommandLine([name])).not.toThrow()
  })

  it('10000 words in well under a second', () => {
    const args = ['run', ...Array.from({ length: 10_000 }, (_, i) => (i % 2 === 0 ? '-e' : `V${i}=x`)), 'alpine']
    const started = performance.now()

    const scan = scanCommandLine(args)

    expect(performance.now() - started).toBeLessThan(500)
    expect(scan.imageIndex).toBe(args.length - 1)
  })
})
