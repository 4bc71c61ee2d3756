import { isValidName, renderCompletionScript, SHELLS } from '../completion/render.js'
import { isShimFirstNerdctl } from '../completion/shim-on-path.js'
import { safeCwd } from '../call.js'
import type { OwnCommand } from './own-command.js'

// Prints a script that completes rnerdctl, each --name, and nerdctl too
// when the first nerdctl on PATH is rnerdctl's shim. The script runs
// `rnerdctl __complete` at every TAB, so generating it needs no runtime dir,
// daemon or nerdctl (packagers generate it in build chroots).
export const completionCommand: OwnCommand = (parser, result) =>
  parser.command(
    'completion <shell>',
    'print a shell completion script for rnerdctl and nerdctl (bash, zsh, fish)',
    (command) =>
      command
        .positional('shell', { choices: SHELLS, demandOption: true, describe: 'shell the script is for' })
        .option('name', {
          type: 'string',
          array: true,
          default: [] as string[],
          describe: 'also complete this command name as rnerdctl (for alias docker=rnerdctl); repeatable',
        })
        .usage('$0 completion bash|zsh|fish [--name NAME]...'),
    (argv) => {
      // yargs runs this handler even after it rejected the shell (exitProcess
      // is off), having printed the error and set the exit code already.
      if (!SHELLS.includes(argv.shell)) return

      const invalid = argv.name.find((name) => !isValidName(name))
      if (invalid !== undefined) {
        process.stderr.write(`rnerdctl: invalid --name ${JSON.stringify(invalid)}: use letters, digits, '_', '.', '+' or '-'\n`)
        result.exitCode = 2
        return
      }

      const shimFirst = isShimFirstNerdctl(process.env.PATH ?? '', safeCwd())
      process.stdout.write(renderCompletionScript(argv.shell, { names: argv.name, shimFirst }))
    },
  )
