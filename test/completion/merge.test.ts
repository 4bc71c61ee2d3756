import { describe, expect, it } from 'vitest'

import { mergeFirstWord, passReply } from '../../src/completion/merge.js'
import { parseReply } from '../../src/completion/protocol.js'

const NERDCTL_FIRST_WORD = 'run\tRun a command\nrm\tRemove containers\ncompletion\tGenerate the autocompletion script\n:4\n'

describe('mergeFirstWord', () => {
  it('adds own commands after nerdctl candidates', () => {
    const text = mergeFirstWord({ reply: parseReply(NERDCTL_FIRST_WORD), partial: '', descriptions: true })
    const names = parseReply(text).lines.map((line) => line.split('\t')[0])
    expect(names).toEqual(['run', 'rm', 'env', 'doctor', 'setup', 'completion'])
    expect(parseReply(text).directive).toBe(4)
  })

  it('replaces nerdctl completion with its own', () => {
    const reply = parseReply('completion\tGenerate the autocompletion script\n:4\n')
    const text = mergeFirstWord({ reply, partial: 'co', descriptions: true })
    expect(parseReply(text).lines).toEqual(['completion\tprint a shell completion script (bash, zsh, fish)'])
  })

  it('filters own commands by the partial word', () => {
    const text = mergeFirstWord({ reply: parseReply('run\n:4\n'), partial: 'd', descriptions: false })
    expect(parseReply(text).lines).toEqual(['run', 'doctor'])
  })

  it('leaves descriptions out for __completeNoDesc', () => {
    const text = mergeFirstWord({ reply: parseReply(':4\n'), partial: 'e', descriptions: false })
    expect(text).toBe('env\n:4\n')
  })

  it('keeps nerdctl directive', () => {
    const text = mergeFirstWord({ reply: parseReply('run\n:36\n'), partial: '', descriptions: false })
    expect(parseReply(text).directive).toBe(36)
  })

  it('answers alone without nerdctl', () => {
    expect(mergeFirstWord({ reply: null, partial: 's', descriptions: false })).toBe('setup\n:4\n')
  })

  it('answers alone after a cut reply', () => {
    expect(mergeFirstWord({ reply: parseReply('ru'), partial: 'doc', descriptions: false })).toBe('doctor\n:4\n')
  })

  it('answers alone after an error directive', () => {
    expect(mergeFirstWord({ reply: parseReply(':1\n'), partial: 'env', descriptions: false })).toBe('env\n:4\n')
  })

  it('prints only the directive when nothing matches', () => {
    expect(mergeFirstWord({ reply: null, partial: 'zzz', descriptions: true })).toBe(':4\n')
  })
})

describe('passReply', () => {
  it('passes a complete reply unchanged', () => {
    expect(passReply('web-1\nweb-2\n:4\n')).toBe('web-1\nweb-2\n:4\n')
  })

  it('passes active help lines unchanged', () => {
    const text = '_activeHelp_ pick a container\nweb-1\n:0\n'
    expect(passReply(text)).toBe(text)
  })

  it('gives the error directive without nerdctl', () => {
    expect(passReply(null)).toBe(':1\n')
  })

  it('appends the error directive to a cut reply', () => {
    expect(passReply('web-1\nweb')).toBe('web-1\nweb\n:1\n')
    expect(passReply('')).toBe(':1\n')
  })
})
