import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { createFlags, globalFlags, runFlags, type Flag, type GlobalFlag, type RunFlagTable } from '../../src/argv/flags.js'
import { insertOptions, scanCommandLine } from '../../src/argv/scan.js'

// A generated command line records where it put each part and which
// options it gave, so the scanner's result can be checked against it.

interface Effects {
  snapshotter?: string
  namespace?: string
  networks?: string[]
  bypass4netns?: string
  help?: boolean
}

interface Piece extends Effects {
  words: string[]
}

interface Expected {
  snapshotter: string | null
  namespace: string | null
  networks: string[]
  bypass4netns: string | null
  help: boolean
}

interface GeneratedLine {
  args: string[]
  globalsEnd: number
  command: string[]
  insertAt: number
  imageIndex: number
  expected: Expected
}

const subcommands = [['run'], ['container', 'run'], ['create'], ['container', 'create']]

// Words that a naive scanner would take for flags or subcommands.
const trickyWord = fc.constantFrom(
  '-x', '--rm', '--', '-it', '-h', '--help', '--snapshotter=z', '--snapshotter', '--net', 'host',
  '--label', 'nerdctl/bypass4netns=1', '-n', 'run', '', '=', '=v', 'a=b', 'alpine',
)
const anyWord = fc.oneof(trickyWord, fc.string({ maxLength: 6 }))
const imageWord = fc.oneof(
  fc.constantFrom('alpine', 'docker.io/library/alpine:3', '-', ''),
  fc.string({ minLength: 1, maxLength: 6 }).filter((word) => !word.startsWith('-')),
)

function canonical(flag: GlobalFlag): string {
  return flag.aliasOf ?? flag.name
}

function effectsOf(flag: Flag, value: string): Effects {
  const name = canonical(flag)
  if (name === 'snapshotter') return { snapshotter: value }
  if (name === 'namespace') return { namespace: value }
  return {}
}

// pflag reads `-p=80` as 80 but `-p=` as '='.
function attachedValue(value: string): string {
  return value.length > 1 && value.startsWith('=') ? value.slice(1) : value
}

// One flag written in any spelling pflag accepts.
function spellFlag(flag: Flag): fc.Arbitrary<Piece> {
  if (!flag.takesValue) {
    const spellings = [[`--${flag.name}`], [`--${flag.name}=true`]]
    if (flag.short !== undefined) spellings.push([`-${flag.short}`])
    const help = flag.name === 'help' ? { help: true } : {}
    return fc.constantFrom(...spellings).map((words) => ({ words, ...help }))
  }

  return anyWord.chain((value) => {
    const spellings: Piece[] = [
      { words: [`--${flag.name}`, value], ...effectsOf(flag, value) },
      { words: [`--${flag.name}=${value}`], ...effectsOf(flag, value) },
    ]
    if (flag.short !== undefined) {
      spellings.push({ words: [`-${flag.short}`, value], ...effectsOf(flag, value) })
    }
    if (flag.short !== undefined && value !== '') {
      spellings.push({ words: [`-${flag.short}${value}`], ...effectsOf(flag, attachedValue(value)) })
    }
    return fc.constantFrom(...spellings)
  })
}

// `-itd`, `-dp 80:80`, `-p80:80`: booleans, then maybe one value-taking letter.
function spellCluster(table: RunFlagTable): fc.Arbitrary<Piece> {
  const booleans = table.filter((flag) => !flag.takesValue && flag.short !== undefined)
  const valued = table.filter((flag) => flag.takesValue && flag.short !== undefined && flag.name !== 'label')
  const letters = fc.array(fc.constantFrom(...booleans.map((flag) => flag.short ?? '')), { minLength: 1, maxLength: 3 })
  const tail = fc.option(fc.tuple(fc.constantFrom(...valued.map((flag) => flag.short ?? '')), anyWord, fc.boolean()))

  return fc.tuple(letters, tail).map(([bools, last]) => {
    if (last === null) return { words: [`-${bools.join('')}`] }
    const [letter, value, attached] = last
    if (attached && value !== '' && !value.startsWith('=')) return { words: [`-${bools.join('')}${letter}${value}`] }
    return { words: [`-${bools.join('')}${letter}`, value] }
  })
}

function spellNetwork(): fc.Arbitrary<Piece> {
  const value = fc.constantFrom('host', 'none', 'bridge', 'a,b', '')
  const name = fc.constantFrom('--network', '--net')
  return fc.tuple(name, value, fc.boolean()).map(([flag, network, joined]) => ({
    words: joined ? [`${flag}=${network}`] : [flag, network],
    networks: network === '' ? [] : network.split(','),
  }))
}

function spellBypass4netns(): fc.Arbitrary<Piece> {
  const value = fc.option(fc.constantFrom('true', 'false', '0', '1', ''))
  const flag = fc.constantFrom('--label', '--annotation', '-l')
  return fc.tuple(flag, value).map(([name, given]) => {
    const entry = given === null ? 'nerdctl/bypass4netns' : `nerdctl/bypass4netns=${given}`
    return { words: [name, entry], bypass4netns: given ?? '' }
  })
}

const plainFlagNames = new Set(['network', 'net', 'label', 'annotation'])
const persistentGlobals = globalFlags.filter((flag) => flag.rootOnly !== true)

function commandPiece(table: RunFlagTable): fc.Arbitrary<Piece> {
  const plain = table.filter((flag) => !plainFlagNames.has(flag.name))
  return fc.oneof(
    fc.constantFrom(...plain).chain(spellFlag),
    fc.constantFrom(...persistentGlobals).chain(spellFlag),
    spellCluster(table),
    spellNetwork(),
    spellBypass4netns(),
  )
}

