import type { CommandLine } from './argv/scan.js'
import type { SocketVerdict } from './socket-probe.js'

export interface Bypass4netnsInput {
  scan: CommandLine
  rootless: boolean
  setting: { enabled: boolean; source: string }
  socket: SocketVerdict | null
  nerdctl2: boolean
}

export interface Bypass4netnsVerdict {
  enabled: boolean
  reason: string
  args: string[]
}

const KEY = 'nerdctl/bypass4netns'

// bypass4netns speeds up a container's own network namespace; with the
// host's network, none, or another container's, there is nothing to bypass.
function isBypassableNetwork(network: string): boolean {
  return network !== 'host' && network !== 'none' && !network.startsWith('container:')
}

export function judgeBypass4netns(input: Bypass4netnsInput): Bypass4netnsVerdict {
  const off = (reason: string): Bypass4netnsVerdict => ({ enabled: false, reason, args: [] })
  const { scan } = input
  if (scan.kind !== 'run' && scan.kind !== 'create') return off('not a run or create command')
  if (!input.rootless) return off('rootful: bypass4netns is for rootless networking')
  if (!input.setting.enabled) return off(`turned off by ${input.setting.source}`)
  if (scan.bypass4netns !== null) return off(`the command line already sets ${KEY}=${scan.bypass4netns}`)

  const network = scan.networks.find((value) => !isBypassableNetwork(value))
  if (network !== undefined) return off(`--network ${network} has no namespace of its own to bypass`)
  if (input.socket === null || !input.socket.alive) return off(`bypass4netnsd is not running: ${input.socket?.reason ?? 'no runtime dir'}`)

  const args = input.nerdctl2 ? ['--annotation', `${KEY}=true`] : ['--label', `${KEY}=true`]
  return { enabled: true, reason: `bypass4netnsd answers (${input.socket.reason})`, args }
}
