// Loops through rnerdctl, end to end: a `nerdctl` earlier on PATH that
// leads back into rnerdctl must not make rnerdctl run itself again, and
// the real nerdctl (the stand-in) must run exactly once.
import { existsSync, readFileSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeEach, expect, it } from 'vitest'

import { USER_PATH } from './global-setup.js'
import {
  cleanUpHarness,
  describeE2E,
  getE2E,
  makeRecordDir,
  makeUserTempDir,
  readRecords,
  runAsUser,
  runCommandAsUser,
  startAsUser,
  writeUserFile,
} from './harness.js'
import { clearProductState, isProbe, standInPath } from './product.js'

afterAll(cleanUpHarness)

// A wrapper script such as users write by hand: not a link to rnerdctl and
// without its entry-file marker, so only the environment marker that
// rnerdctl passes to the nerdctl it starts can reveal the loop.
// Each run appends its arguments to wrapper.log in the same directory.
function writeLoopingScript(): string {
  const env = getE2E()
  const dir = makeUserTempDir('rnerdctl-e2e-wrapper-')
  const script = [
    '#!/bin/sh',
    `echo "$*" >> '${path.join(dir, 'wrapper.log')}'`,
    `exec '${env.nodePath}' '${path.join(env.repoRoot, 'bin', 'rnerdctl')}' "$@"`,
    '',
  ].join('\n')
  writeUserFile(path.join(dir, 'nerdctl'), script, 0o755)
  return dir
}

function readWrapperLog(dir: string): string[] {
  const log = path.join(dir, 'wrapper.log')
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((line) => line !== '') : []
}

// A directory whose `nerdctl` is a symbolic link to rnerdctl's drop-in shim.
function linkShim(): string {
  const dir = makeUserTempDir('rnerdctl-e2e-shim-')
  symlinkSync(path.join(getE2E().repoRoot, 'shims', 'nerdctl'), path.join(dir, 'nerdctl'))
  return dir
}

describeE2E('re-entry', () => {
  beforeEach(clearProductState)

  it('runs nerdctl once past a wrapper script', async () => {
    const env = getE2E()
    const recordDir = makeRecordDir()
    const wrapperDir = writeLoopingScript()
    const result = await runAsUser({
      args: ['ps', '-a'],
      env: {
        PATH: `${wrapperDir}:${standInPath()}`,
        XDG_RUNTIME_DIR: env.runtimeDir,
        STANDIN_RECORD_DIR: recordDir,
        STANDIN_EXIT: '6',
      },
      timeoutMs: 10_000,
    })
    const records = readRecords(recordDir)

    expect(result.timedOut).toBe(false)
    expect(result.code).toBe(6)
    expect(records).toHaveLength(1)
    expect(records[0]!.argv0).toBe(env.nerdctlPath)
    expect(records[0]!.args).toEqual(['ps', '-a'])
    expect(records[0]!.env.get('CONTAINERD_SNAPSHOTTER')).toBe('overlayfs')
    expect(readWrapperLog(wrapperDir)).toEqual(['ps -a'])
  })

  // rnerdctl runs `<nerdctl> run --help` to learn the installed run flags,
  // with the environment marker: without it, the wrapper's rnerdctl could
  // not see the loop and would probe the wrapper again, nesting node
  // processes until the first probe timed out after 5 s.
  it('probes run --help once past a wrapper script', async () => {
    const env = getE2E()
    const recordDir = makeRecordDir()
    const wrapperDir = writeLoopingScript()
    const child = startAsUser({
      args: ['run', '--rm', 'alpine'],
      env: {
        PATH: `${wrapperDir}:${standInPath()}`,
        XDG_RUNTIME_DIR: env.runtimeDir,
        STANDIN_RECORD_DIR: recordDir,
      },
      timeoutMs: 15_000,
    })
    const result = await child.result
    child.killGroup('SIGKILL')
    const calls = readRecords(recordDir).filter((record) => !isProbe(record))
    const wrapperRuns = readWrapperLog(wrapperDir)

    expect(result.code).toBe(0)
    expect(calls).toHaveLength(1)
    expect(calls[0]!.args).toEqual(['run', '--rm', 'alpine'])
    expect(wrapperRuns.filter((line) => line === 'run --help').length).toBeLessThanOrEqual(1)
    expect(wrapperRuns.filter((line) => line === 'run --rm alpine')).toHaveLength(1)
    expect(result.durationMs).toBeLessThan(5000)
  })

  it('runs nerdctl once through the shim', async () => {
    const env = getE2E()
    const recordDir = makeRecordDir()
    const result = await runCommandAsUser('nerdctl', {
      args: ['run', '--rm', 'alpine'],
      env: {
        PATH: `${linkShim()}:${standInPath()}`,
        STANDIN_RECORD_DIR: recordDir,
      },
      timeoutMs: 10_000,
    })
    const calls = readRecords(recordDir).filter((record) => !isProbe(record))

    expect(result.timedOut).toBe(false)
    expect(result.code).toBe(0)
    expect(calls).toHaveLength(1)
    expect(calls[0]!.argv0).toBe(env.nerdctlPath)
    expect(calls[0]!.args).toEqual(['run', '--rm', 'alpine'])
    expect(calls[0]!.env.get('XDG_RUNTIME_DIR')).toBe(env.runtimeDir)
  })

  it('skips the shim found on PATH', async () => {
    const env = getE2E()
    const recordDir = makeRecordDir()
    const result = await runAsUser({
      args: ['images'],
      env: {
        PATH: `${linkShim()}:${standInPath()}`,
        XDG_RUNTIME_DIR: env.runtimeDir,
        STANDIN_RECORD_DIR: recordDir,
      },
      timeoutMs: 10_000,
    })
    const records = readRecords(recordDir)

    expect(result.code).toBe(0)
    expect(records).toHaveLength(1)
    expect(records[0]!.argv0).toBe(env.nerdctlPath)
  })

  it('exits 127 when only the shim is found', async () => {
    const result = await runAsUser({
      args: ['ps'],
      env: { PATH: `${linkShim()}:${USER_PATH}`, XDG_RUNTIME_DIR: getE2E().runtimeDir },
      timeoutMs: 10_000,
    })

    expect(result.timedOut).toBe(false)
    expect(result.code).toBe(127)
    expect(result.stderr).toMatch(/^rnerdctl: nerdctl not found on PATH: /)
  })
})
