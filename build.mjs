// Bundles src/ into CommonJS files under dist/. The pass-through path loads
// dist/rnerdctl.cjs alone; modules listed in LAZY_CHUNKS become files of their
// own, loaded only by the calls that need them (a CommonJS bundle starts ~5 ms
// faster than an ES module one on Node 20).
import { build } from 'esbuild'
import { spawnSync } from 'node:child_process'
import { chownSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
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

const entries = { rnerdctl: 'src/cli.ts', loader: 'src/loader.ts', ...LAZY_CHUNKS }

// esbuild keeps import() of an external file or a Node built-in, which
// would start Node's ES module loader; a CommonJS require() loads faster,
// and the bundle runs from a vm.Script (dist/loader.cjs), where import()
// has no loader at all. So no import() may remain.
function requireChunks(text) {
  const replaced = text.replace(/import\("(\.\/[a-z-]+\.cjs|node:[a-z_/]+)"\)/g, 'Promise.resolve().then(() => require("$1"))')
  const left = /\bimport\(\s*["'`]/.exec(replaced)
  if (left !== null) throw new Error(`build: an import() remains in a bundle: ${replaced.slice(left.index, left.index + 60)}`)
  return replaced
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

makeCodeCache()

const built = new Set([...Object.keys(entries).map((name) => `${name}.cjs`), 'rnerdctl.cjs.v8cache'])
for (const file of readdirSync('dist')) {
  if (!built.has(file) && !file.endsWith('.tmp')) rmSync(`dist/${file}`, { force: true })
}

// V8's code cache for the pass-through bundle, which dist/loader.cjs hands
// to V8: made by running one call (`rnerdctl ps` against /bin/true) so the
// functions every call compiles are in it. The call runs as an
// unprivileged user with a home and runtime dir in a temp dir, so the
// rootless path is what gets compiled and nothing outside that dir is
// written. Without setpriv as root, or on failure, there is no cache, and
// the bundle compiles from source as usual.
function makeCodeCache() {
  const target = path.resolve('dist', 'rnerdctl.cjs.v8cache')
  rmSync(target, { force: true })
  const asRoot = process.getuid?.() === 0
  const work = mkdtempSync(path.join(tmpdir(), 'rnerdctl-build-'))
  try {
    const uid = asRoot ? 65534 : process.getuid()
    const gid = asRoot ? 65534 : process.getgid()
    for (const dir of ['home', 'run']) {
      mkdirSync(path.join(work, dir), { mode: 0o700 })
      if (asRoot) chownSync(path.join(work, dir), uid, gid)
    }
    const bundleDir = path.join(work, 'dist')
    mkdirSync(bundleDir)
    for (const file of ['loader.cjs', 'rnerdctl.cjs']) copyFileSync(path.join('dist', file), path.join(bundleDir, file))
    if (asRoot) chownSync(work, uid, gid)

    const output = path.join(work, 'code-cache')
    const script = [
      `const { loadBundle } = require(${JSON.stringify(path.join(bundleDir, 'loader.cjs'))})`,
      `const { bundle, script } = loadBundle(${JSON.stringify(bundleDir)})`,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(output)}, script.createCachedData()))`,
      `process.argv = [process.execPath, 'rnerdctl', 'ps']`,
      `bundle.main({ calledAs: 'rnerdctl' })`,
    ].join('\n')
    const env = { HOME: path.join(work, 'home'), XDG_RUNTIME_DIR: path.join(work, 'run'), PATH: '/usr/bin:/bin', RNERDCTL_NERDCTL: '/bin/true' }
    const command = asRoot
      ? ['setpriv', ['--reuid', String(uid), '--regid', String(gid), '--clear-groups', process.execPath, '-e', script]]
      : [process.execPath, ['-e', script]]
    const result = spawnSync(command[0], command[1], { env, stdio: 'ignore', timeout: 20_000 })
    if (result.status !== 0) return

    copyFileSync(output, `${target}.${process.pid}.tmp`)
    renameSync(`${target}.${process.pid}.tmp`, target)
  } catch {
    // No code cache: every call compiles the bundle, about 3 ms slower.
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
