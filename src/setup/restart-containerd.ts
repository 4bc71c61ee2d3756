import { existsSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { describeContainerdRestart, SYSTEMD_BOOTED_DIR } from '../restart-hint.js'
import { formatCommand, type CommandRunner } from './command-runner.js'
import { SetupError } from './setup-error.js'
import type { SetupTarget } from './setup-target.js'

export interface RestartInput {
  target: SetupTarget
  // The proxy plugin's key, which containerd lists as the plugin's ID.
  pluginKey: string
  run: CommandRunner
  exists?: (file: string) => boolean
  checkTimeoutMs?: number
  pollMs?: number
}

// States `systemctl is-system-running` prints while a manager runs.
const MANAGER_STATES = new Set(['initializing', 'starting', 'running', 'degraded', 'maintenance', 'stopping'])

const RESTART_TIMEOUT_MS = 90_000

// Restarts containerd through systemd, then waits until containerd lists
// the proxy plugin with status "ok". Throws SetupError with the manual
// restart when systemd is absent, or with the cause when either step fails.
export async function restartContainerd(input: RestartInput): Promise<void> {
  const { target, run } = input
  const command = formatCommand(target.restartCommand[0] as string, target.restartCommand.slice(1))
  if (!(await hasSystemdManager(input))) {
    const manager = target.rootless ? `systemd's user manager is not running (no ${target.systemdUserSocket})` : `systemd is not running (no ${SYSTEMD_BOOTED_DIR})`
    const byHand = describeContainerdRestart({ rootless: target.rootless, userManager: false, systemdBooted: false })
    throw new SetupError(`cannot restart containerd through systemd: ${manager}; restart containerd: ${byHand}`)
  }

  const result = await run(target.restartCommand[0] as string, target.restartCommand.slice(1), RESTART_TIMEOUT_MS)
  if (result.exitCode !== 0) {
    const journal = target.rootless ? 'journalctl --user -u containerd.service' : 'journalctl -u containerd'
    throw new SetupError(`\`${command}\` failed: ${result.failure}; see \`${journal}\``)
  }

  await waitForPlugin(input)
}

async function hasSystemdManager(input: RestartInput): Promise<boolean> {
  const exists = input.exists ?? existsSync
  const marker = input.target.systemdUserSocket ?? SYSTEMD_BOOTED_DIR
  if (exists(marker)) return true

  const args = input.target.rootless ? ['--user', 'is-system-running'] : ['is-system-running']
  const result = await input.run('systemctl', args, 5000)
  return MANAGER_STATES.has(result.stdout.trim())
}

async function waitForPlugin(input: RestartInput): Promise<void> {
  const { target, pluginKey } = input
  const args = ['--address', target.containerdSocket, '--connect-timeout', '2s', 'plugins', 'ls']
  const deadline = Date.now() + (input.checkTimeoutMs ?? 15_000)
  let last = 'no answer yet'

  for (;;) {
    const result = await input.run('ctr', args, 5000)
    const status = result.exitCode === 0 ? findPluginStatus(result.stdout, pluginKey) : null
    if (status === 'ok') return
    if (status !== null) {
      const detail = `ctr --address ${target.containerdSocket} plugins ls --detailed`
      throw new SetupError(`containerd loaded proxy plugin "${pluginKey}" with status ${status}; see \`${detail}\``)
    }

    last = result.exitCode === 0 ? `not in \`ctr plugins ls\`` : `\`ctr plugins ls\` failed: ${result.failure}`
    if (Date.now() >= deadline) {
      throw new SetupError(
        `containerd restarted, but proxy plugin "${pluginKey}" is not loaded (${last}); check config.toml and containerd's log`,
      )
    }
    await sleep(input.pollMs ?? 500)
  }
}

// Returns the STATUS column of a snapshotter plugin in `ctr plugins ls`
// output (columns TYPE ID PLATFORMS STATUS), or null when it is not listed.
export function findPluginStatus(output: string, id: string): string | null {
  for (const line of output.split('\n')) {
    const columns = line.trim().split(/\s+/)
    if (columns[0] === 'io.containerd.snapshotter.v1' && columns[1] === id) return columns[columns.length - 1] ?? null
  }
  return null
}
