import path from 'node:path'
import { writeFileAtomic } from './atomic-write.js'
import { readConfigFile } from './read-file.js'
import type { Candidate } from './snapshotter-chain.js'

// The snapshotter rnerdctl chose last time, kept in its state dir. Images
// are unpacked per snapshotter, so a change means they are unpacked again,
// and the user should hear about it once.

export interface LastChoice {
  name: string
}

export function readLastChoice(stateDir: string): LastChoice | null {
  const read = readConfigFile(path.join(stateDir, 'last-snapshotter.json'))
  if (!read.ok) return null
  try {
    const value = JSON.parse(read.text) as Partial<LastChoice>
    return typeof value.name === 'string' ? { name: value.name } : null
  } catch {
    return null
  }
}

export function writeLastChoice(stateDir: string, name: string): void {
  try {
    writeFileAtomic(path.join(stateDir, 'last-snapshotter.json'), `${JSON.stringify({ name })}\n`)
  } catch {
    // Only the change warning depends on this file; losing it is harmless.
  }
}

export function describeChange(from: string, to: Candidate, previous: Candidate | undefined): string {
  const why = previous?.usable === false ? `${from} is unusable now (${previous.reason})` : to.reason
  return `snapshotter changed from ${from} to ${to.name}: ${why}; images unpacked for ${from} are unpacked again for ${to.name}`
}
