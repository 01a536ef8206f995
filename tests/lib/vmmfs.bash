# Helpers for the bats tests: a fresh vmmfs mount per test, VM shortcuts,
# and assertions on errnos and logs.  Every .bats file starts with
#
#   load lib/vmmfs
#   setup() { vmmfs_setup; }
#   teardown() { vmmfs_teardown; }
#
# after which $MNT is a mounted vmmfs, the working directory is the
# repository's top (so guest paths read tests/guests/...), and the test
# can say e.g.
#
#   vm_new t
#   vm_load t hello.elf
#   vm_run t
#   assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
#   write_fails EEXIST "$MNT/t/memslots" "slot=1 gpa=0 size=4K"
#
# Nothing here blocks forever: runs and reads of the console or of exits are
# under `timeout`, and teardown always unmounts (lazily, then TERM, then
# KILL) so that a failing test leaves no mount behind.

load /usr/lib/bats/bats-support/load.bash
load /usr/lib/bats/bats-assert/load.bash

VMMFS_ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
VMMFS_BIN=${VMMFS_BIN:-$VMMFS_ROOT/vmmfs}
VMMFS_BUILD=${BUILD:-build}
case $VMMFS_BUILD in /*) ;; *) VMMFS_BUILD=$VMMFS_ROOT/$VMMFS_BUILD ;; esac
GUESTS=$VMMFS_ROOT/tests/guests
# How long a `run` may block before the test calls it hung.
VMMFS_RUN_TIMEOUT=${VMMFS_RUN_TIMEOUT:-10}
# How many times longer than usual a read or the daemon's end may take:
# valgrind runs one thread at a time, so a spinning vcpu delays every file
# operation (check-valgrind raises it).
VMMFS_SLOW=${VMMFS_SLOW:-1}

# The errno_write helper, built by `make unit`; built here when it is missing
# so that `bats tests/foo.bats` works right after `make`.
errno_write_bin() {
	local bin=$VMMFS_BUILD/tests/lib/errno_write tmp

	if [ ! -x "$bin" ] || [ "$bin" -ot "$VMMFS_ROOT/tests/lib/errno_write.c" ]; then
		bin=$BATS_RUN_TMPDIR/errno_write
		if [ ! -x "$bin" ]; then
			tmp=$(mktemp "$BATS_RUN_TMPDIR/errno_write.XXXXXX")
			cc -O2 -Wall -D_GNU_SOURCE -o "$tmp" "$VMMFS_ROOT/tests/lib/errno_write.c" >&2 ||
				return 1
			mv -f "$tmp" "$bin"
		fi
	fi
	echo "$bin"
}

# MNT is mounted.  From the mount table, not stat(2): a stat of a mount
# whose daemon hangs would hang too.
vmmfs_mounted() {
	awk -v m="$MNT" '$5 == m { found = 1 } END { exit !found }' /proc/self/mountinfo
}

# vmmfs_mount [DAEMON OPTION...]: mount a fresh vmmfs on a new temporary
# directory (under VMMFS_MNT_BASE if set), the daemon in the foreground with
# its output in $VMMFS_LOG.  Sets MNT and VMMFS_PID.
vmmfs_mount() {
	local tmp=${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}

	[ -x "$VMMFS_BIN" ] || { echo "no $VMMFS_BIN: run make first" >&2; return 1; }
	MNT=$(mktemp -d "${VMMFS_MNT_BASE:-$tmp}/mnt.XXXXXX")
	VMMFS_LOG=$(mktemp "$tmp/daemon.XXXXXX")
	VMMFS_STATUS=
	# fd 3 is bats' own: a daemon holding it would make bats wait for it.
	# VMMFS_WRAP runs the daemon under a tool (make check-valgrind)
	${VMMFS_WRAP:-} "$VMMFS_BIN" "$MNT" -f "$@" >"$VMMFS_LOG" 2>&1 3>&- &
	VMMFS_PID=$!
	for _ in $(seq 50); do
		vmmfs_mounted && return 0
		vmmfs_alive || break
		sleep 0.1
	done
	echo "vmmfs did not mount $MNT within 5 s; its output:" >&2
	cat "$VMMFS_LOG" >&2
	vmmfs_unmount
	return 1
}

# pid_alive PID: the process runs (a child that ended is a zombie until it
# is reaped, which kill -0 cannot tell from a live process).
pid_alive() {
	local st

	st=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

vmmfs_alive() {
	pid_alive "$VMMFS_PID"
}

# Wait up to $1 tenths of a second for the daemon to end; its status goes
# to VMMFS_STATUS.
vmmfs_reap() {
	for _ in $(seq $(($1 * VMMFS_SLOW))); do
		if ! vmmfs_alive; then
			wait "$VMMFS_PID" 2>/dev/null && VMMFS_STATUS=0 || VMMFS_STATUS=$?
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# Unmount and end the daemon, whatever state it is in; always succeeds.
# VMMFS_STATUS is the daemon's exit status (137 or 143 when it had to be
# killed), VMMFS_DIED_EARLY says it was gone before the unmount (a test that
# ends the daemon itself reaps it with vmmfs_reap first).
vmmfs_unmount() {
	[ -n "${MNT:-}" ] || return 0
	VMMFS_DIED_EARLY=
	if [ -n "${VMMFS_PID:-}" ] && [ -z "$VMMFS_STATUS" ] && ! vmmfs_alive; then
		VMMFS_DIED_EARLY=1
		vmmfs_reap 1 || true
	fi
	if vmmfs_mounted; then
		timeout 5 fusermount3 -u "$MNT" 2>/dev/null ||
			timeout 5 fusermount3 -uz "$MNT" 2>/dev/null || true
	fi
	if [ -n "${VMMFS_PID:-}" ] && [ -z "$VMMFS_STATUS" ]; then
		vmmfs_reap 50 ||
			{ kill -TERM "$VMMFS_PID" 2>/dev/null; vmmfs_reap 20; } ||
			{ kill -KILL "$VMMFS_PID" 2>/dev/null; vmmfs_reap 20; } || true
	fi
	# a daemon that died leaves a dead mount ("Transport endpoint is not connected")
	! vmmfs_mounted || timeout 5 fusermount3 -uz "$MNT" 2>/dev/null || true
	rmdir "$MNT" 2>/dev/null || true
	[ -z "${VMMFS_MNT_BASE:-}" ] || rmdir "$VMMFS_MNT_BASE" 2>/dev/null || true
	return 0
}

vmmfs_setup() {
	cd "$VMMFS_ROOT" || return 1
	ERRNO_WRITE=$(errno_write_bin) || return 1
	vmmfs_mount
}

# Unmount; then fail the test if the daemon crashed or had already died,
# because bad input must never bring it down.
vmmfs_teardown() {
	local pid=${VMMFS_PID:-}

	vmmfs_unmount
	# valgrind's and the sanitizers' reports are in the daemon's output
	if { [ -z "${BATS_TEST_COMPLETED:-}" ] || [ "${VMMFS_STATUS:-0}" != 0 ]; } &&
		[ -s "${VMMFS_LOG:-}" ]; then
		echo "# the daemon's output:"
		sed 's/^/#   /' "$VMMFS_LOG" | tail -n 40
	fi
	[ -n "$pid" ] || return 0
	if [ -n "$VMMFS_DIED_EARLY" ]; then
		echo "vmmfs (pid $pid) died during the test, status $VMMFS_STATUS" >&2
		return 1
	fi
	case $VMMFS_STATUS in
	0) return 0 ;;
	*) echo "vmmfs (pid $pid) exited with status $VMMFS_STATUS after unmount" >&2
	   return 1 ;;
	esac
}

# vm_new NAME [SIZE]: a VM with slot 0 of SIZE (default 16M) at gpa 0.
vm_new() {
	mkdir "$MNT/$1" && echo "slot=0 gpa=0 size=${2:-16M}" >"$MNT/$1/memslots"
}

# vm_load NAME GUEST [ARGS]: load tests/guests/x86/GUEST (or a path with a /).
vm_load() {
	local vm=$1 img=$2

	case $img in */*) ;; *) need_guest "$img" || return 1; img=tests/guests/x86/$img ;; esac
	shift 2
	echo "load $img${*:+ $*}" >"$MNT/$vm/ctl"
}

