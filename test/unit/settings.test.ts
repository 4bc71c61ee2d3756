import { describe, expect, it } from 'vitest'

import { resolveOptions } from '../../src/options.js'
import { CONFIG_KEYS, ENVIRONMENT, parseBoolean, readVariable } from '../../src/settings.js'

describe('parseBoolean', () => {
  it.each<[string | undefined, boolean | null | undefined]>([
    [undefined, undefined],
    ['', undefined],
    ['1', true],
    ['true', true],
    ['yes', true],
    ['on', true],
    ['0', false],
    ['false', false],
    ['no', false],
    ['off', false],
    ['TRUE', true],
    ['Yes', true],
    ['oN', true],
    ['FALSE', false],
    ['No', false],
    ['OFF', false],
    [' yes ', true],
    ['\toff\n', false],
    [' ', null],
    ['2', null],
    ['-1', null],
    ['y', null],
    ['n', null],
    ['enable', null],
    ['truee', null],
    ['yes please', null],
  ])('%j', (value, expected) => {
    expect(parseBoolean(value)).toBe(expected)
  })
})

describe('readVariable', () => {
  it.each<[string, NodeJS.ProcessEnv, string | undefined]>([
    ['set', { XDG_RUNTIME_DIR: '/run/user/1001' }, '/run/user/1001'],
    ['unset', {}, undefined],
    ['empty', { XDG_RUNTIME_DIR: '' }, undefined],
    ['whitespace kept', { XDG_RUNTIME_DIR: ' ' }, ' '],
  ])('%s', (_name, env, expected) => {
    expect(readVariable(env, 'XDG_RUNTIME_DIR')).toBe(expected)
  })
})

describe('settings tables', () => {
  it.each([['RNERDCTL_NERDCTL'], ['RNERDCTL_SNAPSHOTTERS'], ['RNERDCTL_BYPASS4NETNS'], ['RNERDCTL_DEBUG'], ['RNERDCTL_NO_CACHE'], ['RNERDCTL_DISABLE']])(
    '%s listed',
    (name) => {
      expect(ENVIRONMENT.map((row) => row.name)).toContain(name)
    },
  )

  it('names unique', () => {
    const names = ENVIRONMENT.map((row) => row.name)

    expect(new Set(names).size).toBe(names.length)
  })

  it.each(CONFIG_KEYS.map((row) => [row.name]))('config key %s accepted', (name) => {
    const options = resolveOptions({}, { path: '/c.toml', table: { [name]: undefined }, error: null })

    expect(options.warnings.filter((warning) => warning.includes('unknown key'))).toEqual([])
  })

  it('default chain matches the table', () => {
    const row = ENVIRONMENT.find((entry) => entry.name === 'RNERDCTL_SNAPSHOTTERS')

    expect(row?.fallback).toBe(resolveOptions({}, { path: '/c.toml', table: null, error: null }).chain.names.join(','))
  })
})
