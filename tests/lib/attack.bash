# Helpers for attacks from an unprivileged user (tests/attack.bats, and any
# test that wants one): a vmmfs mounted with allow_other on a directory the
# other user can reach, that user's shell through setpriv, background
# attackers that are always ended, and a daemon that stops answering freed
# through the fusectl `abort` file, so that a test never hangs.
#
#   load lib/vmmfs
#   load lib/attack
#   setup() { attack_setup; }
#   teardown() { attack_teardown; }
#
#   as_attacker mkdir "$MNT/a1"
#   attacker_bg sh -c '...'          # ended by teardown
#   still_answers "$MNT/info"        # the daemon answers within a generous time

ATTACKER=${ATTACKER:-nobody}
# a python3 the attacker can run (root's own may live in root's home)
ATTACKER_PYTHON=${ATTACKER_PYTHON:-/usr/bin/python3}

# Skips the test when it cannot act as another user (not root, no setpriv).
attack_setup() {
	cd "$VMMFS_ROOT" || return 1
	if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
		skip "attacks run as uid $ATTACKER through setpriv, which needs root"
	fi
	ERRNO_WRITE=$(errno_write_bin) || return 1
	ATTACKER_PIDS=()
	VMMFS_MNT_BASE=$(mktemp -d /tmp/vmmfs-attack.XXXXXX)
	chmod 755 "$VMMFS_MNT_BASE"
	cp "$ERRNO_WRITE" "$VMMFS_MNT_BASE/errno_write"
	chmod 755 "$VMMFS_MNT_BASE/errno_write"
	A_ERRNO_WRITE=$VMMFS_MNT_BASE/errno_write
	vmmfs_mount -o allow_other "$@"
}

as_attacker() {
	setpriv --reuid="$ATTACKER" --regid="$(id -gn "$ATTACKER")" --clear-groups -- "$@"
}

# errno of one write by the attacker
attacker_write() {
	as_attacker "$A_ERRNO_WRITE" "$@" || true
}

# attacker_bg CMD...: runs in the background as the attacker, in a process
# group of its own that teardown kills whole; its output goes to
# $BATS_TEST_TMPDIR/attacker.out.
attacker_bg() {
	setsid setpriv --reuid="$ATTACKER" --regid="$(id -gn "$ATTACKER")" --clear-groups -- \
		"$@" </dev/null >>"${BATS_TEST_TMPDIR:-/tmp}/attacker.out" 2>&1 3>&- &
	ATTACKER_PIDS+=("$!")
}

# still_answers FILE: a read of FILE completes (a generous bound, not a
# latency assertion: the machine may be loaded).
still_answers() {
	timeout $((20 * VMMFS_SLOW)) cat "$1" >/dev/null
}

# The fusectl connection of MNT, from the mount table (a stat could hang).
fusectl_dir() {
	local dev

	dev=$(awk -v m="$MNT" '$5 == m { print $3 }' /proc/self/mountinfo | head -n1)
	[ -n "$dev" ] && echo "/sys/fs/fuse/connections/${dev#*:}"
}

# A daemon that does not answer is cut off from the kernel: every request
# waiting on it fails, so the unmount and the test's processes can end.
fuse_abort_if_wedged() {
	local dir

	vmmfs_mounted || return 0
	timeout 5 cat "$MNT/info" >/dev/null 2>&1 && return 0
	dir=$(fusectl_dir) || return 0
	if [ -w "$dir/abort" ]; then
		echo "# the daemon did not answer: aborting its FUSE connection" >&2
		echo 1 >"$dir/abort"
	fi
}

attack_teardown() {
	local base=${VMMFS_MNT_BASE:-} p

	[ -n "${MNT:-}" ] || return 0
	fuse_abort_if_wedged
	for p in "${ATTACKER_PIDS[@]}"; do
		kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true
	done
	for p in "${ATTACKER_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	vmmfs_teardown
	local r=$?
	[ -z "$base" ] || rm -rf "$base"
	return $r
}
