// Bundles src/ into CommonJS files under dist/. The pass-through path loads
// dist/rnerdctl.cjs alone; modules listed in LAZY_CHUNKS become files of their
// own, loaded only by the calls that need them (a CommonJS bundle starts ~5 ms
// faster than an ES module one on Node 20).
import { build } from 'esbuild'
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'

const LAZY_CHUNKS = {
  'own-commands': 'src/commands/index.ts',
  toml: 'src/toml-parse.ts',
  'nerdctl-probes': 'src/nerdctl-probes.ts',
}

const chunkByPath = new Map(
  Object.entries(LAZY_CHUNKS).map(([name, file]) => [path.resolve(file), name]),
)

const splitLazyChunks = {
  name: 'split-lazy-chunks',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^\./ }, (args) => {
      const resolved = path.resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'))
      const name = chunkByPath.get(resolved)
      if (name === undefined || args.importer === resolved) return undefined
      if (path.resolve(pluginBuild.initialOptions.entryPoints[0]) === resolved) return undefined
      return { path: `./${name}.cjs`, external: true }
    })
  },
}

const { version } = JSON.parse(readFileSync('package.json', 'utf8'))

mkdirSync('dist', { recursive: true })

const entries = { rnerdctl: 'src/cli.ts', ...LAZY_CHUNKS }

// esbuild keeps import() of an external file, which would start Node's ES
// module loader; a CommonJS require() of the chunk loads faster.
function requireChunks(text) {
  return text.replace(/import\("(\.\/[a-z-]+\.cjs)"\)/g, 'Promise.resolve().then(() => require("$1"))')
}

// esbuild turns each default or namespace import of a Node built-in into a
// copy of all its properties (__toESM), once per importing file: measured
// here, about 0.8 ms of every start, most of it copying `process`. An object
// whose prototype is the module gives the same reads without the copy.
const BUILTIN_VIEW = 'var __builtinView = (mod) => ({ __proto__: mod, default: mod });\n'

function viewBuiltins(text) {
  const replaced = text.replace(/__toESM\((require\("node:[a-z_/]+"\))(?:, 1)?\)/g, '__builtinView($1)')
  return replaced === text ? text : replaced.replace('"use strict";\n', `"use strict";\n${BUILTIN_VIEW}`)
}

await Promise.all(
  Object.entries(entries).map(async ([name, file]) => {
    const result = await build({
      entryPoints: [file],
      outfile: `dist/${name}.cjs`,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      plugins: [splitLazyChunks],
      logLevel: 'warning',
      write: false,
      legalComments: 'none',
      // yargs and execa are ES modules that read import.meta.url, which a
      // CommonJS bundle lacks: the chunks that load them get their own URL.
      // The pass-through bundle loads neither, and skips the cost.
      banner: { js: name === 'rnerdctl' ? '' : "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
      define: { RNERDCTL_VERSION: JSON.stringify(version), 'import.meta.url': name === 'rnerdctl' ? 'undefined' : 'importMetaUrl' },
    })
    // Each file is replaced by rename, so a test running while this build
    // runs sees the old bundle or the new one, never none.
    for (const output of result.outputFiles) {
      const temp = `${output.path}.${process.pid}.tmp`
      writeFileSync(temp, viewBuiltins(requireChunks(output.text)))
      renameSync(temp, output.path)
    }
  }),
)

const built = new Set(Object.keys(entries).map((name) => `${name}.cjs`))
for (const file of readdirSync('dist')) {
  if (!built.has(file) && !file.endsWith('.tmp')) rmSync(`dist/${file}`, { force: true })
}
