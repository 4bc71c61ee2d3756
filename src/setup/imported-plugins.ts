import { readContainerdConfig } from '../containerd-config.js'
import { readConfigFile } from '../read-file.js'
import { parseConfigToml } from './parse-config.js'
import { findValues, lineAt, scanTomlLayout } from './toml-layout.js'

// A proxy plugin defined in a file that config.toml pulls in through
// `imports`: containerd merges those files into the main config.
export interface ImportedPlugin {
  name: string
  address: string
  file: string
  line: number
}

export interface ImportedConfig {
  plugins: ImportedPlugin[]
  // Problems with imported files (unreadable, invalid TOML): containerd
  // fails on them too, so they are reported but do not stop setup.
  warnings: string[]
}

export function readImportedPlugins(mainPath: string): ImportedConfig {
  const config = readContainerdConfig(mainPath, parseConfigToml)
  const others = config.files.slice(1)
  const warnings = [
    ...others.flatMap((file) => (file.error === null ? [] : [`${file.error} (imported by ${mainPath})`])),
    ...config.warnings,
  ]

  const plugins = config.plugins
    .filter((plugin) => plugin.file !== mainPath)
    .map((plugin) => ({ ...plugin, line: locateAddress(plugin.file, plugin.name) }))
  return { plugins, warnings }
}

function locateAddress(file: string, name: string): number {
  const read = readConfigFile(file)
  if (!read.ok) return 1

  try {
    const layout = scanTomlLayout(read.text)
    const span = findValues(layout, ['proxy_plugins', name, 'address'])[0]
    return span === undefined ? 1 : lineAt(read.text, span.start)
  } catch {
    return 1
  }
}
