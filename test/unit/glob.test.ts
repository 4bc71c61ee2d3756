import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

import { glob, globToRegExp, hasGlobMeta } from '../../src/glob.js'
import { useTempDirs } from './support/temp-dir.js'

// Expected results follow Go's path/filepath Match and Glob, which
// containerd uses for `imports`.

describe('hasGlobMeta', () => {
  it.each<[string, boolean]>([
    ['/etc/containerd/conf.d/*.toml', true],
    ['conf.d/?.toml', true],
    ['conf.d/[ab].toml', true],
    ['conf.d/a\\.toml', true],
    ['/etc/containerd/config.toml', false],
    ['{a,b}.toml', false],
    ['', false],
  ])('%s', (pattern, expected) => {
    expect(hasGlobMeta(pattern)).toBe(expected)
  })
})

describe('globToRegExp matching', () => {
  it.each<[string, string, boolean]>([
    ['*.toml', 'a.toml', true],
    ['*.toml', '.hidden.toml', true],
    ['*.toml', 'a.toml.bak', false],
    ['*', 'a/b', false],
    ['*', '', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'acb', false],
    ['?.toml', 'a.toml', true],
    ['?.toml', 'ab.toml', false],
    ['?.toml', '.toml', false],
    ['?', '/', false],
    ['?', '\n', true],
    ['[a-c].toml', 'b.toml', true],
    ['[a-c].toml', 'd.toml', false],
    ['[a-cx-z]', 'y', true],
    ['[abc]', 'c', true],
    ['[^a].toml', 'b.toml', true],
    ['[^a].toml', 'a.toml', false],
    ['[^a-c]', 'd', true],
    ['[^a-c]', 'b', false],
    ['[\\]]', ']', true],
    ['[\\-]', '-', true],
    ['[\\^]', '^', true],
    ['[\\^]', 'a', false],
    ['\\*.toml', '*.toml', true],
    ['\\*.toml', 'a.toml', false],
    ['\\?', '?', true],
    ['\\?', 'a', false],
    ['file\\[1\\].toml', 'file[1].toml', true],
    ['\\a', 'a', true],
    ['a.b', 'a.b', true],
    ['a.b', 'axb', false],
    ['(x)+$', '(x)+$', true],
    ['a|b', 'a', false],
    ['a^b', 'a^b', true],
    ['{a,b}', '{a,b}', true],
    ['{a,b}', 'a', false],
    ['A*', 'a', false],
  ])('%j matches %j: %s', (pattern, name, expected) => {
    expect(globToRegExp(pattern).test(name)).toBe(expected)
  })
})

describe('globToRegExp malformed', () => {
  it.each([['['], ['[abc'], ['[a-'], ['[^'], ['[]'], ['[^]'], ['\\'], ['a\\'], ['[a\\'], ['[a-\\'], ['[/]']])('%j throws', (pattern) => {
    expect(() => globToRegExp(pattern)).toThrow(/bad glob pattern/)
  })

  it('message names the pattern', () => {
    expect(() => globToRegExp('conf[.toml')).toThrow('"conf[.toml"')
  })
})

// Go's getEsc rejects `-` and `]` where a class member is expected, and a
// range whose ends are reversed is valid but matches nothing.
describe('globToRegExp Go class rules', () => {
  it('[]a] is malformed', () => {
    expect(() => globToRegExp('[]a]')).toThrow()
  })

  it('[-a] is malformed', () => {
    expect(() => globToRegExp('[-a]')).toThrow()
  })

  it('[a-] is malformed', () => {
    expect(() => globToRegExp('[a-]')).toThrow()
  })

  it('[z-a] matches nothing', () => {
    expect(globToRegExp('[z-a]').test('m')).toBe(false)
  })

  // Go's `?` takes one rune, but a character outside the Basic Multilingual
  // Plane is two UTF-16 code units in JavaScript.
  it('? matches one astral character', () => {
    expect(globToRegExp('?.toml').test('\u{1F600}.toml')).toBe(true)
  })
})

