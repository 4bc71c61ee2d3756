// A pure model of how nerdctl (cobra and pflag) reads its arguments: which
// words are global options, which name the subcommand, where the image is,
// and which options the user already gave. The flag tables are in flags.ts.
// The parsing rules follow cobra v1.10.2 and pflag v1.0.10, the versions
// nerdctl v2.3.5 builds with.

import {
  commandFlags,
  commandGroups,
  commandKinds,
  createFlags,
  globalFlags,
  helpFlag,
  nonInterspersedCommands,
  runFlags,
  type Flag,
  type FlagTable,
  type GlobalFlag,
  type RunFlagTable,
} from './flags.js'

export type CommandKind = 'run' | 'create' | 'pull' | 'build' | 'builder' | 'completion' | 'other' | 'none'

export interface CommandLine {
  /** Words before the subcommand (global options and their values), or all words when there is no subcommand. */
  globals: string[]
  /** Subcommand path as typed, such as ['container', 'run'], or [] when there is none. */
  command: string[]
  kind: CommandKind
  /** Index right after the subcommand path, where options may be inserted, or -1 when there is no subcommand. */
  insertAt: number
  /** First positional word after the subcommand of run, create and pull. */
  image: string | null
  imageIndex: number
  /** Index of the first word after the image of run or create, or -1 when there is no such word. */
  containerArgsAt: number
  /** Last --snapshotter or --storage-driver value that nerdctl reads, '' when given empty. */
  snapshotter: string | null
  /** Last -n or --namespace value before the subcommand, or --namespace value after it. */
  namespace: string | null
  /** Networks named by --network and --net of run or create, in order. */
  networks: string[]
  /** Value the user gave nerdctl/bypass4netns in --label or --annotation of run or create, '' when given without one. */
  bypass4netns: string | null
  /** --buildkit-host value of build and builder commands. */
  buildkitHost: string | null
  /** Request for help: --help, -h where it is not --hostname, or the help command. */
  help: boolean
  /** Request for the version: --version or -v before the subcommand. */
  version: boolean
  /** Line being completed by `__complete`, scanned from the word after it, so its indices count from there. */
  completing?: CommandLine
}

const bypass4netnsKey = 'nerdctl/bypass4netns'

interface FlagUse {
  flag: Flag | undefined
  value: string | null
}

interface FlagRead {
  uses: FlagUse[]
  next: number
}

interface FlagResolver {
  long: ReadonlyMap<string, Flag>
  short: ReadonlyMap<string, Flag>
}

/**
 * Scans nerdctl's arguments (without the program name) the way nerdctl reads
 * them. A `table`, such as one parsed from `nerdctl run --help`, replaces the
 * built-in run and create flags.
 */
export function scanCommandLine(args: readonly string[], table?: RunFlagTable): CommandLine {
  const line = createCommandLine()
  const commandAt = scanGlobals(args, line)

  line.globals = args.slice(0, commandAt === -1 ? args.length : commandAt)
  if (commandAt === -1) {
    return line
  }

  const next = readCommandPath(args, commandAt, line)
  const first = line.command[0]

  if (first === '__complete' || first === '__completeNoDesc') {
    line.completing = scanCommandLine(args.slice(line.insertAt), table)
  } else if (first === 'help') {
    line.help = true
  } else {
    scanCommandFlags(args, next, line, table)
  }

  return line
}

/** Inserts `options` right after the subcommand path, before any option the user gave. */
export function insertOptions(args: readonly string[], scan: CommandLine, options: readonly string[]): string[] {
  if (scan.insertAt === -1) {
    throw new RangeError('cannot insert options: the command line has no subcommand')
  }

  return [...args.slice(0, scan.insertAt), ...options, ...args.slice(scan.insertAt)]
}

function createCommandLine(): CommandLine {
  return {
    globals: [],
    command: [],
    kind: 'none',
    insertAt: -1,
    image: null,
    imageIndex: -1,
    containerArgsAt: -1,
    snapshotter: null,
    namespace: null,
    networks: [],
    bypass4netns: null,
    buildkitHost: null,
    help: false,
    version: false,
  }
}

