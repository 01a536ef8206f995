#!/usr/bin/env bats
# The console keeps the whole output by default, on disk (an unlinked file
# in $TMPDIR or /var/tmp), up to the VM's console_max; beyond it the oldest
# output is dropped and counted in console_dropped.

load lib/vmmfs
setup() { vmmfs_setup; }
teardown() { vmmfs_teardown; }

# line N: the reset guest's Nth flood line (64 bytes with its newline).
line() {
	printf 'line %07d of the console flood, 64 bytes each ..............\n' "$1"
}

# flood_vm NAME LINES [create options]: the reset guest printing LINES lines, run to its end.
flood_vm() {
	echo "create $1 mem=16M ${3:-}" >"$MNT/ctl" &&
		echo "load tests/guests/x86/reset.elf cmdline=flood=$2" >"$MNT/$1/ctl" &&
		timeout $((60 * VMMFS_SLOW)) sh -c 'echo run >"$1"' sh "$MNT/$1/cpu/0/ctl"
}

field() {
	rd "$1" | sed -n "s/^$2=//p"
}

@test "3 MiB of console output are all kept by default: first and last lines, size, nothing dropped" {
	local n=49152 head size
	need_guest reset.elf
	flood_vm f $n
	assert_file_line "$MNT/f/cpu/0/exit" "reason=system_event type=exit code=0"
	head="cmdline=[flood=$n]
boot 1"
	size=$(( ${#head} + 1 + n * 64 + 9 ))
	[ "$(stat -c %s "$MNT/f/console")" = "$size" ] || fail "st_size $(stat -c %s "$MNT/f/console"), want $size"
	[ "$(vm_console f | wc -c)" = "$size" ]
	[ "$(vm_console f | head -3)" = "$head
$(line 1)" ]
	[ "$(vm_console f | tail -2)" = "$(line $n)
no reset" ]
	# a read at any offset: line 20001, through dd
	[ "$(dd if="$MNT/f/console" iflag=skip_bytes,count_bytes skip=$(( ${#head} + 1 + 20000 * 64 )) \
		count=64 status=none)" = "$(line 20001)" ]
	[ "$(field "$MNT/f/stats" console_dropped)" = 0 ]
	[ "$(field "$MNT/f/stats" console_bytes)" = "$size" ]
	[ "$(field "$MNT/f/stats" console_max)" = $((128 << 20)) ]
	# the output is in an unlinked file on disk, not in the daemon's memory
	ls -l "/proc/$VMMFS_PID/fd" | grep -q " ${TMPDIR:-/var/tmp}/.* (deleted)$" ||
		fail "no unlinked spill file under ${TMPDIR:-/var/tmp}: $(ls -l "/proc/$VMMFS_PID/fd")"
}

@test "console_max bounds what is kept: the newest bytes stay, console_dropped counts the rest" {
	local n=4096 size kept
	need_guest reset.elf
	flood_vm s $n console_max=64K
	size=$(stat -c %s "$MNT/s/console")
	[ "$size" -gt $((n * 64)) ]
	[ "$(field "$MNT/s/stats" console_dropped)" = $((size - 65536)) ]
	[ "$(field "$MNT/s/stats" console_max)" = 65536 ]
	kept=$(vm_console s | wc -c)
	[ "$kept" = 65536 ]
	[ "$(vm_console s | tail -2)" = "$(line $n)
no reset" ]
	! vm_console s | grep -q "^$(line 1)" || fail "the oldest line is still there"
}

@test "console_max: a bad size is refused with its errno and a log line" {
	write_fails ERANGE "$MNT/ctl" "create c console_max=4K"
	[[ "$LOGLINE" == *"console_max=4K: want 64K to 1T" ]] || fail "$LOGLINE"
	write_fails EINVAL "$MNT/ctl" "create c console_max=lots"
	[ ! -e "$MNT/c" ]
}

@test "tail -f follows the console across what went to the spill file" {
	local out=$BATS_TEST_TMPDIR/tail pid
	need_guest reset.elf
	echo "create t mem=16M" >"$MNT/ctl"
	timeout $((30 * VMMFS_SLOW)) tail -c +1 -f "$MNT/t/console" >"$out" &
	pid=$!
	echo "load tests/guests/x86/reset.elf cmdline=flood=8192" >"$MNT/t/ctl"
	echo start >"$MNT/t/ctl"
	wait_until $((20 * VMMFS_SLOW)) grep -q "^no reset$" "$out"
	kill "$pid"
	wait "$pid" || true
	cmp "$out" <(vm_console t)
}
