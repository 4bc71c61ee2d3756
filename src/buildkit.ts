import path from 'node:path'

// The BuildKit sockets nerdctl tries, in its order, when neither
// --buildkit-host nor BUILDKIT_HOST is given: a namespace's own first (for
// namespaces other than "default"), then "default", then the plain one.
export function buildkitSocketCandidates(runDir: string, namespace: string): string[] {
  const candidates = namespace === 'default' ? [] : [path.join(runDir, `buildkit-${namespace}`, 'buildkitd.sock')]
  candidates.push(path.join(runDir, 'buildkit-default', 'buildkitd.sock'), path.join(runDir, 'buildkit', 'buildkitd.sock'))
  return candidates
}

export const BUILDKIT_FIX = 'containerd-rootless-setuptool.sh install-buildkit'
