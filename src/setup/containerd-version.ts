import type { CommandRunner } from './command-runner.js'

// `containerd --version` prints "containerd <package> <version> <revision>",
// e.g. "containerd github.com/containerd/containerd/v2 v2.0.0 207ad71"
// or, on Debian 12, "containerd github.com/containerd/containerd 1.6.20~ds1 ...".
export function parseContainerdMajor(output: string): number | null {
  const words = output.trim().split(/\s+/).slice(2)
  for (const word of words) {
    const match = /^v?(\d+)\.\d+/.exec(word)
    if (match !== null) return Number(match[1])
  }
  return null
}

export async function readContainerdMajor(run: CommandRunner): Promise<number | null> {
  const result = await run('containerd', ['--version'], 5000)
  return result.exitCode === 0 ? parseContainerdMajor(result.stdout) : null
}

// The config version a new config.toml starts with: 3 for containerd 2.x,
// else 2. containerd 2.x also reads version 2 (it migrates it on load), so
// 2 is the choice when containerd's version is unknown.
export function newConfigVersion(containerdMajor: number | null): 2 | 3 {
  return containerdMajor !== null && containerdMajor >= 2 ? 3 : 2
}
