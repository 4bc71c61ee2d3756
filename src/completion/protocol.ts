// nerdctl's shell completion protocol, which it gets from cobra: the shell
// runs `nerdctl __complete <words...> <partial word>` (or
// `__completeNoDesc`), and nerdctl prints one candidate a line, each with
// an optional tab and description, then a last line `:<directive>`.

export const COMPLETE_REQUESTS = ['__complete', '__completeNoDesc'] as const

export type CompleteRequest = (typeof COMPLETE_REQUESTS)[number]

// cobra's ShellCompDirective bit flags.
export const Directive = {
  Default: 0,
  // Completion failed: the shell offers nothing.
  Error: 1,
  // No space after the single candidate.
  NoSpace: 2,
  // No file names when there is no candidate.
  NoFileComp: 4,
  // The candidates are file extensions: complete files with them.
  FilterFileExt: 8,
  // Complete directories only. A candidate, if any, is the directory to look in.
  FilterDirs: 16,
  // Keep the candidates in the order given, unsorted.
  KeepOrder: 32,
} as const

export interface CompletionReply {
  lines: string[]
  // null when the reply has no directive line, which a complete reply
  // always ends with.
  directive: number | null
}

export function isCompleteRequest(word: string | undefined): word is CompleteRequest {
  return word === '__complete' || word === '__completeNoDesc'
}

export function parseReply(text: string): CompletionReply {
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()

  const match = /^:(\d+)$/.exec(lines.at(-1) ?? '')
  if (match === null) return { lines, directive: null }

  lines.pop()
  return { lines, directive: Number(match[1]) }
}

export function formatReply(lines: readonly string[], directive: number): string {
  return [...lines, `:${directive}`].map((line) => `${line}\n`).join('')
}

export function candidateName(line: string): string {
  const tab = line.indexOf('\t')
  return tab === -1 ? line : line.slice(0, tab)
}
