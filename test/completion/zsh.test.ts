import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { fileTree, readText, realNerdctlFirstEnv, ROOT, scratch, shimFirstEnv, testEnv, writeScript } from './fixtures/harness.js'
import { completeInZsh, type ZshResult } from './fixtures/shells.js'

let script: string
let tree: string

beforeAll(() => {
  script = writeScript('zsh')
  tree = fileTree()
})

afterAll(() => scratch.cleanUp())

function zsh(line: string, extra: NodeJS.ProcessEnv = {}, cwd = ROOT): ZshResult {
  const result = completeInZsh(script, line, { env: testEnv(extra), cwd })
  expect(result.run.status, result.run.stderr).toBe(0)
  return result
}

// _files can add the same file to more than one group.
function files(result: ZshResult): string[] {
  return [...new Set(result.matches)].sort()
}

function withDirective(directive: number, lines = ''): NodeJS.ProcessEnv {
  return { STANDIN_DIRECTIVE: String(directive), STANDIN_REPLY: lines }
}

describe('zsh script', () => {
  it('completes ru to run', () => {
    const result = zsh('rnerdctl ru')
    expect(result.matches).toEqual(['run'])
    expect(result.buffer).toBe('rnerdctl run ')
  })

  it('completes doc to doctor', () => {
    expect(zsh('rnerdctl doc').buffer).toBe('rnerdctl doctor ')
  })

  it('completes run --snap', () => {
    expect(zsh('rnerdctl run --snap').buffer).toBe('rnerdctl run --snapshotter ')
  })

  it('filters container names', () => {
    const result = zsh('rnerdctl start w')
    expect(result.matches).toEqual(['web-1', 'web-2'])
    expect(result.buffer).toBe('rnerdctl start web-')
  })

  it('completes image tags after a colon', () => {
    expect(zsh('rnerdctl run alpine:l').buffer).toBe('rnerdctl run alpine:latest ')
  })

  it('completes a value after =', () => {
    expect(zsh('rnerdctl env --shell=f').buffer).toBe('rnerdctl env --shell=fish ')
  })

  it('completes own positionals', () => {
    expect(zsh('rnerdctl setup ').matches).toEqual(['fuse-overlayfs', 'stargz'])
    expect(zsh('rnerdctl completion z').buffer).toBe('rnerdctl completion zsh ')
  })

  it('completes docker as rnerdctl', () => {
    const dockerScript = writeScript('zsh', ['--name', 'docker'])
    const docker = path.join(scratch.dir(), 'docker')
    writeFileSync(docker, '#!/bin/sh\necho docker-was-called\necho :4\n', { mode: 0o755 })
    const env = testEnv({ PATH: `${path.dirname(docker)}:${testEnv().PATH}` })
    const result = completeInZsh(dockerScript, 'docker doc', { env })
    expect(result.buffer).toBe('docker doctor ')
  })

  it('completes nerdctl through the shim', () => {
    const env = shimFirstEnv()
    const result = completeInZsh(writeScript('zsh', [], env), 'nerdctl ', { env })
    expect(result.matches).toContain('run')
    expect(result.matches).not.toContain('doctor')
  })

  it('completes --name nerdctl as rnerdctl', () => {
    const record = path.join(scratch.dir(), 'record')
    const env = realNerdctlFirstEnv({ STANDIN_RECORD: record })
    const aliasScript = writeScript('zsh', ['--name', 'nerdctl'])

    expect(completeInZsh(aliasScript, 'nerdctl doc', { env }).buffer).toBe('nerdctl doctor ')
    expect(completeInZsh(aliasScript, 'nerdctl start w', { env }).buffer).toBe('nerdctl start web-')
    expect(readText(record)).toMatch(/^RNERDCTL_PARENT=/m)
  })

  it('completes own commands without nerdctl', () => {
    const result = zsh('rnerdctl ', { RNERDCTL_NERDCTL: '/nonexistent/nerdctl' })
    expect(result.matches).toEqual(['env', 'doctor', 'setup', 'completion'])
  })
})

describe('zsh directives', () => {
  it('NoSpace leaves no space', () => {
    expect(zsh('rnerdctl cp w', withDirective(6, 'web-1')).buffer).toBe('rnerdctl cp web-1')
  })

  it('spaces by default', () => {
    expect(zsh('rnerdctl cp w', withDirective(4, 'web-1')).buffer).toBe('rnerdctl cp web-1 ')
  })

  it('NoFileComp offers no files', () => {
    const result = zsh('rnerdctl cp ', withDirective(4), tree)
    expect(result.matches).toEqual([])
    expect(result.buffer).toBe('rnerdctl cp ')
  })

  it('default offers files', () => {
    expect(files(zsh('rnerdctl cp ', withDirective(0), tree))).toEqual(['a.yaml', 'b.yml', 'c.txt', 'other', 'sub'])
  })

  it('FilterFileExt keeps extensions and dirs', () => {
    expect(files(zsh('rnerdctl cp ', withDirective(8, 'yaml\nyml'), tree))).toEqual(['a.yaml', 'b.yml', 'other', 'sub'])
  })

  it('FilterDirs offers directories', () => {
    expect(files(zsh('rnerdctl cp ', withDirective(16), tree))).toEqual(['other', 'sub'])
  })

  it('FilterDirs looks in the given directory', () => {
    expect(files(zsh('rnerdctl cp ', withDirective(16, 'sub'), tree))).toEqual(['inner'])
  })

  it('KeepOrder adds unsorted', () => {
    const result = zsh('rnerdctl cp ', withDirective(36, 'zeta\nalpha\nmid'))
    expect(result.matches).toEqual(['zeta', 'alpha', 'mid'])
    expect(result.unsorted).toBe(true)
  })

  it('sorts without KeepOrder', () => {
    expect(zsh('rnerdctl cp ', withDirective(4, 'zeta\nalpha\nmid')).unsorted).toBe(false)
  })

  it('Error offers nothing', () => {
    const result = zsh('rnerdctl cp ', withDirective(1, 'x'), tree)
    expect(result.matches).toEqual([])
  })

  it('skips active help lines', () => {
    expect(zsh('rnerdctl cp ', withDirective(4, '_activeHelp_ pick one\nweb-1')).buffer).toBe('rnerdctl cp web-1 ')
  })
})
