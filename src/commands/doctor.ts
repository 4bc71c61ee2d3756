import { runDoctor } from '../doctor/run.js'
import type { OwnCommand } from './own-command.js'

export const doctorCommand: OwnCommand = (parser, result) =>
  parser.command(
    'doctor',
    'check the rootless setup: each check prints ok, warn or fail, its facts, and the command that fixes it',
    (command) =>
      command
        .option('json', { type: 'boolean', default: false, describe: 'print one JSON object: the checks and the decision of `rnerdctl env --json`' })
        .option('recheck', { type: 'boolean', default: false, describe: 'ignore cached probe results (overlay mount test, containerd plugin list) and probe again' })
        .usage('$0 doctor [--json] [--recheck]\n\nExit status: 0 when no check fails (warnings allowed), 1 when one fails.'),
    async (argv) => {
      result.exitCode = await runDoctor({ json: argv.json, recheck: argv.recheck, env: process.env, stdout: process.stdout })
    },
  )
