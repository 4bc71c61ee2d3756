import { CONFIG_KEYS, ENVIRONMENT } from './settings.js'

// The section `rnerdctl --help` prints after nerdctl's own help, on the
// same stdout. Only the top-level help gets it: `rnerdctl run --help` is
// nerdctl's alone.
export function isTopLevelHelp(args: readonly string[]): boolean {
  return args.length === 1 && (args[0] === '--help' || args[0] === '-h' || args[0] === 'help')
}

export function formatOwnHelp(): string {
  const variables = ENVIRONMENT.filter((row) => row.name.startsWith('RNERDCTL_'))
  const width = Math.max(...variables.map((row) => row.name.length), ...CONFIG_KEYS.map((row) => row.name.length)) + 2
  const lines = [
    '',
    'rnerdctl runs nerdctl with the rootless environment worked out: XDG_RUNTIME_DIR,',
    'CONTAINERD_SNAPSHOTTER from a probed chain, and bypass4netns where it helps.',
    '',
    'rnerdctl commands:',
    '  env          print the environment it would give nerdctl (--json: the whole decision)',
    '  doctor       check the rootless setup and say how to fix what is wrong',
    '  setup        add a proxy snapshotter plugin to containerd\'s config.toml',
    '  completion   print a shell completion script (bash, zsh, fish)',
    '',
    'rnerdctl variables (booleans: 1/0, true/false, yes/no, on/off; empty means unset):',
    ...variables.map((row) => `  ${row.name.padEnd(width)}${row.meaning} (default: ${row.fallback})`),
    '',
    'Config file: $XDG_CONFIG_HOME/rnerdctl/config.toml (a variable beats it):',
    ...CONFIG_KEYS.map((row) => `  ${row.name.padEnd(width)}${row.meaning} (default: ${row.fallback})`),
    '',
  ]
  return `${lines.join('\n')}\n`
}
