import type { OwnCommand } from './own-command.js'

// NOTE: a placeholder that registers the command name until it is built.
export const setupCommand: OwnCommand = (parser, result) =>
  parser.command('setup', 'not built yet', {}, () => {
    process.stderr.write('rnerdctl: setup is not built yet\n')
    result.exitCode = 1
  })
