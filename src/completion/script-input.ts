export interface ScriptInput {
  // Command names the script completes, rnerdctl first.
  names: readonly string[]
  // True when `nerdctl` is among the names because the first nerdctl on
  // PATH is rnerdctl's shim: the script then runs `nerdctl __complete` for
  // it. Every other name, and nerdctl given with --name, runs
  // `rnerdctl __complete`.
  shimNerdctl: boolean
}

const CALLS_RNERDCTL = `# Every name is completed by asking \`rnerdctl __complete\`, which completes
# rnerdctl's own commands and forwards the rest to nerdctl with rnerdctl's
# environment.`

const CALLS_SHIM = `# The command \`nerdctl\` (rnerdctl's shim, first on PATH when this script was
# made) is completed by asking \`nerdctl __complete\`, so it completes
# nerdctl's commands alone, as the shim runs them. Every other name is
# completed by asking \`rnerdctl __complete\`.`

const CALLED_BY_NAME = `# An alias (alias nerdctl=rnerdctl, alias docker=rnerdctl) is not expanded
# where completion runs, and a name such as docker may be another program,
# so rnerdctl is called by name; an absolute path would break when rnerdctl
# moves (another Node version or npm prefix).`

// Comment at the top of each script: the program each name calls, and why.
export function renderScriptHeader(input: ScriptInput): string {
  return `${input.shimNerdctl ? CALLS_SHIM : CALLS_RNERDCTL}\n${CALLED_BY_NAME}`
}
