import type { SnapshotterSource } from './decision.js'

// Set beside CONTAINERD_SNAPSHOTTER whenever rnerdctl exports its own
// detection, so a value in the environment that equals it is known to be
// rnerdctl's (from `eval "$(rnerdctl env)"`), not the user's choice.
export const DETECTED_VARIABLE = 'RNERDCTL_DETECTED_SNAPSHOTTER'

export interface UserChoiceInput {
  flag: string | null
  variable: string | undefined
  nerdctlToml: { path: string; snapshotter: string | null }
}

export interface UserChoice {
  name: string
  source: Exclude<SnapshotterSource, 'detected' | 'none'>
  reason: string
}

// nerdctl's own precedence: command-line flag, then CONTAINERD_SNAPSHOTTER,
// then nerdctl.toml. An empty CONTAINERD_SNAPSHOTTER is no choice: rnerdctl
// replaces or removes it, because nerdctl would read it as a choice of "".
export function findUserChoice(input: UserChoiceInput): UserChoice | null {
  if (input.flag !== null) {
    return { name: input.flag, source: 'flag', reason: `--snapshotter ${input.flag} on the command line` }
  }

  if (input.variable !== undefined && input.variable !== '') {
    return { name: input.variable, source: 'env', reason: `CONTAINERD_SNAPSHOTTER=${input.variable} in the environment` }
  }

  const fromToml = input.nerdctlToml.snapshotter
  if (fromToml !== null && fromToml !== '') {
    return { name: fromToml, source: 'nerdctl.toml', reason: `snapshotter = "${fromToml}" in ${input.nerdctlToml.path}` }
  }
  return null
}
