import { describe, expect, it } from 'vitest'

import { findUserChoice, type UserChoice, type UserChoiceInput } from '../../src/user-choice.js'

const TOML_PATH = '/home/u/.config/nerdctl/nerdctl.toml'

function input(flag: string | null, variable: string | undefined, snapshotter: string | null): UserChoiceInput {
  return { flag, variable, nerdctlToml: { path: TOML_PATH, snapshotter } }
}

describe('findUserChoice', () => {
  it.each<[string, UserChoiceInput, UserChoice | null]>([
    ['nothing', input(null, undefined, null), null],
    ['flag', input('native', undefined, null), { name: 'native', source: 'flag', reason: '--snapshotter native on the command line' }],
    ['flag beats env', input('native', 'stargz', null), expect.objectContaining({ name: 'native', source: 'flag' }) as UserChoice],
    ['flag beats toml', input('native', undefined, 'stargz'), expect.objectContaining({ name: 'native', source: 'flag' }) as UserChoice],
    ['env', input(null, 'fuse-overlayfs', null), { name: 'fuse-overlayfs', source: 'env', reason: 'CONTAINERD_SNAPSHOTTER=fuse-overlayfs in the environment' }],
    ['env beats toml', input(null, 'fuse-overlayfs', 'stargz'), expect.objectContaining({ name: 'fuse-overlayfs', source: 'env' }) as UserChoice],
    ['toml', input(null, undefined, 'stargz'), { name: 'stargz', source: 'nerdctl.toml', reason: `snapshotter = "stargz" in ${TOML_PATH}` }],
    ['empty env is no choice', input(null, '', null), null],
    ['empty env, toml used', input(null, '', 'stargz'), expect.objectContaining({ name: 'stargz', source: 'nerdctl.toml' }) as UserChoice],
    ['empty toml is no choice', input(null, undefined, ''), null],
  ])('%s', (_name, choiceInput, expected) => {
    expect(findUserChoice(choiceInput)).toEqual(expected)
  })
})
