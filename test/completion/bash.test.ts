import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { fileTree, readText, realNerdctlFirstEnv, ROOT, run, scratch, shimFirstEnv, testEnv, writeScript } from './fixtures/harness.js'
import { bashWords, completeInBash } from './fixtures/shells.js'

let script: string
let dockerScript: string
let tree: string

beforeAll(() => {
  script = writeScript('bash')
  dockerScript = writeScript('bash', ['--name', 'docker'])
  tree = fileTree()
})

afterAll(() => scratch.cleanUp())

function reply(line: string, extra: NodeJS.ProcessEnv = {}, cwd = ROOT): string[] {
  return completeInBash(script, line, { env: testEnv(extra), cwd }).reply
}

function withDirective(directive: number, lines = ''): NodeJS.ProcessEnv {
  return { STANDIN_DIRECTIVE: String(directive), STANDIN_REPLY: lines }
}

describe('bashWords', () => {
  it('splits like COMP_WORDS', () => {
    expect(bashWords('rnerdctl run alpine:')).toEqual(['rnerdctl', 'run', 'alpine', ':'])
    expect(bashWords('rnerdctl env --shell=f')).toEqual(['rnerdctl', 'env', '--shell', '=', 'f'])
    expect(bashWords('rnerdctl ')).toEqual(['rnerdctl', ''])
  })
})

describe('bash script', () => {
  it('registers rnerdctl only', () => {
    const result = run('bash', ['--norc', '-c', 'source "$1"; complete -p', 'bash', script], { env: testEnv() })
    expect(result.stdout).toBe('complete -F _rnerdctl_complete rnerdctl\n')
  })

  it('registers --name docker', () => {
    const result = run('bash', ['--norc', '-c', 'source "$1"; complete -p', 'bash', dockerScript], { env: testEnv() })
    expect(result.stdout.split('\n').sort()).toEqual(['', 'complete -F _rnerdctl_complete docker', 'complete -F _rnerdctl_complete rnerdctl'])
  })

  it('completes ru to run', () => {
    expect(reply('rnerdctl ru')).toEqual(['run'])
  })

  it('completes doc to doctor', () => {
    expect(reply('rnerdctl doc')).toEqual(['doctor'])
  })

  it('completes run --snap', () => {
    expect(reply('rnerdctl run --snap')).toEqual(['--snapshotter'])
  })

  it('filters container names', () => {
    expect(reply('rnerdctl start w')).toEqual(['web-1', 'web-2'])
  })

  it('completes after a colon', () => {
    expect(reply('rnerdctl run alpine:')).toEqual(['3.18', 'latest'])
    expect(reply('rnerdctl run alpine:l')).toEqual(['latest'])
  })

  it('completes a value after =', () => {
    expect(reply('rnerdctl env --shell=f')).toEqual(['fish'])
    expect(reply('rnerdctl env --shell=')).toEqual(['sh', 'fish'])
  })

  it('completes own positionals', () => {
    expect(reply('rnerdctl setup ')).toEqual(['fuse-overlayfs', 'stargz'])
    expect(reply('rnerdctl completion ')).toEqual(['bash', 'zsh', 'fish'])
  })

  it('completes docker as rnerdctl', () => {
    // A docker on PATH would print "docker-was-called", which "doc" matches.
    const docker = path.join(scratch.dir(), 'docker')
    writeFileSync(docker, '#!/bin/sh\necho docker-was-called\necho :4\n', { mode: 0o755 })
    const env = testEnv({ PATH: `${path.dirname(docker)}:${testEnv().PATH}` })
    const result = completeInBash(dockerScript, 'docker doc', { env })
    expect(result.reply).toEqual(['doctor'])
  })

  it('completes nerdctl through the shim', () => {
    const env = shimFirstEnv()
    const result = completeInBash(writeScript('bash', [], env), 'nerdctl ', { env })
    expect(result.reply).toContain('run')
    expect(result.reply).toContain('completion')
    expect(result.reply).not.toContain('doctor')
  })

  it('completes --name nerdctl as rnerdctl', () => {
    const record = path.join(scratch.dir(), 'record')
    const env = realNerdctlFirstEnv({ STANDIN_RECORD: record })
    const aliasScript = writeScript('bash', ['--name', 'nerdctl'])

    expect(completeInBash(aliasScript, 'nerdctl doc', { env }).reply).toEqual(['doctor'])
    expect(completeInBash(aliasScript, 'nerdctl start w', { env }).reply).toEqual(['web-1', 'web-2'])
    expect(readText(record)).toMatch(/^RNERDCTL_PARENT=/m)
  })

  it('lets --name nerdctl beat the shim', () => {
    const env = shimFirstEnv()
    const result = completeInBash(writeScript('bash', ['--name', 'nerdctl'], env), 'nerdctl doc', { env })
    expect(result.reply).toEqual(['doctor'])
  })

  it('completes own commands without nerdctl', () => {
    const missing = { RNERDCTL_NERDCTL: '/nonexistent/nerdctl' }
    const result = completeInBash(script, 'rnerdctl ', { env: testEnv(missing) })
    expect(result.reply).toEqual(['env', 'doctor', 'setup', 'completion'])
    expect(result.run.stderr).toBe('')
    expect(reply('rnerdctl run alp', missing)).toEqual([])
  })
})

