import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { prepareCall, type PreparedCall } from '../../../src/call.js'
import { formatExports, quoteFish, quoteSh, runEnvCommand, toJson } from '../../../src/commands/env.js'
import type { Decision } from '../../../src/decision.js'
import { VERSION } from '../../../src/version.js'
import { useTempDirs } from '../support/temp-dir.js'

// runEnvCommand gets its decision from prepareCall, which probes the host.
// Here prepareCall returns a fixed decision instead.
vi.mock('../../../src/call.js', () => ({ prepareCall: vi.fn() }))

const makeTempDir = useTempDirs()
const FISH = '/usr/bin/fish'

function makeDecision(overrides: Partial<Decision> = {}): Decision {
  return {
    rootless: true,
    runtimeDir: { path: '/run/user/1001', source: 'default' },
    snapshotter: { name: 'fuse-overlayfs', source: 'detected', reason: 'socket answers' },
    candidates: [{ name: 'fuse-overlayfs', usable: true, reason: 'socket answers' }],
    bypass4netns: { enabled: false, reason: 'not run or create' },
    nerdctl: { path: '/usr/local/bin/nerdctl', version: '2.0.3' },
    env: { XDG_RUNTIME_DIR: '/run/user/1001', CONTAINERD_SNAPSHOTTER: 'fuse-overlayfs' },
    unset: [],
    args: [],
    insertAt: -1,
    warnings: [],
    notices: [],
    log: [],
    ...overrides,
  }
}

// Values that break naive quoting: quotes, expansions, spaces, newlines,
// backslashes, glob characters and an empty value.
const HARD_VALUES: [string, string][] = [
  ['plain path', '/run/user/1001'],
  ['single quote', "it's"],
  ['only a quote', "'"],
  ['two quotes', "''"],
  ['double quote', 'say "hi"'],
  ['dollar', '$HOME and ${PATH} and $(id)'],
  ['backtick', '`uname`'],
  ['spaces', 'a b  c'],
  ['newline', 'line1\nline2'],
  ['trailing newline', 'end\n'],
  ['backslash', 'back\\slash \\n \\'],
  ['backslash before quote', "\\'"],
  ['glob', '* ? [a]'],
  ['tilde', '~root'],
  ['semicolon', 'a; echo injected'],
  ['percent', '%s %d'],
  ['bang', '!!'],
  ['unicode', 'Grüße ✓'],
  ['empty', ''],
]

describe('quoteSh', () => {
  it.each<[string, string]>([
    ['/run/user/1001', "'/run/user/1001'"],
    ["it's", "'it'\\''s'"],
    ['$HOME', "'$HOME'"],
    ['', "''"],
  ])('%j', (value, expected) => {
    expect(quoteSh(value)).toBe(expected)
  })
})

describe('quoteFish', () => {
  it.each<[string, string]>([
    ['/run/user/1001', "'/run/user/1001'"],
    ["it's", "'it\\'s'"],
    ['a\\b', "'a\\\\b'"],
    ['$HOME', "'$HOME'"],
    ['', "''"],
  ])('%j', (value, expected) => {
    expect(quoteFish(value)).toBe(expected)
  })
})

describe('formatExports', () => {
  it('sh lines', () => {
    const decision = makeDecision({ unset: ['CONTAINERD_SNAPSHOTTER'], env: { XDG_RUNTIME_DIR: '/run/user/1001' } })

    expect(formatExports(decision, 'sh')).toBe("unset CONTAINERD_SNAPSHOTTER\nexport XDG_RUNTIME_DIR='/run/user/1001'\n")
  })

  it('fish lines', () => {
    const decision = makeDecision({ unset: ['CONTAINERD_SNAPSHOTTER'], env: { XDG_RUNTIME_DIR: '/run/user/1001' } })

    expect(formatExports(decision, 'fish')).toBe("set -e CONTAINERD_SNAPSHOTTER;\nset -gx XDG_RUNTIME_DIR '/run/user/1001';\n")
  })

  it('nothing to print', () => {
    expect(formatExports(makeDecision({ env: {}, unset: [] }), 'sh')).toBe('')
  })
})

// Runs `script` in sh with the exports in $EXPORTS, so the exports are
// evaluated exactly as `eval "$(rnerdctl env)"` would.
function runSh(exports: string, script: string, env: Record<string, string> = {}): string {
  return execFileSync('sh', ['-c', `eval "$EXPORTS"; ${script}`], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', EXPORTS: exports, ...env },
    encoding: 'utf8',
  })
}

