import { existsSync } from 'node:fs'
import path from 'node:path'

// How to restart containerd so that it reads its config again. Rootless
// containerd runs as containerd.service under systemd's user manager, or by
// hand through containerd-rootless.sh, which runs RootlessKit with
// containerd as its child. Rootful containerd runs under systemd, or by hand.

export interface RestartFacts {
  rootless: boolean
  // systemd's user manager runs: $XDG_RUNTIME_DIR/systemd/private exists.
  userManager: boolean
  // systemd is the system manager: /run/systemd/system exists (sd_booted(3)).
  systemdBooted: boolean
}

export const SYSTEMD_BOOTED_DIR = '/run/systemd/system'

// Returns the command that restarts containerd, or, where systemd does not
// run it, the instruction to restart it by hand. Callers put it after
// "restart containerd: ".
export function describeContainerdRestart(facts: RestartFacts): string {
  if (facts.rootless && facts.userManager) return 'systemctl --user restart containerd.service'
  if (facts.rootless) {
    return 'stop containerd-rootless.sh (RootlessKit and its child, containerd) and start it again by hand, because it does not run under systemd here'
  }

  if (facts.systemdBooted) return 'systemctl restart containerd'
  return 'stop containerd and start it again by hand, because systemd is not running here'
}

// Reads the facts with two stat calls: the user manager's private socket in
// the runtime dir, and systemd's marker directory.
export function readRestartFacts(rootless: boolean, runtimeDir: string | null, exists: (file: string) => boolean = existsSync): RestartFacts {
  return {
    rootless,
    userManager: runtimeDir !== null && exists(path.join(runtimeDir, 'systemd', 'private')),
    systemdBooted: exists(SYSTEMD_BOOTED_DIR),
  }
}
