import { describe, expect, it } from 'vitest'

import { candidateName, Directive, formatReply, isCompleteRequest, parseReply } from '../../src/completion/protocol.js'

describe('parseReply', () => {
  it('splits candidates from the directive', () => {
    expect(parseReply('run\tRun a command\nrm\n:4\n')).toEqual({ lines: ['run\tRun a command', 'rm'], directive: 4 })
  })

  it('reads a directive without a final newline', () => {
    expect(parseReply(':36')).toEqual({ lines: [], directive: 36 })
  })

  it('reports a reply without a directive', () => {
    expect(parseReply('run\nrm\n')).toEqual({ lines: ['run', 'rm'], directive: null })
  })

  it('reads an empty reply as no directive', () => {
    expect(parseReply('')).toEqual({ lines: [], directive: null })
  })

  it('takes a colon candidate for a candidate', () => {
    expect(parseReply(':x\n:0\n')).toEqual({ lines: [':x'], directive: 0 })
  })
})

describe('formatReply', () => {
  it('ends with the directive line', () => {
    expect(formatReply(['a', 'b\tdesc'], Directive.NoSpace | Directive.NoFileComp)).toBe('a\nb\tdesc\n:6\n')
  })

  it('round-trips through parseReply', () => {
    const text = formatReply(['alpine:3.18', 'x'], Directive.KeepOrder)
    expect(parseReply(text)).toEqual({ lines: ['alpine:3.18', 'x'], directive: 32 })
  })
})

describe('protocol helpers', () => {
  it('candidateName drops the description', () => {
    expect(candidateName('run\tRun a command')).toBe('run')
    expect(candidateName('web-1')).toBe('web-1')
  })

  it('isCompleteRequest knows both requests', () => {
    expect(isCompleteRequest('__complete')).toBe(true)
    expect(isCompleteRequest('__completeNoDesc')).toBe(true)
    expect(isCompleteRequest('completion')).toBe(false)
    expect(isCompleteRequest(undefined)).toBe(false)
  })

  it('directive bits match cobra', () => {
    expect(Directive).toEqual({ Default: 0, Error: 1, NoSpace: 2, NoFileComp: 4, FilterFileExt: 8, FilterDirs: 16, KeepOrder: 32 })
  })
})