describe('bash directives', () => {
  it('NoSpace sets nospace', () => {
    const result = completeInBash(script, 'rnerdctl cp w', { env: testEnv(withDirective(6, 'web-1')) })
    expect(result.reply).toEqual(['web-1'])
    expect(result.compopt).toContain('-o nospace')
  })

  it('spaces by default', () => {
    const result = completeInBash(script, 'rnerdctl cp w', { env: testEnv(withDirective(4, 'web-1')) })
    expect(result.compopt).not.toContain('-o nospace')
  })

  it('NoFileComp offers no files', () => {
    expect(reply('rnerdctl cp ', withDirective(4), tree)).toEqual([])
  })

  it('default offers files', () => {
    const result = completeInBash(script, 'rnerdctl cp ', { env: testEnv(withDirective(0)), cwd: tree })
    expect(result.reply.sort()).toEqual(['a.yaml', 'b.yml', 'c.txt', 'other', 'sub'])
    expect(result.compopt).toContain('-o filenames')
  })

  it('FilterFileExt keeps extensions and dirs', () => {
    const result = reply('rnerdctl cp ', withDirective(8, 'yaml\nyml'), tree)
    expect(result.sort()).toEqual(['a.yaml', 'b.yml', 'other', 'sub'])
  })

  it('FilterDirs offers directories', () => {
    expect(reply('rnerdctl cp ', withDirective(16), tree).sort()).toEqual(['other', 'sub'])
  })

  it('FilterDirs looks in the given directory', () => {
    const result = completeInBash(script, 'rnerdctl cp ', { env: testEnv(withDirective(16, 'sub')), cwd: tree })
    expect(result.reply).toEqual(['inner/'])
    expect(result.compopt).toContain('-o nospace')
  })

  it('KeepOrder sets nosort', () => {
    const result = completeInBash(script, 'rnerdctl cp ', { env: testEnv(withDirective(36, 'zeta\nalpha\nmid')) })
    expect(result.reply).toEqual(['zeta', 'alpha', 'mid'])
    expect(result.compopt).toContain('-o nosort')
  })

  it('sorts without KeepOrder', () => {
    const result = completeInBash(script, 'rnerdctl cp ', { env: testEnv(withDirective(4, 'zeta\nalpha')) })
    expect(result.compopt).not.toContain('-o nosort')
  })

  it('Error offers nothing', () => {
    expect(reply('rnerdctl cp ', withDirective(1, 'x'), tree)).toEqual([])
  })

  it('skips active help lines', () => {
    expect(reply('rnerdctl cp ', withDirective(4, '_activeHelp_ pick one\nweb-1'))).toEqual(['web-1'])
  })
})
