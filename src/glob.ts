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
  let source = ''
  for (let i = 0; i < element.length; i++) {
    const char = element[i] as string
    if (char === '*') source += '[^/]*'
    else if (char === '?') source += '[^/]'
    else if (char === '[') i = appendClass(element, i, (part) => (source += part))
    else if (char === '\\') {
      const next = element[++i]
      if (next === undefined) throw new Error(`bad glob pattern "${element}": trailing backslash`)
      source += escapeRegExp(next)
    } else source += escapeRegExp(char)
  }
  return new RegExp(`^${source}$`, 's')
}

function appendClass(element: string, start: number, append: (part: string) => void): number {
  let i = start + 1
  let body = ''
  if (element[i] === '^') {
    body += '^'
    i++
  }

  let first = true
  while (i < element.length && (element[i] !== ']' || first)) {
    let char = element[i] as string
    if (char === '\\') char = element[++i] ?? ''
    if (char === '' || char === '/') throw new Error(`bad glob pattern "${element}"`)
    body += escapeClassChar(char)
    if (element[i + 1] === '-' && element[i + 2] !== undefined && element[i + 2] !== ']') {
      let end = element[i + 2] as string
      i += 2
      if (end === '\\') end = element[++i] ?? ''
      if (end === '' || end < char) throw new Error(`bad glob pattern "${element}": bad range`)
      body += `-${escapeClassChar(end)}`
    }
    first = false
    i++
  }

  if (element[i] !== ']' || body === '' || body === '^') throw new Error(`bad glob pattern "${element}": unclosed class`)
  append(body.startsWith('^') ? `[^/${body.slice(1)}]` : `[${body}]`)
  return i
}

// Expands an absolute pattern to the existing paths it matches. Only the
// elements that hold meta characters are matched against directory listings.
export function glob(pattern: string): string[] {
  if (!hasGlobMeta(pattern)) return [pattern]

  const elements = pattern.split('/').filter((element) => element !== '')
  let found = [pattern.startsWith('/') ? '/' : '.']
  for (const element of elements) {
    found = hasGlobMeta(element) ? expandElement(found, globToRegExp(element)) : found.map((dir) => path.join(dir, element))
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