// fish reads its input in the locale's encoding, so it gets a UTF-8
// locale, as an interactive user's shell has.
function runFish(exports: string, script: string, env: Record<string, string> = {}): string {
  const home = makeTempDir()
  return execFileSync(FISH, ['--no-config', '-c', `printf %s $EXPORTS | source; ${script}`], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8', HOME: home, XDG_CONFIG_HOME: home, XDG_DATA_HOME: home, EXPORTS: exports, ...env },
    encoding: 'utf8',
  })
}

describe('formatExports in sh', () => {
  it.each(HARD_VALUES)('%s', (_name, value) => {
    const exports = formatExports(makeDecision({ env: { VALUE: value } }), 'sh')

    expect(runSh(exports, 'printf %s "$VALUE"')).toBe(value)
  })

  it('exported to children', () => {
    const exports = formatExports(makeDecision({ env: { VALUE: "a'b" } }), 'sh')

    expect(runSh(exports, 'sh -c \'printf %s "$VALUE"\'')).toBe("a'b")
  })

  it('unset removes', () => {
    const exports = formatExports(makeDecision({ env: {}, unset: ['GONE'] }), 'sh')

    expect(runSh(exports, 'printf %s "${GONE-removed}"', { GONE: '' })).toBe('removed')
  })

  it('several variables', () => {
    const exports = formatExports(makeDecision({ env: { A: 'one', B: 'two words' } }), 'sh')

    expect(runSh(exports, 'printf "%s|%s" "$A" "$B"')).toBe('one|two words')
  })
})

describe.skipIf(!existsSync(FISH))('formatExports in fish', () => {
  it.each(HARD_VALUES)('%s', (_name, value) => {
    const exports = formatExports(makeDecision({ env: { VALUE: value } }), 'fish')

    expect(runFish(exports, 'printf %s "$VALUE"')).toBe(value)
  })

  it('exported to children', () => {
    const exports = formatExports(makeDecision({ env: { VALUE: "a'b" } }), 'fish')

    expect(runFish(exports, 'sh -c \'printf %s "$VALUE"\'')).toBe("a'b")
  })

  it('unset removes', () => {
    const exports = formatExports(makeDecision({ env: {}, unset: ['GONE'] }), 'fish')

    expect(runFish(exports, 'set -q GONE; and echo present; or echo removed', { GONE: 'x' })).toBe('removed\n')
  })
})

describe('toJson', () => {
  it('fields', () => {
    const decision = makeDecision()
    const json = toJson(decision)

    expect(json.env).toBe(decision.env)
    expect(json.snapshotter).toBe(decision.snapshotter)
    expect(json.rnerdctl).toEqual({ version: VERSION })
  })

  it('leaves out the debug log', () => {
    expect(toJson(makeDecision({ log: ['step'] }))).not.toHaveProperty('log')
  })
})

describe('runEnvCommand', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  function captureStdout(): string[] {
    const written: string[] = []
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk))
      return true
    })
    return written
  }

  it('prints sh exports', async () => {
    const decision = makeDecision({ env: { XDG_RUNTIME_DIR: '/run/user/1001' } })
    vi.mocked(prepareCall).mockResolvedValue({ decision } as PreparedCall)
    const written = captureStdout()
    const code = await runEnvCommand({ json: false, shell: 'sh', nerdctlArgs: [] })

    expect(code).toBe(0)
    expect(written.join('')).toBe("export XDG_RUNTIME_DIR='/run/user/1001'\n")
  })

  it('prints JSON', async () => {
    const decision = makeDecision()
    vi.mocked(prepareCall).mockResolvedValue({ decision } as PreparedCall)
    const written = captureStdout()
    await runEnvCommand({ json: true, shell: 'sh', nerdctlArgs: [] })

    expect(JSON.parse(written.join(''))).toEqual(JSON.parse(JSON.stringify(toJson(decision))))
  })

  it('passes nerdctl args on', async () => {
    vi.mocked(prepareCall).mockResolvedValue({ decision: makeDecision() } as PreparedCall)
    captureStdout()
    await runEnvCommand({ json: false, shell: 'fish', nerdctlArgs: ['run', '--rm', 'alpine'] })

    expect(vi.mocked(prepareCall)).toHaveBeenLastCalledWith(expect.objectContaining({ args: ['run', '--rm', 'alpine'], full: true }))
  })
})
