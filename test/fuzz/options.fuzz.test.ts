import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { resolveOptions, type OwnConfig } from '../../src/options.js'
import type { TomlTable } from '../../src/toml-parse.js'

// resolveOptions on any environment and any config table a TOML parser
// can return: it never throws, and always returns usable settings.

const TIME_LIMIT_MS = 3000
const VARIABLES = ['RNERDCTL_NERDCTL', 'RNERDCTL_DISABLE', 'RNERDCTL_DEBUG', 'RNERDCTL_SNAPSHOTTERS', 'RNERDCTL_BYPASS4NETNS', 'RNERDCTL_NO_CACHE']
const KEYS = ['nerdctl', 'snapshotters', 'bypass4netns', 'debug']

const text = fc.oneof(
  fc.constantFrom('', '1', '0', 'yes', 'Off', ' true ', 'native', 'overlayfs,native', ',', ' , ', 'a,,b', '-x', '/usr/bin/nerdctl', 'nerdctl', '\n'),
  fc.string({ unit: 'binary', maxLength: 12 }),
)

// Every value type @iarna/toml returns except BigInt (integers beyond
// 2^53), which the tests below pass in directly. Tables have no
// prototype, as the parser's have none.
const tomlValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.date({ noInvalidDate: true }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(text, fc.constantFrom('__proto__', 'constructor', 'toString')), tie('value'), { maxKeys: 4 }).map((entries) => Object.assign(Object.create(null), entries)),
  ),
})).value

const table: fc.Arbitrary<TomlTable> = fc
  .dictionary(fc.oneof(fc.constantFrom(...KEYS), text), tomlValue, { maxKeys: 6 })
  .map((entries) => Object.assign(Object.create(null) as TomlTable, entries))

const env = fc.dictionary(fc.constantFrom(...VARIABLES), text, { maxKeys: VARIABLES.length })

const config: fc.Arbitrary<OwnConfig> = fc.record({
  path: fc.constantFrom('/home/u/.config/rnerdctl/config.toml', 'relative.toml', '/odd\npath.toml'),
  table: fc.option(table, { nil: null }),
  error: fc.option(text, { nil: null }),
})

describe('resolveOptions fuzz', () => {
  it('never throws, settings usable', () => {
    fc.assert(
      fc.property(env, config, (variables, own) => {
        const options = resolveOptions(variables, own)

        expect(options.chain.names.length).toBeGreaterThan(0)
        for (const name of options.chain.names) expect(name).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)
        expect(typeof options.bypass4netns.enabled).toBe('boolean')
        expect(typeof options.debug).toBe('boolean')
        if (options.nerdctl !== null) expect(options.nerdctl.value).not.toBe('')
        for (const warning of options.warnings) expect(typeof warning).toBe('string')
      }),
      { numRuns: 20_000, interruptAfterTimeLimit: TIME_LIMIT_MS },
    )
  })

  // A snapshotters entry that JSON.stringify cannot encode (a BigInt, as
  // @iarna/toml returns an integer beyond 2^53, or arrays nested 100000
  // deep, which overflow the stack) must not make resolveOptions throw, so
  // parseChain describes a non-string entry without JSON.stringify.
  it.each([
    ['BigInt entry', { snapshotters: [9007199254740993n] }],
    ['100000 nested arrays', { snapshotters: Array.from({ length: 100_000 }).reduce<unknown[]>((inner) => [inner], []) }],
  ])('snapshotters: %s', (_name, values) => {
    const own: OwnConfig = { path: '/c.toml', table: values as TomlTable, error: null }

    expect(() => resolveOptions({}, own)).not.toThrow()
  })
})
