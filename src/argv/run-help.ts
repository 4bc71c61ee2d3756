// Parses the "Flags:" section of `nerdctl run --help` into a flag table, so
// the scanner can follow the flags of the nerdctl actually installed.

import type { Flag, RunFlagTable } from './flags.js'

// pflag indents a flag with a shorthand as `  -e, --env` and one without as
// `      --rm`. A value-taking flag has a type word after one space
// (`--env stringArray`), and the usage text follows after two or more
// spaces. Anchoring on the exact indent keeps wrapped usage lines that
// start with `--` from being read as flags.
const flagLine = /^(?: {2}-(?<short>[^\s-]), | {6})--(?<name>[^\s=[]+)(?<optional>\[=[^\]]*\])?(?: (?<type>\S+))?/

// Bold section titles come with terminal escapes when colors are on.
const ansiEscape = /\x1b\[[0-9;]*m/g

/**
 * Parses `nerdctl run --help` output. Returns null when the text has no
 * "Flags:" section with at least one flag.
 */
export function parseRunHelp(text: string): RunFlagTable | null {
  const flags: Flag[] = []
  let inFlags = false

  for (const rawLine of text.replace(ansiEscape, '').split(/\r?\n/)) {
    if (/^\S/.test(rawLine)) {
      inFlags = /^Flags:\s*$/.test(rawLine)
      continue
    }

    const flag = inFlags ? parseFlagLine(rawLine) : null
    if (flag !== null) {
      flags.push(flag)
    }
  }

  return flags.length === 0 ? null : flags
}

function parseFlagLine(line: string): Flag | null {
  const groups = flagLine.exec(line)?.groups
  if (groups === undefined || groups.name === undefined) {
    return null
  }

  const flag: Flag = { name: groups.name, takesValue: takesValue(groups.type, groups.optional) }
  return groups.short === undefined ? flag : { ...flag, short: groups.short }
}

// No type word means a boolean. A `[=...]` after the name or the type word
// marks a flag whose value is optional, which pflag then reads only from
// `--name=value`, as it does for booleans. NOTE: pflag prints a back-quoted
// word of the usage text in place of the type word, which would make a
// boolean look value-taking. No run flag of nerdctl v2.3.5 has one.
function takesValue(type: string | undefined, optional: string | undefined): boolean {
  if (type === undefined || optional !== undefined) {
    return false
  }

  return !type.includes('[=')
}
