import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { readContainerdConfig, type ContainerdConfig } from '../../src/containerd-config.js'
import { parseToml } from '../../src/toml-parse.js'

// containerd's config.toml and its imports as arbitrary bytes on disk:
// reading them never throws, and every error and warning is one line.

const TIME_LIMIT_MS = 3000
const dir = mkdtempSync(path.join(tmpdir(), 'rnerdctl-fuzz-config-'))
mkdirSync(path.join(dir, 'conf.d'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

// Import entries stay inside the temp dir: relative names, globs among
// them, never "..", never absolute.
const importEntry = fc.oneof(
  fc.constantFrom('a.toml', 'conf.d/*.toml', 'conf.d/[ab].toml', 'conf.d/?.toml', 'config.toml', '*', 'conf.d/[', 'conf.d/\\', 'missing.toml', ''),
  fc.stringMatching(/^[a-z*?[\]\\.]{1,8}$/),
)

const tomlValue = fc.oneof(
  fc.constantFrom('1', '"x"', 'true', '[]', '{}', '1979-05-27', 'inf', 'nan', '9007199254740993', '"unix:///run/containerd/x.sock"', '"/run/user/1001/x.sock"'),
  fc.string({ maxLength: 6 }).map((text) => JSON.stringify(text)),
)

// Lines of near-TOML: containerd's keys, tables and imports, broken in
// small ways as often as not.
const tomlLine = fc.oneof(
  fc.constantFrom('version = 2', 'version = 3', 'version = "2"', '[proxy_plugins]', '[proxy_plugins.x]', '[proxy_plugins."fuse-overlayfs"]', 'type = "snapshot"', '[[proxy_plugins]]', '[plugins."io.containerd.grpc.v1.cri"]', '# comment', '', '[', ']', '=', '"""'),
  fc.tuple(fc.constantFrom('address', 'type', 'imports', 'version', 'proxy_plugins', 'proxy_plugins.y.address', 'proxy_plugins.y.type'), tomlValue).map(([key, value]) => `${key} = ${value}`),
  fc.array(importEntry, { maxLength: 4 }).map((entries) => `imports = ${JSON.stringify(entries)}`),
  fc.string({ unit: 'binary', maxLength: 12 }),
)

const tomlText = fc.array(tomlLine, { maxLength: 12 }).map((lines) => lines.join('\n'))

// Any bytes at all, or near-TOML encoded as UTF-8.
const fileBytes = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
  tomlText.map((text) => Buffer.from(text)),
)

const FILES = ['config.toml', 'a.toml', 'conf.d/a.toml', 'conf.d/b.toml']

// Skips files whose version is a BigInt, which the test 'version beyond
// 2^53' covers. NOTE: parseToml returns an integer beyond 2^53 as a
// { tomlType, text } marker, never a BigInt, so this skips no file.
function hasBigIntVersion(bytes: Buffer): boolean {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return false
  }
  const parsed = parseToml(text)
  return parsed.ok && typeof parsed.table.version === 'bigint'
}

function expectOneLine(text: string): void {
  expect(text).not.toContain('\n')
}

function expectWellFormed(config: ContainerdConfig): void {
  for (const file of config.files) if (file.error !== null) expectOneLine(file.error)
  for (const warning of config.warnings) expectOneLine(warning)
  for (const plugin of config.plugins) {
    expect(typeof plugin.name).toBe('string')
    expect(typeof plugin.address).toBe('string')
    expect(plugin.address).not.toBe('')
  }
}

describe('containerd config fuzz', () => {
  it('parseToml never throws, errors are one line', () => {
    fc.assert(
      fc.property(fc.oneof(tomlText, fc.string({ unit: 'binary', maxLength: 64 })), (text) => {
        const result = parseToml(text)
        if (result.ok) return
        expect(Number.isInteger(result.line)).toBe(true)
        expect(result.line).toBeGreaterThanOrEqual(1)
        expectOneLine(result.message)
      }),
      { numRuns: 20_000, interruptAfterTimeLimit: TIME_LIMIT_MS },
    )
  })

  it('readContainerdConfig never throws on any bytes', () => {
    fc.assert(
      fc.property(fc.array(fileBytes, { minLength: FILES.length, maxLength: FILES.length }), fc.boolean(), (contents, trusting) => {
        fc.pre(!contents.some(hasBigIntVersion))
        FILES.forEach((name, i) => writeFileSync(path.join(dir, name), contents[i] as Buffer))
        const trust = trusting ? undefined : () => 'is owned by uid 4242'

        expectWellFormed(readContainerdConfig(path.join(dir, 'config.toml'), parseToml, trust))
      }),
      { numRuns: 5000, interruptAfterTimeLimit: TIME_LIMIT_MS },
    )
  })

  // A version beyond 2^53, which @iarna/toml returns as a BigInt that
  // JSON.stringify cannot encode, gives one "unknown config version"
  // warning from readContainerdConfig, not a throw. config-faults.test.ts
  // runs the same file through the CLI.
  it('version beyond 2^53', () => {
    writeFileSync(path.join(dir, 'config.toml'), 'version = 9007199254740993')

    const config = readContainerdConfig(path.join(dir, 'config.toml'), parseToml)

    expect(config.warnings).toHaveLength(1)
  })

  // Imports that name each other and themselves are read once each.
  it('import cycles end', () => {
    fc.assert(
      fc.property(fc.array(fc.subarray(FILES), { minLength: FILES.length, maxLength: FILES.length }), (imports) => {
        FILES.forEach((name, i) => {
          const relative = (imports[i] as string[]).map((target) => path.relative(path.dirname(path.join(dir, name)), path.join(dir, target)))
          writeFileSync(path.join(dir, name), `imports = ${JSON.stringify(relative)}\n`)
        })

        const config = readContainerdConfig(path.join(dir, 'config.toml'), parseToml)
        expectWellFormed(config)
        expect(config.files.length).toBeLessThanOrEqual(FILES.length)
      }),
      { numRuns: 2000, interruptAfterTimeLimit: TIME_LIMIT_MS },
    )
  })
})
