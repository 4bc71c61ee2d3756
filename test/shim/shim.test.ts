import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The drop-in `nerdctl` shim in every PATH arrangement a user might make.
// nerdctl itself is not packaged here, so a small C program stands in for
// it: it records argv[0] and its arguments, one file per call, which a
// script could not do (the kernel replaces a script's argv[0]).
const repo = path.resolve(import.meta.dirname, '..', '..')
const work = mkdtempSync(path.join(tmpdir(), 'rnerdctl-shim-'))
const records = path.join(work, 'records')
const realDir = path.join(work, 'real')
const realNerdctl = path.join(realDir, 'nerdctl')

const RECORDER = `
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
  char name[4096];
  snprintf(name, sizeof name, "%s/%d", getenv("RECORDS"), (int)getpid());
  FILE *out = fopen(name, "w");
  for (int i = 0; i < argc; i++) fprintf(out, "%s\\n", argv[i]);
  fclose(out);
  return 0;
}
`

beforeAll(() => {
  mkdirSync(records)
  mkdirSync(realDir)
  writeFileSync(path.join(work, 'recorder.c'), RECORDER)
  execFileSync('gcc', ['-O1', '-o', realNerdctl, path.join(work, 'recorder.c')])
})

afterAll(() => rmSync(work, { recursive: true, force: true }))

function runNerdctl(pathDirs: string[], args: string[]): { status: number | null; calls: string[][] } {
  for (const file of readdirSync(records)) rmSync(path.join(records, file))
  const result = spawnSync('nerdctl', args, {
    env: { PATH: [...pathDirs, path.dirname(process.execPath), '/usr/bin', '/bin'].join(':'), HOME: work, RECORDS: records, RNERDCTL_NO_CACHE: '1' },
    encoding: 'utf8',
    timeout: 20_000,
  })
  const calls = readdirSync(records).map((file) => readFileSync(path.join(records, file), 'utf8').trimEnd().split('\n'))
  return { status: result.status, calls }
}

function dirWith(name: string, setUp: (dir: string) => void): string {
  const dir = path.join(work, name)
  mkdirSync(dir)
  setUp(dir)
  return dir
}

describe('nerdctl shim', () => {
  const shim = path.join(repo, 'shims', 'nerdctl')
  const rnerdctl = path.join(repo, 'bin', 'rnerdctl')

  it('symlink first on PATH runs real nerdctl once', () => {
    const linkDir = dirWith('link', (dir) => symlinkSync(shim, path.join(dir, 'nerdctl')))
    const { status, calls } = runNerdctl([linkDir, realDir], ['ps', '-a'])
    expect(status).toBe(0)
    expect(calls).toEqual([[realNerdctl, 'ps', '-a']])
  })

  it('shim twice on PATH runs real nerdctl once', () => {
    const twice = dirWith('twice', (dir) => symlinkSync(shim, path.join(dir, 'nerdctl')))
    const { calls } = runNerdctl([twice, path.join(repo, 'shims'), twice, realDir], ['info'])
    expect(calls).toEqual([[realNerdctl, 'info']])
  })

  it('copy of the shim is not taken for nerdctl', () => {
    const copy = dirWith('copy', (dir) => {
      mkdirSync(path.join(dir, 'shims'))
      mkdirSync(path.join(dir, 'dist'))
      copyFileSync(shim, path.join(dir, 'shims', 'nerdctl'))
      chmodSync(path.join(dir, 'shims', 'nerdctl'), 0o755)
      for (const file of readdirSync(path.join(repo, 'dist'))) copyFileSync(path.join(repo, 'dist', file), path.join(dir, 'dist', file))
    })
    const { calls } = runNerdctl([path.join(copy, 'shims'), realDir], ['images'])
    expect(calls).toEqual([[realNerdctl, 'images']])
  })

  it('shim dir holding rnerdctl too runs real nerdctl once', () => {
    const both = dirWith('both', (dir) => {
      symlinkSync(shim, path.join(dir, 'nerdctl'))
      symlinkSync(rnerdctl, path.join(dir, 'rnerdctl'))
    })
    const { calls } = runNerdctl([both, realDir], ['version'])
    expect(calls).toEqual([[realNerdctl, 'version']])
  })

  it('script that calls rnerdctl is caught by the marker', () => {
    const wrapper = dirWith('wrapper', (dir) => {
      writeFileSync(path.join(dir, 'nerdctl'), `#!/bin/sh\nexec ${process.execPath} ${rnerdctl} "$@"\n`)
      chmodSync(path.join(dir, 'nerdctl'), 0o755)
    })
    const { status, calls } = runNerdctl([wrapper, realDir], ['ps'])
    expect(status).toBe(0)
    expect(calls).toEqual([[realNerdctl, 'ps']])
  })

  it('shim intercepts no rnerdctl command', () => {
    const linkDir = path.join(work, 'link')
    const { calls } = runNerdctl([linkDir, realDir], ['env', '--json'])
    expect(calls).toEqual([[realNerdctl, 'env', '--json']])
  })

  it('no real nerdctl behind the shim exits 127', () => {
    const linkDir = path.join(work, 'link')
    const { status, calls } = runNerdctl([linkDir], ['ps'])
    expect(status).toBe(127)
    expect(calls).toEqual([])
  })
})
