export interface ScriptInput {
  // Command names the script completes, rnerdctl first.
  names: readonly string[]
}

// Comment at the top of each script: the program each name calls, and why.
export const SCRIPT_HEADER = `# The command \`nerdctl\` is completed by asking \`nerdctl __complete\`, and every
# other name by asking \`rnerdctl __complete\`. An alias (alias docker=rnerdctl)
# is not expanded where completion runs, and a name such as docker may be
# another program, so rnerdctl is called by name; an absolute path would break
# when rnerdctl moves (another Node version or npm prefix). rnerdctl's shim
# installed as nerdctl completes nerdctl's commands with rnerdctl's
# environment, and a real nerdctl completes them as it would run them.`
