import type { OwnCommand } from './own-command.js'

// NOTE: a placeholder that registers the command name until it is built.
export const doctorCommand: OwnCommand = (parser, result) =>
  parser.command('doctor', 'not built yet', {}, () => {
    process.stderr.write('rnerdctl: doctor is not built yet\n')
    result.exitCode = 1
  })
