import { describe, expect, it } from 'vitest'

import { resolveOptions, type OwnConfig } from '../../src/options.js'
import { DEFAULT_CHAIN } from '../../src/snapshotter-chain.js'
import type { TomlTable } from '../../src/toml-parse.js'

const CONFIG_PATH = '/home/u/.config/rnerdctl/config.toml'

function config(table: TomlTable | null, error: string | null = null): OwnConfig {
  return { path: CONFIG_PATH, table, error }
}

const NO_CONFIG = config(null)

describe('resolveOptions defaults', () => {
  it('nothing set', () => {
    const options = resolveOptions({}, NO_CONFIG)

    expect(options).toEqual({
      nerdctl: null,
      chain: { names: [...DEFAULT_CHAIN], source: 'default' },
      bypass4netns: { enabled: true, source: 'default' },
      debug: false,
      noCache: false,
      disable: false,
      warnings: [],
    })
  })

  it('bad RNERDCTL_DISABLE warns', () => {
    const options = resolveOptions({ RNERDCTL_DISABLE: '2' }, NO_CONFIG)

    expect(options.disable).toBe(false)
    expect(options.warnings).toEqual(['RNERDCTL_DISABLE="2" is not a boolean; using off (fix: 1/0, true/false, yes/no or on/off)'])
  })

  it('default chain is a copy', () => {
    const options = resolveOptions({}, NO_CONFIG)
    options.chain.names.push('zfs')

    expect(DEFAULT_CHAIN).toEqual(['stargz', 'overlayfs', 'fuse-overlayfs', 'native'])
  })
})

describe('resolveOptions precedence', () => {
  const table: TomlTable = { nerdctl: '/opt/nerdctl/bin/nerdctl', snapshotters: ['native'], bypass4netns: false, debug: true }

  it('config alone', () => {
    const options = resolveOptions({}, config(table))

    expect(options.nerdctl).toEqual({ value: '/opt/nerdctl/bin/nerdctl', source: CONFIG_PATH })
    expect(options.chain).toEqual({ names: ['native'], source: CONFIG_PATH })
    expect(options.bypass4netns).toEqual({ enabled: false, source: CONFIG_PATH })
    expect(options.debug).toBe(true)
    expect(options.warnings).toEqual([])
  })

  it('variables beat config', () => {
    const env = {
      RNERDCTL_NERDCTL: '/usr/local/bin/nerdctl',
      RNERDCTL_SNAPSHOTTERS: 'overlayfs,native',
      RNERDCTL_BYPASS4NETNS: '1',
      RNERDCTL_DEBUG: 'off',
    }
    const options = resolveOptions(env, config(table))

    expect(options.nerdctl).toEqual({ value: '/usr/local/bin/nerdctl', source: 'RNERDCTL_NERDCTL' })
    expect(options.chain).toEqual({ names: ['overlayfs', 'native'], source: 'RNERDCTL_SNAPSHOTTERS' })
    expect(options.bypass4netns).toEqual({ enabled: true, source: 'RNERDCTL_BYPASS4NETNS' })
    expect(options.debug).toBe(false)
    expect(options.warnings).toEqual([])
  })

  it('empty variables count as unset', () => {
    const env = { RNERDCTL_NERDCTL: '', RNERDCTL_SNAPSHOTTERS: '', RNERDCTL_BYPASS4NETNS: '', RNERDCTL_DEBUG: '', RNERDCTL_NO_CACHE: '' }
    const options = resolveOptions(env, config(table))

    expect(options.nerdctl?.source).toBe(CONFIG_PATH)
    expect(options.chain.source).toBe(CONFIG_PATH)
    expect(options.bypass4netns.source).toBe(CONFIG_PATH)
    expect(options.debug).toBe(true)
    expect(options.noCache).toBe(false)
    expect(options.warnings).toEqual([])
  })
})

