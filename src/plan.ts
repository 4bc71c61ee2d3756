import type { Decision } from './decision.js'

// Turns a decision into the environment nerdctl gets: the caller's own,
// minus the variables the decision removes, plus the ones it sets.
export function planEnvironment(base: NodeJS.ProcessEnv, decision: Decision): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base }
  for (const name of decision.unset) delete env[name]
  return Object.assign(env, decision.env)
}

// Inserts the decision's options right after the subcommand path, before
// any flag the user gave, and so always before the image.
export function planArgs(args: readonly string[], decision: Decision): string[] {
  if (decision.args.length === 0 || decision.insertAt < 0) return [...args]
  return [...args.slice(0, decision.insertAt), ...decision.args, ...args.slice(decision.insertAt)]
}
