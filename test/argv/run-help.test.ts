import { describe, expect, it } from 'vitest'

import { runFlags, type Flag } from '../../src/argv/flags.js'
import { parseRunHelp } from '../../src/argv/run-help.js'
import { scanCommandLine } from '../../src/argv/scan.js'

// A shortened help text in the layout cobra and pflag print, with a
// wrapped usage line, optional values, and a section after the flags.
const sampleHelp = [
  'Start a container from an image and run a command in it.',
  '',
  'Usage: nerdctl run [flags] IMAGE [COMMAND] [ARG...]',
  '',
  'Flags:',
  '      --add-host strings        Extra host-to-IP entries (host:ip)',
  '  -a, --attach strings          Streams to attach (STDIN, STDOUT, STDERR)',
  '      --cpus float              CPU count',
  '  -d, --detach                  Keep running in the background',
  '  -e, --env stringArray         Environment variables',
  '      --health-interval duration   Time between health checks (default 0s)',
  '      --help                    Print this help',
  '  -h, --hostname string         Host name inside the container',
  '      --init                    Run an init process as PID 1',
  '      --log-opt stringArray     Options for the log driver,',
  '                                --log-opt can be given more than once',
  '      --net strings             Same as --network',
  '      --oom-score-adj int       OOM preference of the container',
  '      --progress string[="auto"]   Progress output style',
  '  -P, --publish-all             Publish exposed ports to random host ports',
  '      --rm                      Remove the container when it exits',
  '      --sig-proxy               Forward signals to the container (default true)',
  '      --tls[=false]             Use TLS',
  '  -t, --tty                     Give the container a pseudo-TTY',
  '  -v, --volume stringArray      Bind mount a volume',
  '',
  "See also 'nerdctl --help' for the global flags.",
  '',
  'Global Flags:',
  '      --namespace string        containerd namespace',
].join('\n')

const expectedSample: Flag[] = [
  { name: 'add-host', takesValue: true },
  { name: 'attach', short: 'a', takesValue: true },
  { name: 'cpus', takesValue: true },
  { name: 'detach', short: 'd', takesValue: false },
  { name: 'env', short: 'e', takesValue: true },
  { name: 'health-interval', takesValue: true },
  { name: 'help', takesValue: false },
  { name: 'hostname', short: 'h', takesValue: true },
  { name: 'init', takesValue: false },
  { name: 'log-opt', takesValue: true },
  { name: 'net', takesValue: true },
  { name: 'oom-score-adj', takesValue: true },
  { name: 'progress', takesValue: false },
  { name: 'publish-all', short: 'P', takesValue: false },
  { name: 'rm', takesValue: false },
  { name: 'sig-proxy', takesValue: false },
  { name: 'tls', takesValue: false },
  { name: 'tty', short: 't', takesValue: false },
  { name: 'volume', short: 'v', takesValue: true },
]

// Prints a table the way pflag's FlagUsages does, sorted by name.
function renderHelp(flags: readonly Flag[]): string {
  const heads = [...flags]
    .sort((left, right) => left.name.localeCompare(right.name))
    .map((flag) => {
      const prefix = flag.short === undefined ? '      ' : `  -${flag.short}, `
      return `${prefix}--${flag.name}${flag.takesValue ? ' string' : ''}`
    })
  const width = Math.max(...heads.map((head) => head.length)) + 3
  const lines = heads.map((head) => `${head.padEnd(width)}Usage text`)
  return ['Usage: nerdctl run [flags] IMAGE', '', 'Flags:', ...lines, ''].join('\n')
}

function byName(flags: readonly Flag[]): Flag[] {
  return [...flags].sort((left, right) => left.name.localeCompare(right.name))
}

describe('parseRunHelp', () => {
  it('parses each flag line of the sample', () => {
    expect(parseRunHelp(sampleHelp)).toEqual(expectedSample)
  })

  it.each(expectedSample)('reads $name', (flag) => {
    expect(parseRunHelp(sampleHelp)).toContainEqual(flag)
  })

  it('skips wrapped usage lines', () => {
    const names = parseRunHelp(sampleHelp)?.map((flag) => flag.name) ?? []

    expect(names.filter((name) => name === 'log-opt')).toHaveLength(1)
  })

  it('ignores flags outside the Flags section', () => {
    expect(parseRunHelp(sampleHelp)?.map((flag) => flag.name)).not.toContain('namespace')
  })

  it('strips terminal escapes from titles', () => {
    const colored = sampleHelp.replace('Flags:', '\x1b[1mFlags\x1b[0m:')

    expect(parseRunHelp(colored)).toEqual(expectedSample)
  })

  it('accepts CRLF line ends', () => {
    expect(parseRunHelp(sampleHelp.replace(/\n/g, '\r\n'))).toEqual(expectedSample)
  })

  it('returns null without a Flags section', () => {
    expect(parseRunHelp('nerdctl: unknown command "run"\n')).toBeNull()
  })

  it('returns null for an empty Flags section', () => {
    expect(parseRunHelp('Usage: nerdctl run\n\nFlags:\n\n')).toBeNull()
  })

  it('reads back the built-in run table', () => {
    expect(parseRunHelp(renderHelp(runFlags))).toEqual(byName(runFlags))
  })

  it('feeds the scanner', () => {
    const table = parseRunHelp(sampleHelp) ?? []
    const line = scanCommandLine(['run', '-tdv', '/a:/b', '--progress', 'alpine'], table)

    expect(line.image).toBe('alpine')
    expect(line.imageIndex).toBe(4)
  })
})
