import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'

// Go's filepath.Glob, which containerd uses for `imports`: `*` and `?`
// match within one path element, `[...]` is a class (`^` negates, `a-z`
// ranges, `\` escapes), and there are no braces and no `**`. Results come
// sorted within each directory, and a malformed pattern is an error.

export function hasGlobMeta(pattern: string): boolean {
  return /[*?[\\]/.test(pattern)
}

export function globToRegExp(element: string): RegExp {
  const chars = [...element]
  let source = ''
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] as string
    if (char === '*') source += '[^/]*'
    else if (char === '?') source += '[^/]'
    else if (char === '[') i = appendClass(chars, i, element, (part) => (source += part))
    else if (char === '\\') {
      const next = chars[++i]
      if (next === undefined) throw new Error(`bad glob pattern "${element}": trailing backslash`)
      source += escapeRegExp(next)
    } else source += escapeRegExp(char)
  }
  // The "u" flag makes `?` match one code point, as Go matches one rune.
  return new RegExp(`^${source}$`, 'su')
}

// A class as Go's filepath.Match reads it: at least one range, each `lo`
// or `lo-hi`, where an unescaped `-` or `]` in place of a character is a
// malformed pattern, and a range with lo > hi matches nothing.
function appendClass(chars: string[], start: number, element: string, append: (part: string) => void): number {
  let i = start + 1
  const negated = chars[i] === '^'
  if (negated) i++

  const readChar = (): string => {
    let char = chars[i]
    if (char === '\\') char = chars[++i]
    else if (char === '-' || char === ']') throw new Error(`bad glob pattern "${element}": bad class`)
    // Glob splits a pattern at `/` first, so a class cannot hold one.
    if (char === undefined || char === '/') throw new Error(`bad glob pattern "${element}": unclosed class`)
    i++
    return char
  }

  let ranges = ''
  for (let count = 0; !(chars[i] === ']' && count > 0); count++) {
    const lo = readChar()
    let hi = lo
    if (chars[i] === '-') {
      i++
      hi = readChar()
    }
    // Code points, not UTF-16 units, as Go compares runes.
    const loPoint = lo.codePointAt(0) as number
    const hiPoint = hi.codePointAt(0) as number
    if (loPoint <= hiPoint) ranges += lo === hi ? escapeClassChar(lo) : `${escapeClassChar(lo)}-${escapeClassChar(hi)}`
  }

  if (negated) append(`[^/${ranges}]`)
  else if (ranges === '') append('[]')
  else append(`[${ranges}]`)
  return i
}

// Expands an absolute pattern to the existing paths it matches. Only the
// elements that hold meta characters are matched against directory listings.
// A pattern such as /*/*/*/*.toml would list the whole filesystem on every
// call. containerd would too, but rnerdctl gives up with a warning.
export const MAX_GLOB_LISTINGS = 256

// `onListDir` learns each directory listed, so a caller can tell when a
// new file there would change the result.
export function glob(pattern: string, onListDir: (dir: string) => void = () => {}): string[] {
  let listings = 0
  if (!hasGlobMeta(pattern)) return [pattern]

  const elements = pattern.split('/').filter((element) => element !== '')
  let found = [pattern.startsWith('/') ? '/' : '.']
  for (const element of elements) {
    if (!hasGlobMeta(element)) {
      found = found.map((dir) => path.join(dir, element))
      continue
    }
    listings += found.length
    if (listings > MAX_GLOB_LISTINGS) throw new Error(`"${pattern}" lists more than ${MAX_GLOB_LISTINGS} directories; name fewer`)
    for (const dir of found) onListDir(dir)
    found = expandElement(found, globToRegExp(element))
  }
  return found.filter((candidate) => existsSync(candidate))
}

function expandElement(dirs: string[], matcher: RegExp): string[] {
  return dirs.flatMap((dir) => {
    try {
      return readdirSync(dir)
        .filter((name) => matcher.test(name))
        .sort()
        .map((name) => path.join(dir, name))
    } catch {
      return []
    }
  })
}

function escapeRegExp(char: string): string {
  return char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

function escapeClassChar(char: string): string {
  return char.replace(/[\]\\^-]/g, '\\$&')
}
