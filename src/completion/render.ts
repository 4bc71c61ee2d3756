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

// Returns the script that completes rnerdctl and each of `extraNames`.
export function renderCompletionScript(shell: Shell, extraNames: readonly string[]): string {
  const names = [...new Set(['rnerdctl', ...extraNames])]
  switch (shell) {
    case 'bash':
      return renderBashScript({ names })
    case 'zsh':
      return renderZshScript({ names })
    case 'fish':
      return renderFishScript({ names })
  }
}
