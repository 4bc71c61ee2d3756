import yargs from 'yargs'
import { runEnvCommand } from './env.js'

// rnerdctl's own commands. This chunk loads yargs, so it is bundled apart
// from the pass-through path, which never loads it.
export async function runOwnCommand(args: string[]): Promise<number> {
  let exitCode = 0
  const parser = yargs(args)
    .scriptName('rnerdctl')
    .strict()
    .exitProcess(false)
    .command(
      'env',
      'print the environment rnerdctl would give nerdctl (for eval, or as JSON with --json)',
      (command) =>
        command
          .option('json', { type: 'boolean', default: false, describe: 'print the whole decision as one JSON object' })
          .option('shell', { choices: ['sh', 'fish'] as const, default: 'sh' as const, describe: 'syntax of the printed lines' })
          .usage('$0 env [--json] [--shell sh|fish] [-- NERDCTL ARGS...]'),
      async (argv) => {
        exitCode = await runEnvCommand({ json: argv.json, shell: argv.shell, nerdctlArgs: (argv['--'] as string[] | undefined) ?? [] })
      },
    )
    .parserConfiguration({ 'populate--': true })
    .help()
    .version(false)
    .fail((message, error) => {
      process.stderr.write(`rnerdctl: ${message ?? error?.message}\n`)
      exitCode = 2
    })

  await parser.parseAsync()
  return exitCode
}
