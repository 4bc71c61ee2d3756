import yargs from 'yargs'
import { completionCommand } from './completion.js'
import { doctorCommand } from './doctor.js'
import { envCommand } from './env-command.js'
import { setupCommand } from './setup.js'
import type { OwnCommand } from './own-command.js'

const COMMANDS: readonly OwnCommand[] = [envCommand, doctorCommand, setupCommand, completionCommand]

// rnerdctl's own commands. This chunk loads yargs, so it is bundled apart
// from the pass-through path, which never loads it.
export async function runOwnCommand(args: string[]): Promise<number> {
  const result = { exitCode: 0 }
  let parser = yargs(args)
    .scriptName('rnerdctl')
    .strict()
    .exitProcess(false)
    .parserConfiguration({ 'populate--': true })
    .help()
    .version(false)
    .fail((message, error) => {
      process.stderr.write(`rnerdctl: ${message ?? error?.message}\n`)
      result.exitCode = 2
    })

  for (const command of COMMANDS) parser = command(parser, result)
  await parser.parseAsync()
  return result.exitCode
}
