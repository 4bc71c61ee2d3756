// Writes the completion scripts that packages install, for the name
// rnerdctl alone, into shims/completion/:
//   rnerdctl.bash  bash-completion (completions/rnerdctl)
//   _rnerdctl      zsh ($fpath)
//   rnerdctl.fish  fish (completions/rnerdctl.fish)
// They are the output of `rnerdctl completion SHELL` without any --name and
// without nerdctl, so that they do not depend on the machine that builds
// them. `node scripts/gen-completion.mjs --check` exits 1 when a file is
// out of date instead of writing it.
import { build } from 'esbuild'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

const FILES = { bash: 'rnerdctl.bash', zsh: '_rnerdctl', fish: 'rnerdctl.fish' }

const bundle = await build({
  entryPoints: ['src/completion/render.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
  logLevel: 'warning',
})
const { renderCompletionScript } = await import(`data:text/javascript;base64,${Buffer.from(bundle.outputFiles[0].text).toString('base64')}`)

const check = process.argv.includes('--check')
let stale = 0
for (const [shell, name] of Object.entries(FILES)) {
  const file = path.join('shims', 'completion', name)
  const text = renderCompletionScript(shell, { names: [], shimFirst: false })
  if (!check) {
    writeFileSync(file, text)
    continue
  }

  let current = null
  try {
    current = readFileSync(file, 'utf8')
  } catch {
    // A missing file is out of date.
  }
  if (current !== text) {
    console.error(`gen-completion: ${file} is out of date (fix: node scripts/gen-completion.mjs)`)
    stale += 1
  }
}
process.exitCode = stale === 0 ? 0 : 1