const globalPiece = fc.constantFrom(...globalFlags.filter((flag) => flag.name !== 'version')).chain(spellFlag)

function mergeEffects(pieces: readonly Effects[]): Expected {
  const expected: Expected = { snapshotter: null, namespace: null, networks: [], bypass4netns: null, help: false }

  for (const piece of pieces) {
    expected.snapshotter = piece.snapshotter ?? expected.snapshotter
    expected.namespace = piece.namespace ?? expected.namespace
    expected.bypass4netns = piece.bypass4netns ?? expected.bypass4netns
    expected.networks.push(...(piece.networks ?? []))
    expected.help ||= piece.help === true
  }

  return expected
}

const generatedLine: fc.Arbitrary<GeneratedLine> = fc.constantFrom(...subcommands).chain((command) => {
  const table = command.includes('run') ? runFlags : createFlags
  const between = command.length === 2 ? fc.option(fc.constantFrom(...persistentGlobals).chain(spellFlag)) : fc.constant(null)
  return fc
    .record({
      globals: fc.array(globalPiece, { maxLength: 4 }),
      between,
      flags: fc.array(commandPiece(table), { maxLength: 6 }),
      dashDash: fc.boolean(),
      image: fc.option(imageWord, { freq: 5 }),
      dashedImage: anyWord,
      containerArgs: fc.array(anyWord, { maxLength: 4 }),
    })
    .map((parts) => assemble(command, parts))
})

function assemble(
  command: string[],
  parts: { globals: Piece[]; between: Piece | null; flags: Piece[]; dashDash: boolean; image: string | null; dashedImage: string; containerArgs: string[] },
): GeneratedLine {
  const args = parts.globals.flatMap((piece) => piece.words)
  const globalsEnd = args.length
  const between = parts.between === null ? [] : [parts.between]
  args.push(command[0] ?? '', ...between.flatMap((piece) => piece.words), ...command.slice(1))
  const insertAt = args.length
  args.push(...parts.flags.flatMap((piece) => piece.words))
  if (parts.dashDash) args.push('--')
  const image = parts.dashDash ? parts.dashedImage : parts.image
  const imageIndex = image === null ? -1 : args.length
  if (image !== null) args.push(image, ...parts.containerArgs)
  const expected = mergeEffects([...parts.globals, ...between, ...parts.flags])
  return { args, globalsEnd, command, insertAt, imageIndex, expected }
}

describe('scanCommandLine on generated lines', () => {
  it('finds the subcommand and the image', () => {
    fc.assert(
      fc.property(generatedLine, (line) => {
        const scan = scanCommandLine(line.args)

        expect(scan.globals).toEqual(line.args.slice(0, line.globalsEnd))
        expect(scan.command).toEqual(line.command)
        expect(scan.kind).toBe(line.command.includes('run') ? 'run' : 'create')
        expect(scan.insertAt).toBe(line.insertAt)
        expect(scan.imageIndex).toBe(line.imageIndex)
        expect(scan.image).toBe(line.imageIndex === -1 ? null : line.args[line.imageIndex])
        const hasContainerArgs = line.imageIndex !== -1 && line.imageIndex + 1 < line.args.length
        expect(scan.containerArgsAt).toBe(hasContainerArgs ? line.imageIndex + 1 : -1)
      }),
      { numRuns: 2000 },
    )
  })

  it('reports the options the user gave', () => {
    fc.assert(
      fc.property(generatedLine, (line) => {
        const scan = scanCommandLine(line.args)

        expect(scan.snapshotter).toBe(line.expected.snapshotter)
        expect(scan.namespace).toBe(line.expected.namespace)
        expect(scan.networks).toEqual(line.expected.networks)
        expect(scan.bypass4netns).toBe(line.expected.bypass4netns)
        expect(scan.help).toBe(line.expected.help)
      }),
      { numRuns: 2000 },
    )
  })
})

const insertedOptions = fc.array(
  fc.constantFrom(
    ['--annotation', 'nerdctl/bypass4netns=true'],
    ['--label=nerdctl/bypass4netns=true'],
    ['--snapshotter', 'overlayfs'],
    ['--rm'],
  ),
  { maxLength: 3 },
)

describe('insertOptions on generated lines', () => {
  it('changes nothing but the inserted words', () => {
    fc.assert(
      fc.property(generatedLine, insertedOptions, (line, groups) => {
        const options = groups.flat()
        const scan = scanCommandLine(line.args)
        const output = insertOptions(line.args, scan, options)
        const end = scan.insertAt + options.length

        expect(output.slice(0, scan.insertAt)).toEqual(line.args.slice(0, scan.insertAt))
        expect(output.slice(scan.insertAt, end)).toEqual(options)
        expect(output.slice(end)).toEqual(line.args.slice(scan.insertAt))
      }),
      { numRuns: 1000 },
    )
  })

  it('keeps the options between subcommand and image', () => {
    fc.assert(
      fc.property(generatedLine, insertedOptions, (line, groups) => {
        const options = groups.flat()
        const scan = scanCommandLine(line.args)
        const rescan = scanCommandLine(insertOptions(line.args, scan, options))
        const shift = (index: number): number => (index === -1 ? -1 : index + options.length)

        expect(scan.insertAt).toBeGreaterThan(line.globalsEnd)
        expect(scan.imageIndex === -1 || scan.insertAt <= scan.imageIndex).toBe(true)
        expect(rescan.command).toEqual(scan.command)
        expect(rescan.image).toBe(scan.image)
        expect(rescan.imageIndex).toBe(shift(scan.imageIndex))
        expect(rescan.containerArgsAt).toBe(shift(scan.containerArgsAt))
      }),
      { numRuns: 1000 },
    )
  })
})