// Returns the index of the subcommand's first word, or -1 when there is none.
// NOTE: cobra adds -h and -v to the root command only after finding the
// subcommand, so for `-h run alpine` it prints the root help, while this
// scan reports kind 'run' with help set.
function scanGlobals(args: readonly string[], line: CommandLine): number {
  const resolver = createResolver(globalFlags)
  let i = 0

  while (i < args.length) {
    const word = args[i] ?? ''
    if (word === '--') {
      // cobra 1.10's Traverse reads a `--` before the subcommand as a flag
      // that takes the next word, so `-- container run alpine` runs `run`.
      i += 2
      continue
    }

    if (isPositional(word)) {
      return i
    }

    i = applyFlagWord(args, i, resolver, line)
  }

  return -1
}

// Reads the subcommand path: a group such as `container` takes the next
// positional word as its child, with flags allowed in between (cobra's
// TraverseChildren). Returns the index where the subcommand's flags start.
function readCommandPath(args: readonly string[], start: number, line: CommandLine): number {
  line.command = [args[start] ?? '']
  line.insertAt = start + 1
  let next = start + 1

  while (commandGroups.includes(line.command.join(' '))) {
    next = scanGroupFlags(args, next, line)
    const child = args[next]
    if (child === undefined || child === '--') {
      break
    }

    line.command.push(child)
    line.insertAt = next + 1
    next += 1
  }

  line.kind = classifyCommand(line.command)
  return next
}

// Applies the flags between a group and its child. Returns the index of the
// first word that is not one of them.
function scanGroupFlags(args: readonly string[], start: number, line: CommandLine): number {
  const resolver = createResolver([...tableFor(line.command), ...persistentGlobalFlags()])
  let i = start

  while (i < args.length && args[i] !== '--' && !isPositional(args[i] ?? '')) {
    i = applyFlagWord(args, i, resolver, line)
  }

  return i
}

function scanCommandFlags(args: readonly string[], start: number, line: CommandLine, table?: RunFlagTable): void {
  const path = line.command.join(' ')
  const stopsAtPositional = nonInterspersedCommands.includes(path)
  const resolver = createResolver([...commandTable(line, table), ...persistentGlobalFlags()])
  let i = start

  while (i < args.length) {
    const word = args[i] ?? ''
    if (word === '--') {
      takeImage(args, i + 1, line)
      return
    }

    if (!isPositional(word)) {
      i = applyFlagWord(args, i, resolver, line)
      continue
    }

    takeImage(args, i, line)
    if (stopsAtPositional) {
      return
    }

    i += 1
  }
}

function takeImage(args: readonly string[], index: number, line: CommandLine): void {
  const takesImage = line.kind === 'run' || line.kind === 'create' || line.kind === 'pull'
  const image = args[index]
  if (!takesImage || line.imageIndex !== -1 || image === undefined) {
    return
  }

  line.image = image
  line.imageIndex = index
  if (line.kind !== 'pull' && index + 1 < args.length) {
    line.containerArgsAt = index + 1
  }
}

function classifyCommand(path: readonly string[]): CommandKind {
  let kind: CommandKind = 'other'
  let matched = 0

  for (const entry of commandKinds) {
    const words = entry.path.split(' ')
    const isPrefix = words.every((word, i) => path[i] === word)
    if (isPrefix && words.length > matched) {
      kind = entry.kind
      matched = words.length
    }
  }

  return kind
}

function commandTable(line: CommandLine, table?: RunFlagTable): FlagTable {
  if (line.kind === 'run') {
    return table ?? runFlags
  }

  if (line.kind === 'create') {
    return table ?? createFlags
  }

  return tableFor(line.command)
}

// Own keys only: a subcommand named "constructor" or "valueOf" must not
// find Object.prototype's members.
function tableFor(path: readonly string[]): FlagTable {
  return ownTable(path.join(' ')) ?? ownTable(path[0] ?? '') ?? [helpFlag]
}

function ownTable(key: string): FlagTable | undefined {
  return Object.hasOwn(commandFlags, key) ? commandFlags[key] : undefined
}

// Long global flags work after the subcommand too, but one-letter ones do not.
function persistentGlobalFlags(): GlobalFlag[] {
  return globalFlags.filter((flag) => flag.rootOnly !== true)
}

function createResolver(flags: readonly Flag[]): FlagResolver {
  const long = new Map<string, Flag>()
  const short = new Map<string, Flag>()

  for (const flag of flags) {
    if (!long.has(flag.name)) {
      long.set(flag.name, flag)
    }

    if (flag.short !== undefined && !short.has(flag.short)) {
      short.set(flag.short, flag)
    }
  }

  return { long, short }
}

