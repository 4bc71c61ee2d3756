import path from 'node:path'
import type { ProbeCache } from './cache.js'
import { readContainerdConfig, type ContainerdConfig } from './containerd-config.js'
import { readConfigFile } from './read-file.js'
import { statSignature } from './stat-signature.js'
import type { TomlTable } from './toml-parse.js'
import type { TrustCheck } from './trust.js'

// Config readers that go through the probe cache: each parsed result is
// kept with the path, size and mtime of every file it came from, so the
// TOML parser loads only when one of them changed.

export async function loadTomlParser(): Promise<typeof import('./toml-parse.js').parseToml> {
  const module = await import('./toml-parse.js')
  return module.parseToml
}

// A parsed containerd config stays valid while every file it read and every
// directory an import glob listed (a new file there may now be imported)
// has the signature it had when it was read.
export async function readContainerdConfigCached(mainPath: string, cache: ProbeCache, trust?: TrustCheck): Promise<ContainerdConfig> {
  const stored = cache.get<ContainerdConfig>(`containerd-config:${mainPath}`, 'any')
  if (stored !== undefined && isUnchanged(stored)) return stored

  const config = readContainerdConfig(mainPath, await loadTomlParser(), trust)
  cache.set(`containerd-config:${mainPath}`, 'any', config)
  return config
}

function isUnchanged(config: ContainerdConfig): boolean {
  if (!Array.isArray(config.files) || !Array.isArray(config.globDirs) || !Array.isArray(config.plugins)) return false
  return [...config.files, ...config.globDirs].every((entry) => typeof entry.signature === 'string' && statSignature(entry.path) === entry.signature)
}

export interface TomlFileRead {
  path: string
  table: TomlTable | null
  error: string | null
}

// Reads a small TOML file (nerdctl.toml, rnerdctl's config). A missing file
// is no error; any other failure is returned as a one-line reason.
export async function readTomlFileCached(file: string, cache: ProbeCache, trust?: TrustCheck): Promise<TomlFileRead> {
  const deps = statSignature(file)
  const stored = cache.get<TomlFileRead>(`toml:${file}`, deps)
  if (stored !== undefined) return stored

  const result = await readTomlFile(file, trust)
  cache.set(`toml:${file}`, deps, result)
  return result
}

async function readTomlFile(file: string, trust?: TrustCheck): Promise<TomlFileRead> {
  const read = readConfigFile(file)
  if (!read.ok) return { path: file, table: null, error: read.missing ? null : read.reason }

  const distrust = trust?.(read.stat) ?? null
  if (distrust !== null) return { path: file, table: null, error: `not trusted: it ${distrust} (fix: chown $(id -un) ${file} && chmod go-w ${file})` }

  const parsed = (await loadTomlParser())(read.text)
  if (!parsed.ok) return { path: file, table: null, error: `line ${parsed.line}: invalid TOML: ${parsed.message}` }
  return { path: file, table: parsed.table, error: null }
}

export function nerdctlTomlPath(env: NodeJS.ProcessEnv, rootless: boolean, configHome: string): string {
  const variable = env.NERDCTL_TOML
  if (variable !== undefined && variable !== '') return variable
  return rootless ? path.join(configHome, 'nerdctl', 'nerdctl.toml') : '/etc/nerdctl/nerdctl.toml'
}
