import { renderBashScript } from './bash-script.js'
import { renderFishScript } from './fish-script.js'
import { renderZshScript } from './zsh-script.js'

export const SHELLS = ['bash', 'zsh', 'fish'] as const

export type Shell = (typeof SHELLS)[number]

// Names end up unquoted in shell code, so only characters that need no
// quoting in bash, zsh and fish are accepted.
const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/

export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name)
}

export interface CompletionNames {
  // The --name values: each completes as rnerdctl, nerdctl included.
  names: readonly string[]
  // The first nerdctl on PATH is rnerdctl's shim: nerdctl is added, and
  // completes through the shim, unless --name nerdctl was given.
  shimFirst: boolean
}

// Returns the script that completes rnerdctl and the names in `input`.
export function renderCompletionScript(shell: Shell, input: CompletionNames): string {
  const shimNerdctl = input.shimFirst && !input.names.includes('nerdctl')
  const names = [...new Set(['rnerdctl', ...input.names, ...(shimNerdctl ? ['nerdctl'] : [])])]
  const script = { names, shimNerdctl }
  switch (shell) {
    case 'bash':
      return renderBashScript(script)
    case 'zsh':
      return renderZshScript(script)
    case 'fish':
      return renderFishScript(script)
  }
}
