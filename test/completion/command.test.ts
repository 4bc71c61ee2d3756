import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

import { renderCompletionScript, SHELLS } from '../../src/completion/render.js'
import { readText, ROOT, RNERDCTL, run, scratch, testEnv } from './fixtures/harness.js'
import { completeInFish, completeInZsh } from './fixtures/shells.js'

afterAll(() => scratch.cleanUp())

const PACKAGED = path.join(ROOT, 'shims', 'completion')
// The packaged files name rnerdctl alone.
const PACKAGED_NAMES = { names: [], shimFirst: false }

function generate(args: string[], extra: NodeJS.ProcessEnv = {}): ReturnType<typeof run> {
  return run(RNERDCTL, ['completion', ...args], { env: testEnv(extra) })
}

function bashRegistration(script: string): string {
  return /^complete -F \S+ (.*)$/m.exec(script)?.[1] ?? ''
}

describe('rnerdctl completion', () => {
  it.each(SHELLS)('prints the %s script', (shell) => {
    const result = generate([shell])
    expect(result.stdout).toBe(renderCompletionScript(shell, PACKAGED_NAMES))
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  })

  it('adds each --name', () => {
    const result = generate(['bash', '--name', 'docker', '--name', 'podman'])
    expect(bashRegistration(result.stdout)).toBe('rnerdctl docker podman')
  })

  it('adds nerdctl when the shim is first', () => {
    const result = generate(['bash'], { PATH: `${path.join(ROOT, 'shims')}:${testEnv().PATH}` })
    expect(bashRegistration(result.stdout)).toBe('rnerdctl nerdctl')
    expect(result.stdout).toContain('&& program=nerdctl')
  })

  it('calls rnerdctl for --name nerdctl', () => {
    const result = generate(['bash', '--name', 'nerdctl'])
    expect(bashRegistration(result.stdout)).toBe('rnerdctl nerdctl')
    expect(result.stdout).not.toContain('program=nerdctl')
  })

  it('lets --name nerdctl beat the shim', () => {
    const result = generate(['zsh', '--name', 'nerdctl'], { PATH: `${path.join(ROOT, 'shims')}:${testEnv().PATH}` })
    expect(result.stdout.split('\n')[0]).toBe('#compdef rnerdctl nerdctl')
    expect(result.stdout).not.toContain('program=nerdctl')
  })

  it('leaves a real nerdctl alone', () => {
    const result = generate(['zsh'], { PATH: `${path.join(__dirname, 'fixtures')}:${testEnv().PATH}` })
    expect(result.stdout.split('\n')[0]).toBe('#compdef rnerdctl')
  })

  it('rejects a name with a space', () => {
    const result = generate(['fish', '--name', 'my docker'])
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(`rnerdctl: invalid --name "my docker": use letters, digits, '_', '.', '+' or '-'\n`)
    expect(result.status).toBe(2)
  })

  it('rejects an unknown shell', () => {
    const result = generate(['tcsh'])
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain('tcsh')
    expect(result.status).toBe(2)
  })

  it('needs no nerdctl, runtime dir or HOME', () => {
    const result = run(RNERDCTL, ['completion', 'bash'], { env: { PATH: testEnv().PATH } })
    expect(result.stdout).toBe(renderCompletionScript('bash', PACKAGED_NAMES))
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  })
})

describe('packaged completion files', () => {
  it.each([
    ['bash', 'rnerdctl.bash'],
    ['zsh', '_rnerdctl'],
    ['fish', 'rnerdctl.fish'],
  ] as const)('%s file is up to date', (shell, file) => {
    // Regenerate with: node scripts/gen-completion.mjs
    expect(readText(path.join(PACKAGED, file))).toBe(renderCompletionScript(shell, PACKAGED_NAMES))
  })

  it('bash-completion loads rnerdctl.bash', () => {
    const userDir = scratch.dir()
    mkdirSync(path.join(userDir, 'completions'))
    copyFileSync(path.join(PACKAGED, 'rnerdctl.bash'), path.join(userDir, 'completions', 'rnerdctl.bash'))
    const program = 'source /usr/share/bash-completion/bash_completion; __load_completion rnerdctl; complete -p rnerdctl'
    const result = run('bash', ['--norc', '-c', program], { env: testEnv({ BASH_COMPLETION_USER_DIR: userDir }) })
    expect(result.stdout).toBe('complete -F _rnerdctl_complete rnerdctl\n')
  })

  it('zsh autoloads _rnerdctl from fpath', () => {
    const setup = path.join(scratch.dir(), 'fpath.zsh')
    writeFileSync(setup, `fpath=(${PACKAGED} $fpath)\ncompinit -u -D\n`)
    const result = completeInZsh(setup, 'rnerdctl doc', { env: testEnv() })
    expect(result.buffer).toBe('rnerdctl doctor ')
  })

  it('fish loads rnerdctl.fish from its completion path', () => {
    const setup = path.join(scratch.dir(), 'path.fish')
    writeFileSync(setup, `set -p fish_complete_path ${PACKAGED}\n`)
    expect(completeInFish(setup, 'rnerdctl doc', { env: testEnv() }).names).toEqual(['doctor'])
  })
})
