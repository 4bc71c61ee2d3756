import type { Decision } from './decision.js'

// Turns a decision into the environment nerdctl gets: the caller's own,
// minus the variables the decision removes, plus the ones it sets.
export function planEnvironment(base: NodeJS.ProcessEnv, decision: Decision): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base }
  for (const name of decision.unset) delete env[name]
  return Object.assign(env, decision.env)
}