# vm_run NAME [CPU]: one KVM_RUN; fails if the write fails or hangs.
vm_run() {
	timeout "$VMMFS_RUN_TIMEOUT" sh -c 'echo run >"$1"' sh "$MNT/$1/cpu/${2:-0}/ctl"
}

# rd FILE: cat under a timeout (console, exit, anything that could block).
rd() {
	timeout $((5 * VMMFS_SLOW)) cat "$@"
}

vm_exit() {
	rd "$MNT/$1/cpu/${2:-0}/exit"
}

vm_console() {
	rd "$MNT/$1/console"
}

# wait_until SECONDS CMD...: poll CMD every 50 ms until it succeeds.
wait_until() {
	local deadline=$((SECONDS + $1))

	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || { echo "timed out waiting for: $*" >&2; return 1; }
		sleep 0.05
	done
}

# The log a write to PATH reports to: the VM's, or the root's.
log_of() {
	local rel=${1#"$MNT"/}

	case $rel in
	*/*) echo "$MNT/${rel%%/*}/log" ;;
	*) echo "$MNT/log" ;;
	esac
}

log_count() {
	local n

	n=$(rd "$1" | wc -l) || return 1
	echo "$n"
}

# write_fails ERRNO PATH TEXT...: one write(2) of TEXT to PATH must fail with
# ERRNO and append exactly one line to the log it belongs to; that line is
# left in LOGLINE for further checks.
write_fails() {
	local want=$1 path=$2 log got before after
	shift 2
	log=$(log_of "$path")
	before=$(log_count "$log")
	got=$("$ERRNO_WRITE" "$path" "$@") || true
	if [ "$got" != "$want" ]; then
		fail "writing '$*' to ${path#"$MNT"/}: expected $want, got $got"
		return 1
	fi
	after=$(log_count "$log")
	LOGLINE=$(rd "$log" | tail -n +$((before + 1)))
	if [ "$after" -ne $((before + 1)) ]; then
		fail "writing '$*' to ${path#"$MNT"/} ($want) added $((after - before)) lines to ${log#"$MNT"/}, not 1:
$LOGLINE"
		return 1
	fi
}

# write_errno ERRNO PATH TEXT...: only the errno (for writes whose log is elsewhere).
write_errno() {
	local want=$1 path=$2 got
	shift 2
	got=$("$ERRNO_WRITE" "$path" "$@") || true
	[ "$got" = "$want" ] || fail "writing '$*' to ${path#"$MNT"/}: expected $want, got $got"
}

# write_ok PATH TEXT...: one write(2) of TEXT (with embedded newlines, say)
# must succeed whole.
write_ok() {
	local path=$1 got
	shift
	got=$("$ERRNO_WRITE" "$path" "$@") || true
	[ "$got" = OK ] || fail "writing '$*' to ${path#"$MNT"/}: expected success, got $got"
}

# assert_file_line FILE LINE: FILE holds exactly that one line.
assert_file_line() {
	local got

	got=$(rd "$1") || { fail "cannot read ${1#"$MNT"/}"; return 1; }
	[ "$got" = "$2" ] || fail "${1#"$MNT"/}:
  got:      $got
  expected: $2"
}

# need_guest NAME: a guest program the test needs must have been built.
need_guest() {
	[ -f "$GUESTS/x86/$1" ] || fail "tests/guests/x86/$1 is missing: run make"
}
