import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { globToRegExp } from '../../src/glob.js'

// globToRegExp turns one element of an `imports` pattern into a RegExp
// with Go's filepath.Match rules. On any pattern it returns a RegExp or
// throws its own "bad glob pattern" Error, which containerd-config.ts
// turns into a warning.

const TIME_LIMIT_MS = 3000

function isBelowAstral(text: string): boolean {
  return [...text].every((char) => (char.codePointAt(0) ?? 0) <= 0xffff)
}

const oneChar = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })

// Glob syntax, class ranges of any two characters, and anything else.
// Code points above U+FFFF are left out here because the astral range
// tests below cover them.
const pattern = fc
  .array(
    fc.oneof(
      fc.constantFrom('*', '?', '[', ']', '^', '-', '\\', '!', '/', 'a', 'z', '.', '{', '}', '(', ')', '|', '$', '+'),
      fc.tuple(oneChar, oneChar).map(([lo, hi]) => `[${lo}-${hi}]`),
      fc.string({ unit: 'binary', maxLength: 2 }),
    ),
    { maxLength: 16 },
  )
  .map((parts) => parts.join(''))
  .filter(isBelowAstral)

function compileOrBadPattern(text: string): RegExp | Error {
  try {
    return globToRegExp(text)
  } catch (error) {
    return error as Error
  }
}

// A code point that may stand for itself in a class: not "/" (Glob splits
// there first) and not half of a surrogate pair.
const classChar = (max: number): fc.Arbitrary<number> =>
  fc.integer({ min: 0x20, max }).filter((code) => code !== 0x2f && (code < 0xd800 || code > 0xdfff))

describe('globToRegExp fuzz', () => {
  it('returns a RegExp or its own Error', () => {
    fc.assert(
      fc.property(pattern, (text) => {
        const result = compileOrBadPattern(text)
        if (result instanceof RegExp) return
        expect(result).toBeInstanceOf(Error)
        expect(result.message).toMatch(/^bad glob pattern /)
      }),
      { numRuns: 50_000, interruptAfterTimeLimit: TIME_LIMIT_MS },
    )
  })

  it('matched names hold no "/"', () => {
    fc.assert(
      fc.property(pattern, fc.string({ unit: 'binary', maxLength: 6 }), (text, name) => {
        const result = compileOrBadPattern(text)
        if (result instanceof RegExp && name.includes('/')) expect(result.test(name)).toBe(false)
      }),
      { numRuns: 20_000, interruptAfterTimeLimit: TIME_LIMIT_MS },
    )
  })

  // Go compares runes: `[lo-hi]` matches c exactly when lo <= c <= hi.
  it('class range compares code points', () => {
    fc.assert(
      fc.property(classChar(0xffff), classChar(0xffff), classChar(0xffff), (lo, hi, code) => {
        const text = `[\\${String.fromCodePoint(lo)}-\\${String.fromCodePoint(hi)}]`
        const inRange = lo <= code && code <= hi

        expect(globToRegExp(text).test(String.fromCodePoint(code))).toBe(inRange)
      }),
      { numRuns: 20_000, interruptAfterTimeLimit: TIME_LIMIT_MS },
    )
  })

  // Range ends are ordered by code point, as Go compares runes, not by
  // UTF-16 code unit, where U+10000 starts with the surrogate 0xD800 and
  // sorts below U+E000. So `[\u{10000}-\uE000]` is a reversed range that
  // compiles (no SyntaxError), and `[\uFFFF-\u{1D7D8}]` matches U+1D7D8.
  it('reversed astral range compiles', () => {
    const result = compileOrBadPattern('[\u{10000}-\uE000]')
    expect(result).toBeInstanceOf(RegExp)
  })

  it('astral range end matches', () => {
    expect(globToRegExp('[\uFFFF-\u{1D7D8}]').test('\u{1D7D8}')).toBe(true)
  })
})
