import type { OwnCommand } from './own-command.js'
import { PROXY_SNAPSHOTTER_NAMES, type ProxySnapshotterName } from '../setup/proxy-snapshotters.js'
import { defaultSetupEnvironment, runSetup } from '../setup/run-setup.js'
import { CONFIG_VALUE_MISSING } from '../setup/setup-target.js'

export const setupCommand: OwnCommand = (parser, result) =>
  parser.command(
    'setup <snapshotter>',
    "add a proxy snapshotter's plugin block to containerd's config.toml",
    (command) =>
      command
        .positional('snapshotter', { choices: PROXY_SNAPSHOTTER_NAMES, describe: 'the proxy snapshotter to add' })
        .option('config', {
          type: 'string',
          describe:
            'config.toml to edit (default: $XDG_CONFIG_HOME/containerd/config.toml, or /etc/containerd/config.toml as root)',
        })
        .option('dry-run', { type: 'boolean', default: false, describe: 'print the change as a unified diff and write nothing' })
        .option('force', {
          type: 'boolean',
          default: false,
          describe: "replace the address of the snapshotter's existing plugin block",
        })
        .option('restart', {
          type: 'boolean',
          default: false,
          describe: 'restart containerd through systemd and check that it loaded the plugin',
        })
        .check((argv) => checkConfigOption(argv.config))
        .usage('$0 setup <fuse-overlayfs|stargz> [--config PATH] [--dry-run] [--force] [--restart]'),
    async (argv) => {
      // yargs still calls the handler after .fail() reported a usage error
      // (exitProcess is off), so a usage error must stop here.
      if (result.exitCode !== 0 || !isProxySnapshotter(argv.snapshotter)) return

      const options = {
        snapshotter: argv.snapshotter,
        config: argv.config,
        dryRun: argv['dry-run'],
        force: argv.force,
        restart: argv.restart,
      }
      result.exitCode = await runSetup(options, defaultSetupEnvironment())
    },
  )

function isProxySnapshotter(value: unknown): value is ProxySnapshotterName {
  return (PROXY_SNAPSHOTTER_NAMES as readonly unknown[]).includes(value)
}

// yargs gives `--config` without a value as "" and a repeated --config as
// an array. A string returned here becomes the usage error.
function checkConfigOption(config: unknown): true | string {
  if (Array.isArray(config)) return `--config given ${config.length} times: pass it once`
  if (config === '') return CONFIG_VALUE_MISSING
  return true
}
