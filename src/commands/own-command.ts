import type { Argv } from 'yargs'

// Each own command registers itself on the parser and stores its exit code
// in `result`, since yargs handlers cannot return one.
export type OwnCommand = (parser: Argv, result: { exitCode: number }) => Argv
