import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { readVariable } from '../settings.js'
import { fail, formatTime, ok, startContainerdFix, type Check } from './check.js'
import type { DoctorFacts, RootlessKitFacts } from './facts.js'

// Rootless containerd runs under RootlessKit's child process, whose pid
// RootlessKit writes to child_pid in its state dir. nerdctl enters that
// process's namespaces on every call.

export function readRootlessKitFacts(env: NodeJS.ProcessEnv, runtimeDir: string | null, configHome: string): RootlessKitFacts {
  const variable = readVariable(env, 'ROOTLESSKIT_STATE_DIR')
  const stateDir = variable ?? (runtimeDir === null ? null : path.join(runtimeDir, 'containerd-rootless'))
  const unitPath = path.join(configHome, 'systemd', 'user', 'containerd.service')
  const facts: RootlessKitFacts = {
    stateDir,
    stateDirSource: variable === undefined ? 'default' : 'ROOTLESSKIT_STATE_DIR',
    stateDirExists: stateDir !== null && isDirectory(stateDir),
    childPidText: null,
    child: null,
    unitFile: { path: unitPath, exists: existsSync(unitPath) },
  }
  if (stateDir === null || !facts.stateDirExists) return facts

  facts.childPidText = readText(path.join(stateDir, 'child_pid'))
  const pid = parsePid(facts.childPidText)
  if (pid !== null) {
    const command = readText(`/proc/${pid}/comm`)?.trim() ?? null
    facts.child = { pid, alive: existsSync(`/proc/${pid}`), command }
  }
  return facts
}

export function parsePid(text: string | null): number | null {
  const pid = Number(text?.trim())
  return text !== null && Number.isInteger(pid) && pid > 0 ? pid : null
}

export function checkRootlessKit(facts: DoctorFacts): Check {
  const id = 'rootlesskit'
  const kit = facts.rootlessKit as RootlessKitFacts
  const fix = startContainerdFix(facts)
  if (kit.stateDir === null) return fail(id, 'no RootlessKit state dir: there is no runtime dir to hold it', [], fix)

  const where = `${kit.stateDir} (${kit.stateDirSource === 'default' ? 'default' : 'from ROOTLESSKIT_STATE_DIR'})`
  const details = [`state dir: ${where}`, `containerd.service: ${kit.unitFile.path} ${kit.unitFile.exists ? 'exists' : 'does not exist'}`]
  if (!kit.stateDirExists) return fail(id, `RootlessKit state dir ${kit.stateDir} does not exist: rootless containerd is not running`, details, fix)

  if (kit.childPidText === null) return fail(id, `no child_pid in ${kit.stateDir}: RootlessKit has not started containerd`, details, fix)
  if (kit.child === null) return fail(id, `child_pid holds no pid (${JSON.stringify(kit.childPidText.trim())})`, details, fix)

  const child = kit.child
  if (!child.alive) {
    return fail(id, `child_pid names pid ${child.pid}, which is not running: RootlessKit exited without cleaning up`, details, fix)
  }

  const process = facts.containerd.process
  if (process !== null) details.push(`started at ${formatTime(process.startedAtMs)}`)
  return ok(id, `RootlessKit's child process runs (pid ${child.pid}, ${child.command ?? 'command unknown'})`, details)
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory()
  } catch {
    return false
  }
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return null
  }
}