// pflag reads '', '-' and any word not starting with '-' as a positional argument.
function isPositional(word: string): boolean {
  return word === '' || word === '-' || !word.startsWith('-')
}

function applyFlagWord(args: readonly string[], i: number, resolver: FlagResolver, line: CommandLine): number {
  const word = args[i] ?? ''
  const read = word.startsWith('--') ? readLongFlag(args, i, resolver) : readShortFlags(args, i, resolver)

  for (const use of read.uses) {
    applyFlag(line, use)
  }

  return read.next
}

// `--name=value`, or `--name value` when the flag takes a value. A boolean
// or unknown flag takes a value only with `=`.
function readLongFlag(args: readonly string[], i: number, resolver: FlagResolver): FlagRead {
  const word = args[i] ?? ''
  const equals = word.indexOf('=')
  const flag = resolver.long.get(equals === -1 ? word.slice(2) : word.slice(2, equals))

  if (equals !== -1) {
    return { uses: [{ flag, value: word.slice(equals + 1) }], next: i + 1 }
  }

  if (flag?.takesValue === true) {
    return { uses: [{ flag, value: args[i + 1] ?? null }], next: i + 2 }
  }

  return { uses: [{ flag, value: null }], next: i + 1 }
}

// A cluster such as `-itd` or `-dp80:80`: a value-taking letter takes the
// rest of the word, or the next word when it is last. pflag also reads
// `-p=80:80`, for any letter, as long as a character follows the `=`.
function readShortFlags(args: readonly string[], i: number, resolver: FlagResolver): FlagRead {
  const letters = (args[i] ?? '').slice(1)
  const uses: FlagUse[] = []

  for (let j = 0; j < letters.length; j += 1) {
    const flag = resolver.short.get(letters.charAt(j))
    const rest = letters.slice(j + 1)

    if (rest.length > 1 && rest.startsWith('=')) {
      uses.push({ flag, value: rest.slice(1) })
      return { uses, next: i + 1 }
    }

    if (flag?.takesValue === true && rest !== '') {
      uses.push({ flag, value: rest })
      return { uses, next: i + 1 }
    }

    if (flag?.takesValue === true) {
      uses.push({ flag, value: args[i + 1] ?? null })
      return { uses, next: i + 2 }
    }

    uses.push({ flag, value: null })
  }

  return { uses, next: i + 1 }
}

function applyFlag(line: CommandLine, use: FlagUse): void {
  const flag = use.flag as GlobalFlag | undefined
  const name = flag?.aliasOf ?? flag?.name
  const value = use.value
  const runsContainer = line.kind === 'run' || line.kind === 'create'

  if (name === 'snapshotter' && value !== null) {
    line.snapshotter = value
  } else if (name === 'namespace' && value !== null) {
    line.namespace = value
  } else if (name === 'help' && isTrue(value)) {
    line.help = true
  } else if (name === 'version' && isTrue(value)) {
    line.version = true
  } else if ((name === 'network' || name === 'net') && runsContainer && value !== null) {
    line.networks.push(...splitList(value))
  } else if ((name === 'label' || name === 'annotation') && runsContainer && value !== null) {
    applyBypass4netns(line, value)
  } else if (name === 'buildkit-host' && (line.kind === 'build' || line.kind === 'builder') && value !== null) {
    line.buildkitHost = value
  }
}

// `nerdctl/bypass4netns=false` gives 'false', and the key alone gives ''.
// NOTE: a value set in a --label-file is not seen, because reading the file
// is I/O.
function applyBypass4netns(line: CommandLine, entry: string): void {
  const equals = entry.indexOf('=')
  const key = equals === -1 ? entry : entry.slice(0, equals)

  if (key === bypass4netnsKey) {
    line.bypass4netns = equals === -1 ? '' : entry.slice(equals + 1)
  }
}

// A boolean flag without a value is true. pflag reads the value with Go's
// strconv.ParseBool, whose false spellings are these.
function isTrue(value: string | null): boolean {
  return value === null || !['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)
}

// --network is a pflag string slice: `--network=a,b` names two networks and
// an empty value names none. NOTE: pflag splits the value as CSV, so a
// quoted `ns:<path>` that contains a comma splits differently here.
function splitList(value: string): string[] {
  return value === '' ? [] : value.split(',')
}