describe('resolveOptions booleans', () => {
  it.each<[string, boolean]>([
    ['1', true],
    ['0', false],
    ['true', true],
    ['false', false],
    ['yes', true],
    ['no', false],
    ['on', true],
    ['off', false],
    ['TRUE', true],
    ['False', false],
    ['YES', true],
    ['No', false],
    ['On', true],
    ['OFF', false],
    [' on ', true],
  ])('RNERDCTL_DEBUG=%j', (value, expected) => {
    const options = resolveOptions({ RNERDCTL_DEBUG: value }, NO_CONFIG)

    expect(options.debug).toBe(expected)
    expect(options.warnings).toEqual([])
  })

  it.each([['RNERDCTL_NO_CACHE'], ['RNERDCTL_DEBUG'], ['RNERDCTL_BYPASS4NETNS']])('%s=yes', (name) => {
    const options = resolveOptions({ [name]: 'yes' }, NO_CONFIG)
    const values = { RNERDCTL_NO_CACHE: options.noCache, RNERDCTL_DEBUG: options.debug, RNERDCTL_BYPASS4NETNS: options.bypass4netns.enabled }

    expect(values[name as keyof typeof values]).toBe(true)
  })

  it.each<[string, string, boolean]>([
    ['RNERDCTL_DEBUG', 'maybe', false],
    ['RNERDCTL_DEBUG', '2', false],
    ['RNERDCTL_NO_CACHE', 'y', false],
    ['RNERDCTL_BYPASS4NETNS', 'enable', true],
  ])('%s=%j warns, default', (name, value, fallback) => {
    const options = resolveOptions({ [name]: value }, NO_CONFIG)
    const values = { RNERDCTL_NO_CACHE: options.noCache, RNERDCTL_DEBUG: options.debug, RNERDCTL_BYPASS4NETNS: options.bypass4netns.enabled }

    expect(values[name as keyof typeof values]).toBe(fallback)
    expect(options.warnings).toHaveLength(1)
    expect(options.warnings[0]).toBe(
      `${name}=${JSON.stringify(value)} is not a boolean; using ${fallback ? 'on' : 'off'} (fix: 1/0, true/false, yes/no or on/off)`,
    )
  })

  // The warning names the value rnerdctl goes on with, so that value must be
  // the one returned, whether it comes from the config file or the default.
  it('bad variable, config set: warning names the value used', () => {
    const options = resolveOptions({ RNERDCTL_DEBUG: 'maybe' }, config({ debug: true }))
    const used = options.debug ? 'on' : 'off'

    expect(options.warnings[0]).toContain(`using ${used}`)
  })

  it.each<[string, unknown]>([
    ['string', 'yes'],
    ['number', 1],
  ])('config debug as %s warns', (_name, value) => {
    const options = resolveOptions({}, config({ debug: value }))

    expect(options.debug).toBe(false)
    expect(options.warnings).toEqual([`${CONFIG_PATH}: "debug" must be true or false; using false`])
  })

  it('config bypass4netns as string warns', () => {
    const options = resolveOptions({}, config({ bypass4netns: 'off' }))

    expect(options.bypass4netns).toEqual({ enabled: true, source: 'default' })
    expect(options.warnings).toEqual([`${CONFIG_PATH}: "bypass4netns" must be true or false; using true`])
  })
})

describe('resolveOptions snapshotter chain', () => {
  it.each([['overlayfs,,native'], ['over lay'], [','], ['native;id']])('RNERDCTL_SNAPSHOTTERS=%j warns', (value) => {
    const options = resolveOptions({ RNERDCTL_SNAPSHOTTERS: value }, NO_CONFIG)

    expect(options.chain).toEqual({ names: [...DEFAULT_CHAIN], source: 'default' })
    expect(options.warnings).toHaveLength(1)
    expect(options.warnings[0]).toContain(`RNERDCTL_SNAPSHOTTERS=${JSON.stringify(value)}: invalid snapshotter name`)
    expect(options.warnings[0]).toContain('using the default chain')
  })

  it('bad variable does not fall back to config', () => {
    const options = resolveOptions({ RNERDCTL_SNAPSHOTTERS: 'a b' }, config({ snapshotters: ['native'] }))

    expect(options.chain.source).toBe('default')
  })

  it.each<[string, unknown, string]>([
    ['string', 'overlayfs,native', 'not an array'],
    ['empty array', [], 'empty snapshotter list'],
    ['bad name', ['native', 'a/b'], 'invalid snapshotter name "a/b"'],
  ])('config snapshotters %s warns', (_name, value, problem) => {
    const options = resolveOptions({}, config({ snapshotters: value }))

    expect(options.chain).toEqual({ names: [...DEFAULT_CHAIN], source: 'default' })
    expect(options.warnings).toEqual([
      `${CONFIG_PATH}: "snapshotters": ${problem}; using the default chain (fix: snapshotters = ["overlayfs", "native"])`,
    ])
  })
})

describe('resolveOptions nerdctl path', () => {
  it.each<[string, unknown]>([
    ['empty string', ''],
    ['number', 5],
    ['array', ['/usr/bin/nerdctl']],
  ])('config nerdctl as %s warns', (_name, value) => {
    const options = resolveOptions({}, config({ nerdctl: value }))

    expect(options.nerdctl).toBeNull()
    expect(options.warnings).toEqual([`${CONFIG_PATH}: "nerdctl" must be a path string; searching PATH instead`])
  })
})

describe('resolveOptions config file', () => {
  it('unknown key warns', () => {
    const options = resolveOptions({}, config({ snapshoters: ['native'], debug: false }))

    expect(options.warnings).toEqual([`${CONFIG_PATH}: unknown key "snapshoters" ignored`])
  })

  it('config error warns', () => {
    const options = resolveOptions({}, config(null, 'line 3: invalid TOML: Unexpected character'))

    expect(options.warnings).toEqual([`ignoring ${CONFIG_PATH}: line 3: invalid TOML: Unexpected character`])
    expect(options.chain.source).toBe('default')
  })

  it('warnings keep their order', () => {
    const options = resolveOptions({ RNERDCTL_DEBUG: 'x' }, config({ extra: 1, snapshotters: 'native' }))

    expect(options.warnings).toHaveLength(3)
    expect(options.warnings[0]).toContain('unknown key "extra"')
    expect(options.warnings[1]).toContain('"snapshotters": not an array')
    expect(options.warnings[2]).toContain('RNERDCTL_DEBUG="x"')
  })
})
