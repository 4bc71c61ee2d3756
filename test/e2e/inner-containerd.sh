# Starts containerd inside RootlessKit's user and mount namespaces, for the
# end-to-end tests. RootlessKit runs this script with the test user mapped
# to root and copy-up tmpfs mounts on /etc, /run and /var/lib, so the
# script can mount over containerd's default directories:
#
#   /run/containerd      <- $XDG_RUNTIME_DIR/containerd (socket seen from the host)
#   /var/lib/containerd  <- ~/.local/share/containerd
#   /etc/containerd      <- ~/.config/containerd (config.toml)
#
# This is the layout that nerdctl's containerd-rootless.sh makes, and the
# one the wrapper expects to find.
set -eu

: "${XDG_RUNTIME_DIR:?must be set by the caller}"
: "${HOME:?must be set by the caller}"

bind_over() {
	source=$1
	target=$2
	mkdir -p "$source"
	# After copy-up the target may be a symbolic link into the host's tree,
	# so it is replaced by a real directory before mounting on it.
	rm -rf "$target"
	mkdir -p "$target"
	mount --bind "$source" "$target"
}

bind_over "$XDG_RUNTIME_DIR/containerd" /run/containerd
bind_over "$HOME/.local/share/containerd" /var/lib/containerd
bind_over "$HOME/.config/containerd" /etc/containerd

exec containerd "$@"
