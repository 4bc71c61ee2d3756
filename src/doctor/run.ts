import { prepareCall, type PreparedCall } from '../call.js'
import { toJson } from '../commands/env.js'
import { VERSION } from '../version.js'
import { exitCodeOf } from './check.js'
import { buildChecks } from './checks.js'
import type { DoctorFacts } from './facts.js'
import { gatherDoctorFacts } from './gather.js'
import { renderReport, shouldUseColor } from './render.js'

export interface DoctorInput {
  json: boolean
  // Ignore cached probe results, as RNERDCTL_NO_CACHE does for one call.
  recheck: boolean
  env: NodeJS.ProcessEnv
  stdout: NodeJS.WriteStream
}

// Prints the report and returns the exit status: 1 when a check fails.
export async function runDoctor(input: DoctorInput): Promise<number> {
  const facts = await collectFacts(input)
  const checks = buildChecks(facts)

  const text = input.json
    ? `${JSON.stringify({ checks, decision: toJson(facts.decision) }, null, 2)}\n`
    : renderReport({ version: VERSION, rootless: facts.rootless, uid: facts.uid, checks, color: shouldUseColor(input.env, input.stdout.isTTY === true) })
  input.stdout.write(text)
  return exitCodeOf(checks)
}

// The snapshotter chain reads containerd's plugin list from the cache. When
// doctor has just asked containerd for it, the decision made before did not
// have it, so the call is prepared again from the updated cache file.
async function collectFacts(input: DoctorInput): Promise<DoctorFacts> {
  const first = await prepareCall({ args: [], env: input.env, full: true, recheck: input.recheck })
  const facts = await gatherDoctorFacts(first, input.env)
  first.cache.flush()

  const fresh = facts.containerd.pluginList.source === 'containerd' && facts.containerd.process !== null
  if (!fresh || first.options.noCache) return facts

  const again: PreparedCall = await prepareCall({ args: [], env: input.env, full: true, recheck: false })
  again.cache.flush()
  return { ...facts, decision: again.decision }
}
