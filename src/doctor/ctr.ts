import { execa } from 'execa'
import { parsePluginList, type ContainerdPlugin } from './plugin-list.js'

export type PluginListResult = { ok: true; plugins: ContainerdPlugin[] } | { ok: false; reason: string }

// ctr's own timeouts bound the gRPC call; the process timeout covers a ctr
// that hangs before it dials.
const CONNECT_TIMEOUT = '2s'
const CALL_TIMEOUT = '4s'
const PROCESS_TIMEOUT_MS = 5000

// Queries containerd for the plugins it loaded, through `ctr plugins ls` on
// the host side of the socket. With `reject: false`, execa returns a failed
// start or exit as a result, so failures come back as a reason.
export async function listContainerdPlugins(ctr: string, address: string): Promise<PluginListResult> {
  const args = ['--address', address, '--connect-timeout', CONNECT_TIMEOUT, '--timeout', CALL_TIMEOUT, 'plugins', 'ls']
  const result = await execa(ctr, args, { reject: false, timeout: PROCESS_TIMEOUT_MS, stdin: 'ignore' })
  const command = `${ctr} ${args.join(' ')}`

  if (result.timedOut) return { ok: false, reason: `\`${command}\` timed out after ${PROCESS_TIMEOUT_MS} ms` }
  if (result.failed) {
    const message = String(result.stderr).trim().split('\n').pop() || result.shortMessage
    return { ok: false, reason: `\`${command}\` failed: ${message}` }
  }

  const plugins = parsePluginList(String(result.stdout))
  if (plugins === null) return { ok: false, reason: `\`${command}\` printed no TYPE/ID/PLATFORMS/STATUS table` }
  return { ok: true, plugins }
}
