import type { OwnCommand } from './own-command.js'

// NOTE: a placeholder that registers the command name until it is built.
export const completionCommand: OwnCommand = (parser, result) =>
  parser.command('completion', 'not built yet', {}, () => {
    process.stderr.write('rnerdctl: completion is not built yet\n')
    result.exitCode = 1
  })
