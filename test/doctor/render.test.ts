import { describe, expect, it } from 'vitest'
import type { Check } from '../../src/doctor/check.js'
import { renderReport, shouldUseColor, summarize } from '../../src/doctor/render.js'

const CHECKS: Check[] = [
  { id: 'runtime-dir', status: 'ok', summary: '/run/user/1001 (from XDG_RUNTIME_DIR)', details: ['owner uid 1001, mode 0700'], fix: null },
  {
    id: 'linger',
    status: 'warn',
    summary: 'lingering is off for alice',
    details: ['/var/lib/systemd/linger/alice does not exist'],
    fix: 'sudo loginctl enable-linger alice',
  },
  {
    id: 'cgroup-delegation',
    status: 'warn',
    summary: 'not delegated to uid 1001: cpu (--cpus)',
    details: [],
    fix: 'sudo mkdir -p /etc/systemd/system/user@.service.d\nsudo systemctl daemon-reload',
  },
  { id: 'containerd', status: 'fail', summary: 'containerd does not answer', details: [], fix: 'systemctl --user start containerd.service' },
]

const ESCAPE = '\u001b['

function render(color: boolean): string {
  return renderReport({ version: '1.2.3', rootless: true, uid: 1001, checks: CHECKS, color })
}

describe('renderReport plain', () => {
  const lines = render(false).split('\n')

  it('names the version first', () => {
    expect(lines[0]).toBe('rnerdctl 1.2.3 doctor (rootless, uid 1001)')
  })

  it('prints one line per check', () => {
    expect(lines).toContain('ok    runtime-dir: /run/user/1001 (from XDG_RUNTIME_DIR)')
    expect(lines).toContain('warn  linger: lingering is off for alice')
    expect(lines).toContain('fail  containerd: containerd does not answer')
  })

  it('indents details and fixes', () => {
    expect(lines).toContain('      owner uid 1001, mode 0700')
    expect(lines).toContain('      fix: sudo loginctl enable-linger alice')
  })

  it('aligns a fix of several lines', () => {
    expect(lines).toContain('      fix: sudo mkdir -p /etc/systemd/system/user@.service.d')
    expect(lines).toContain('           sudo systemctl daemon-reload')
  })

  it('ends with the counts', () => {
    expect(lines.at(-2)).toBe('1 ok, 2 warn, 1 fail: nerdctl cannot run as things stand')
    expect(lines.at(-1)).toBe('')
  })

  it('contains no escape codes', () => {
    expect(render(false)).not.toContain(ESCAPE)
  })
})

describe('renderReport colour', () => {
  const text = render(true)

  it('colours each status', () => {
    expect(text).toContain(`${ESCAPE}32mok  ${ESCAPE}0m  runtime-dir:`)
    expect(text).toContain(`${ESCAPE}33mwarn${ESCAPE}0m  linger:`)
    expect(text).toContain(`${ESCAPE}1;31mfail${ESCAPE}0m  containerd:`)
  })

  it('leaves fixes uncoloured', () => {
    expect(text).toContain('\n      fix: systemctl --user start containerd.service\n')
  })

  it('reads the same without codes', () => {
    const stripped = text.replace(/\u001b\[[0-9;]*m/g, '')
    expect(stripped).toBe(render(false))
  })
})

describe('shouldUseColor', () => {
  const cases: [string, NodeJS.ProcessEnv, boolean, boolean][] = [
    ['terminal', {}, true, true],
    ['pipe', {}, false, false],
    ['NO_COLOR set', { NO_COLOR: '1' }, true, false],
    ['NO_COLOR any word', { NO_COLOR: 'false' }, true, false],
    ['NO_COLOR empty', { NO_COLOR: '' }, true, true],
    ['NO_COLOR on a pipe', { NO_COLOR: '1' }, false, false],
  ]

  for (const [name, env, isTTY, expected] of cases) {
    it(name, () => {
      expect(shouldUseColor(env, isTTY)).toBe(expected)
    })
  }
})

describe('summarize', () => {
  it('says nerdctl can run', () => {
    expect(summarize(CHECKS.filter((check) => check.status !== 'fail'))).toBe('1 ok, 2 warn, 0 fail: nerdctl can run')
  })
})
