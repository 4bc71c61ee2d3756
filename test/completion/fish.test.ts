import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { fileTree, readText, realNerdctlFirstEnv, ROOT, run, scratch, shimFirstEnv, testEnv, writeScript } from './fixtures/harness.js'
import { completeInFish, type FishResult } from './fixtures/shells.js'

let script: string
let tree: string

beforeAll(() => {
  script = writeScript('fish')
  tree = fileTree()
})

afterAll(() => scratch.cleanUp())

function fish(line: string, extra: NodeJS.ProcessEnv = {}, cwd = ROOT): FishResult {
  const result = completeInFish(script, line, { env: testEnv(extra), cwd })
  expect(result.run.stderr).toBe('')
  return result
}

function withDirective(directive: number, lines = ''): NodeJS.ProcessEnv {
  return { STANDIN_DIRECTIVE: String(directive), STANDIN_REPLY: lines }
}

describe('fish script', () => {
  it('completes ru to run', () => {
    expect(fish('rnerdctl ru').lines).toEqual(['run\tRun a command in a new container'])
  })

  it('completes doc to doctor', () => {
    expect(fish('rnerdctl doc').lines).toEqual(['doctor\tcheck the rootless setup and say how to fix what is wrong'])
  })

  it('completes run --snap', () => {
    expect(fish('rnerdctl run --snap').names).toEqual(['--snapshotter'])
  })

  it('filters container names', () => {
    expect(fish('rnerdctl start w').names).toEqual(['web-1', 'web-2'])
  })

  it('completes image tags after a colon', () => {
    expect(fish('rnerdctl run alpine:').names).toEqual(['alpine:3.18', 'alpine:latest'])
  })

  it('completes a value after =', () => {
    expect(fish('rnerdctl env --shell=f').names).toEqual(['--shell=fish'])
  })

  it('completes own positionals', () => {
    expect(fish('rnerdctl setup ').names).toEqual(['fuse-overlayfs', 'stargz'])
    expect(fish('rnerdctl completion ').names).toEqual(['bash', 'fish', 'zsh'])
  })

  it('registers each name once', () => {
    const dockerScript = writeScript('fish', ['--name', 'docker'])
    const result = run('fish', ['--no-config', '-c', 'source $argv[1]; complete -c docker; complete -c rnerdctl', dockerScript], {
      env: testEnv(),
    })
    const lines = result.stdout.split('\n')
    expect(lines.filter((line) => / docker /.test(line))).toHaveLength(4)
    expect(lines.filter((line) => / rnerdctl /.test(line))).toHaveLength(4)
  })

  it('completes docker as rnerdctl', () => {
    const dockerScript = writeScript('fish', ['--name', 'docker'])
    const docker = path.join(scratch.dir(), 'docker')
    writeFileSync(docker, '#!/bin/sh\necho docker-was-called\necho :4\n', { mode: 0o755 })
    const env = testEnv({ PATH: `${path.dirname(docker)}:${testEnv().PATH}` })
    expect(completeInFish(dockerScript, 'docker doc', { env }).names).toEqual(['doctor'])
  })

  it('completes nerdctl through the shim', () => {
    const env = shimFirstEnv()
    const names = completeInFish(writeScript('fish', [], env), 'nerdctl ', { env }).names
    expect(names).toContain('run')
    expect(names).not.toContain('doctor')
  })

  it('completes --name nerdctl as rnerdctl', () => {
    const record = path.join(scratch.dir(), 'record')
    const env = realNerdctlFirstEnv({ STANDIN_RECORD: record })
    const aliasScript = writeScript('fish', ['--name', 'nerdctl'])

    expect(completeInFish(aliasScript, 'nerdctl doc', { env }).names).toEqual(['doctor'])
    expect(completeInFish(aliasScript, 'nerdctl start w', { env }).names).toEqual(['web-1', 'web-2'])
    expect(readText(record)).toMatch(/^RNERDCTL_PARENT=/m)
  })

  it('completes own commands without nerdctl', () => {
    const result = fish('rnerdctl ', { RNERDCTL_NERDCTL: '/nonexistent/nerdctl' })
    expect(result.names).toEqual(['completion', 'doctor', 'env', 'setup'])
  })

  it('sends one request per completion', () => {
    const log = path.join(scratch.dir(), 'log')
    const program = 'source $argv[1]; complete -C "rnerdctl start w"; complete -C "rnerdctl start w"; complete -C "rnerdctl ru"'
    const result = run('fish', ['--no-config', '-c', program, script], { env: testEnv({ STANDIN_LOG: log }) })
    expect(result.stdout).toBe('web-1\nweb-2\nweb-1\nweb-2\nrun\tRun a command in a new container\n')
    expect(readText(log)).toBe('__complete start w\n__complete start w\n__complete ru\n')
  })
})

describe('fish directives', () => {
  it('NoSpace adds a second candidate', () => {
    expect(fish('rnerdctl cp w', withDirective(6, 'web-1')).names).toEqual(['web-1', 'web-1.'])
  })

  it('spaces by default', () => {
    expect(fish('rnerdctl cp w', withDirective(4, 'web-1')).names).toEqual(['web-1'])
  })

  it('NoFileComp offers no files', () => {
    expect(fish('rnerdctl cp ', withDirective(4), tree).names).toEqual([])
  })

  it('default offers files', () => {
    expect(fish('rnerdctl cp ', withDirective(0), tree).names.sort()).toEqual(['a.yaml', 'b.yml', 'c.txt', 'other/', 'sub/'])
  })

  it('FilterFileExt keeps extensions and dirs', () => {
    expect(fish('rnerdctl cp ', withDirective(8, 'yaml\nyml'), tree).names.sort()).toEqual(['a.yaml', 'b.yml', 'other/', 'sub/'])
  })

  it('FilterDirs offers directories', () => {
    expect(fish('rnerdctl cp ', withDirective(16), tree).names.sort()).toEqual(['other/', 'sub/'])
  })

  it('FilterDirs looks in the given directory', () => {
    expect(fish('rnerdctl cp ', withDirective(16, 'sub'), tree).names).toEqual(['inner/'])
  })

  it('KeepOrder keeps the order', () => {
    expect(fish('rnerdctl cp ', withDirective(36, 'zeta\nalpha\nmid')).names).toEqual(['zeta', 'alpha', 'mid'])
  })

  it('sorts without KeepOrder', () => {
    expect(fish('rnerdctl cp ', withDirective(4, 'zeta\nalpha\nmid')).names).toEqual(['alpha', 'mid', 'zeta'])
  })

  it('Error offers nothing', () => {
    expect(fish('rnerdctl cp ', withDirective(1, 'x'), tree).names).toEqual([])
  })

  it('skips active help lines', () => {
    expect(fish('rnerdctl cp ', withDirective(4, '_activeHelp_ pick one\nweb-1')).names).toEqual(['web-1'])
  })
})
