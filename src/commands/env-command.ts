import type { OwnCommand } from './own-command.js'
import { runEnvCommand } from './env.js'

export const envCommand: OwnCommand = (parser, result) =>
  parser.command(
    'env',
    'print the environment rnerdctl would give nerdctl (for eval, or as JSON with --json)',
    (command) =>
      command
        .option('json', { type: 'boolean', default: false, describe: 'print the whole decision as one JSON object' })
        .option('shell', { choices: ['sh', 'fish'] as const, default: 'sh' as const, describe: 'syntax of the printed lines' })
        .usage('$0 env [--json] [--shell sh|fish] [-- NERDCTL ARGS...]'),
    async (argv) => {
      const nerdctlArgs = ((argv['--'] as unknown[] | undefined) ?? []).map(String)
      result.exitCode = await runEnvCommand({ json: argv.json, shell: argv.shell, nerdctlArgs })
    },
  )
