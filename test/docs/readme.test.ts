import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CONFIG_KEYS, ENVIRONMENT } from '../../src/settings.js'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

describe('README settings table', () => {
  it.each(ENVIRONMENT.map((row) => row.name))('lists variable %s', (name) => {
    expect(readme).toContain(`| \`${name}\` |`)
  })

  it.each(CONFIG_KEYS.map((row) => row.name))('lists config key %s', (name) => {
    expect(readme).toContain(`| \`${name}\` |`)
  })

  it('lists no variable the code does not read', () => {
    const listed = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((match) => match[1])
    const known = new Set(ENVIRONMENT.map((row) => row.name))
    expect(listed.filter((name) => !known.has(name as string))).toEqual([])
  })

  it('starts with the install and test commands', () => {
    const firstBlock = readme.split('```')[1] ?? ''
    expect(firstBlock).toContain('npm install')
    expect(firstBlock).toContain('npm test')
  })
})
