import yargs from 'yargs'
import { completionCommand } from './completion.js'
import { doctorCommand } from './doctor.js'
import { envCommand } from './env-command.js'
import { setupCommand } from './setup.js'
import type { OwnCommand } from './own-command.js'

const COMMANDS: readonly OwnCommand[] = [envCommand, doctorCommand, setupCommand, completionCommand]

// Thrown from yargs' fail handler: otherwise yargs would still run the
// command's handler after reporting a usage error.
class UsageError extends Error {}

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
      if (error !== undefined && error !== null && !(error instanceof UsageError) && message === null) throw error
      throw new UsageError(String(message ?? error?.message).replace(/\s*\n\s*/g, ' '))
    })

  for (const command of COMMANDS) parser = command(parser, result)
  try {
    await parser.parseAsync()
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`rnerdctl: ${error.message} (see: rnerdctl ${args[0] ?? ''} --help)\n`)
    return 2
  }
  return result.exitCode
}