describe('glob on a temp tree', () => {
  const makeTempDir = useTempDirs()

  function makeTree(): string {
    const root = makeTempDir()
    mkdirSync(path.join(root, 'conf.d', 'sub'), { recursive: true })
    for (const name of ['b.toml', 'a.toml', '.hidden.toml', 'c.txt', 'B.toml', 'sub/d.toml']) {
      writeFileSync(path.join(root, 'conf.d', name), '')
    }

    mkdirSync(path.join(root, 'x1'))
    mkdirSync(path.join(root, 'x2'))
    writeFileSync(path.join(root, 'x1', 'y.toml'), '')
    writeFileSync(path.join(root, 'x2', 'y.toml'), '')
    writeFileSync(path.join(root, 'x3'), '')
    writeFileSync(path.join(root, 'top.toml'), '')
    return root
  }

  it('star, sorted, dotfiles included', () => {
    const root = makeTree()

    expect(glob(`${root}/conf.d/*.toml`)).toEqual(['.hidden.toml', 'B.toml', 'a.toml', 'b.toml'].map((name) => path.join(root, 'conf.d', name)))
  })

  it('star stays in one element', () => {
    const root = makeTree()

    expect(glob(`${root}/*.toml`)).toEqual([path.join(root, 'top.toml')])
  })

  it('star lists directories too', () => {
    const root = makeTree()

    expect(glob(`${root}/conf.d/*`)).toContain(path.join(root, 'conf.d', 'sub'))
  })

  it('meta in a directory element', () => {
    const root = makeTree()

    expect(glob(`${root}/x?/y.toml`)).toEqual([path.join(root, 'x1', 'y.toml'), path.join(root, 'x2', 'y.toml')])
  })

  it('class', () => {
    const root = makeTree()

    expect(glob(`${root}/conf.d/[ab].toml`)).toEqual([path.join(root, 'conf.d', 'a.toml'), path.join(root, 'conf.d', 'b.toml')])
  })

  it('negated class', () => {
    const root = makeTree()

    expect(glob(`${root}/conf.d/[^a.].toml`)).toEqual([path.join(root, 'conf.d', 'B.toml'), path.join(root, 'conf.d', 'b.toml')])
  })

  it('nested star', () => {
    const root = makeTree()

    expect(glob(`${root}/conf.d/*/*.toml`)).toEqual([path.join(root, 'conf.d', 'sub', 'd.toml')])
  })

  it('no match', () => {
    const root = makeTree()

    expect(glob(`${root}/conf.d/*.json`)).toEqual([])
  })

  it('missing directory', () => {
    const root = makeTree()

    expect(glob(`${root}/absent/*.toml`)).toEqual([])
  })

  it('pattern without meta', () => {
    const root = makeTree()
    const missing = path.join(root, 'absent.toml')

    expect(glob(missing)).toEqual([missing])
  })

  it('escaped meta matches literally', () => {
    const root = makeTempDir()
    writeFileSync(path.join(root, 'file[1].toml'), '')
    writeFileSync(path.join(root, 'file1.toml'), '')

    expect(glob(`${root}/file\\[1\\].toml`)).toEqual([path.join(root, 'file[1].toml')])
    expect(glob(`${root}/file[1].toml`)).toEqual([path.join(root, 'file1.toml')])
  })

  it('symlinked directory followed', () => {
    const root = makeTree()
    symlinkSync(path.join(root, 'conf.d'), path.join(root, 'link.d'))

    expect(glob(`${root}/link.d/a*`)).toEqual([path.join(root, 'link.d', 'a.toml')])
  })

  it('malformed element throws', () => {
    const root = makeTree()

    expect(() => glob(`${root}/conf.d/[.toml`)).toThrow(/bad glob pattern/)
  })
})
