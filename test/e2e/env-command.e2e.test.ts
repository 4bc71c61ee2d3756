// `rnerdctl env` and `rnerdctl env --json`, end to end: the lines a shell
// evaluates and the whole decision as JSON, both without running nerdctl.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeEach, expect, it } from 'vitest'

import { USER_PATH } from './global-setup.js'
import { cleanUpHarness, describeE2E, getE2E, runCommandAsUser } from './harness.js'
import { clearProductState, runWithStandIn, standInPath, type DecisionJson, type Variables } from './product.js'

afterAll(cleanUpHarness)

// Runs `rnerdctl env` with the stand-in and, unlike runWithStandIn,
// without XDG_RUNTIME_DIR unless `extra` sets it.
async function runEnv(args: string[], extra: Variables = {}) {
  const { result, records } = await runWithStandIn(['env', ...args], { env: { XDG_RUNTIME_DIR: undefined, ...extra } })
  return { result, records }
}

describeE2E('rnerdctl env', () => {
  beforeEach(clearProductState)

  it('prints sh exports', async () => {
    const { result, records } = await runEnv([])

    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout).toBe(
      [
        `export XDG_RUNTIME_DIR='${getE2E().runtimeDir}'`,
        "export CONTAINERD_SNAPSHOTTER='overlayfs'",
        "export RNERDCTL_DETECTED_SNAPSHOTTER='overlayfs'",
        '',
      ].join('\n'),
    )
    expect(records.filter((record) => record.args.join(' ') !== '--version')).toEqual([])
  })

  it('replaces an empty variable', async () => {
    const { result } = await runEnv([], { CONTAINERD_SNAPSHOTTER: '' })

    expect(result.stdout).not.toContain('unset CONTAINERD_SNAPSHOTTER')
    expect(result.stdout).toContain("export CONTAINERD_SNAPSHOTTER='overlayfs'")
  })

  it('prints unset for an empty variable and a flag', async () => {
    const { result } = await runEnv(['--', '--snapshotter', 'native', 'ps'], { CONTAINERD_SNAPSHOTTER: '' })

    expect(result.stdout.split('\n')[0]).toBe('unset CONTAINERD_SNAPSHOTTER')
    expect(result.stdout).not.toContain('export CONTAINERD_SNAPSHOTTER')
  })

  it('probes again after its own export', async () => {
    const { result } = await runEnv([], { CONTAINERD_SNAPSHOTTER: 'native', RNERDCTL_DETECTED_SNAPSHOTTER: 'native' })

    expect(result.stdout).toContain("export CONTAINERD_SNAPSHOTTER='overlayfs'")
    expect(result.stdout).toContain("export RNERDCTL_DETECTED_SNAPSHOTTER='overlayfs'")
  })

  it('prints fish commands', async () => {
    const { result } = await runEnv(['--shell', 'fish'])

    expect(result.stdout).toBe(
      [
        `set -gx XDG_RUNTIME_DIR '${getE2E().runtimeDir}';`,
        "set -gx CONTAINERD_SNAPSHOTTER 'overlayfs';",
        "set -gx RNERDCTL_DETECTED_SNAPSHOTTER 'overlayfs';",
        '',
      ].join('\n'),
    )
  })

  it('sets the variables through eval', async () => {
    const env = getE2E()
    const rnerdctl = path.join(env.repoRoot, 'bin', 'rnerdctl')
    const script = [
      `eval "$('${env.nodePath}' '${rnerdctl}' env)"`,
      'printf "%s|%s|%s" "$XDG_RUNTIME_DIR" "$CONTAINERD_SNAPSHOTTER" "${RNERDCTL_PARENT-absent}"',
    ].join('\n')
    const result = await runCommandAsUser('/bin/sh', { args: ['-c', script], env: { PATH: standInPath() } })

    expect(result.stderr).toBe('')
    expect(result.stdout).toBe(`${env.runtimeDir}|overlayfs|absent`)
  })
})

describeE2E('rnerdctl env --json', () => {
  beforeEach(clearProductState)

  it('prints the whole decision', async () => {
    const env = getE2E()
    const { result, records } = await runEnv(['--json', '--', 'run', '--rm', 'alpine'], { XDG_RUNTIME_DIR: env.runtimeDir })
    const decision = JSON.parse(result.stdout) as DecisionJson
    const packageVersion = (JSON.parse(readFileSync(path.join(env.sourceRoot, 'package.json'), 'utf8')) as { version: string }).version

    expect(result.code).toBe(0)
    expect(Object.keys(decision).sort()).toEqual(
      ['args', 'bypass4netns', 'candidates', 'env', 'nerdctl', 'rnerdctl', 'runtimeDir', 'snapshotter', 'unset', 'warnings'],
    )
    expect(decision.env).toEqual({ XDG_RUNTIME_DIR: env.runtimeDir, CONTAINERD_SNAPSHOTTER: 'overlayfs', RNERDCTL_DETECTED_SNAPSHOTTER: 'overlayfs' })
    expect(decision.unset).toEqual([])
    expect(decision.runtimeDir).toEqual({ path: env.runtimeDir, source: 'env' })
    expect(decision.snapshotter.name).toBe('overlayfs')
    expect(decision.snapshotter.source).toBe('detected')
    expect(typeof decision.snapshotter.reason).toBe('string')
    expect(decision.candidates.map((candidate) => candidate.name)).toEqual(['stargz', 'overlayfs', 'fuse-overlayfs', 'native'])
    for (const candidate of decision.candidates) {
      expect(typeof candidate.usable).toBe('boolean')
      expect(candidate.reason).not.toBe('')
    }
    expect(decision.bypass4netns.enabled).toBe(false)
    expect(decision.bypass4netns.reason).toMatch(/bypass4netnsd is not running/)
    expect(decision.nerdctl).toEqual({ path: env.nerdctlPath, version: '2.0.0' })
    expect(decision.args).toEqual([])
    expect(decision.warnings).toEqual([])
    expect(decision.rnerdctl).toEqual({ version: packageVersion })
    expect(records.every((record) => ['--version', 'run --help'].includes(record.args.join(' ')))).toBe(true)
  })

  it('lists warnings and removals', async () => {
    const { result } = await runEnv(['--json', '--', '--snapshotter=native', 'ps'], { XDG_RUNTIME_DIR: '/nonexistent/runtime-dir', CONTAINERD_SNAPSHOTTER: '' })
    const decision = JSON.parse(result.stdout) as DecisionJson

    expect(result.stderr).toMatch(/^rnerdctl: warning: ignoring XDG_RUNTIME_DIR=\/nonexistent\/runtime-dir/)
    expect(decision.runtimeDir).toEqual({ path: getE2E().runtimeDir, source: 'default' })
    expect(decision.unset).toEqual(['CONTAINERD_SNAPSHOTTER'])
    expect(decision.warnings).toHaveLength(1)
    expect(decision.warnings[0]).toMatch(/^ignoring XDG_RUNTIME_DIR=\/nonexistent\/runtime-dir: it does not exist/)
  })

  it('reports a missing nerdctl', async () => {
    const { result } = await runEnv(['--json'], { PATH: USER_PATH })
    const decision = JSON.parse(result.stdout) as DecisionJson

    expect(result.code).toBe(0)
    expect(decision.nerdctl).toEqual({ path: null, version: null })
    expect(decision.env.CONTAINERD_SNAPSHOTTER).toBe('overlayfs')
  })
})
