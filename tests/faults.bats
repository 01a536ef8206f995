#!/usr/bin/env bats
# Faults: signals to the daemon, kill -9, runaway guests.

load lib/vmmfs

setup() { vmmfs_setup; }
teardown() { vmmfs_teardown; }

# A VM in 32-bit protected mode (hello.elf's entry state) running CODE at 0x8000,
# created with OPTIONS when given: vm_code NAME CODE [OPTIONS].
vm_code() {
	if [ -n "${3:-}" ]; then
		echo "create $1 mem=16M $3" >"$MNT/ctl"
	else
		vm_new "$1" 16M
	fi
	vm_load "$1" hello.elf
	printf "$2" | dd of="$MNT/$1/mem" bs=1 seek=$((0x8000)) conv=notrunc status=none
	echo "rip=0x8000" >"$MNT/$1/regs"
}

spin() { vm_code "$1" '\xeb\xfe'; }				# jmp .
flood() { vm_code "$1" '\xba\xf8\x03\x00\x00\xee\xeb\xfd' "${2:-}"; }	# mov edx,0x3f8; l: out dx,al; jmp l
mmio_loop() { vm_code "$1" '\xa1\x00\x00\x00\xd0\xeb\xf9'; }	# l: mov eax,[0xd0000000]; jmp l

daemon_ends_on() {
	local sig=$1

	spin a
	echo start >"$MNT/a/ctl"
	spin b
	"$ERRNO_WRITE" "$MNT/b/cpu/0/ctl" run >"$BATS_TEST_TMPDIR/run.out" &
	sleep 0.3
	kill "-$sig" "$VMMFS_PID"
	vmmfs_reap 50 || fail "vmmfs did not end within $((5 * VMMFS_SLOW)) s of SIG$sig"
	assert_equal "$VMMFS_STATUS" 0
	run mountpoint -q "$MNT"
	assert_failure
	wait
}

@test "SIGTERM to the daemon stops running guests and unmounts cleanly" {
	daemon_ends_on TERM
}

@test "SIGINT to the daemon stops running guests and unmounts cleanly" {
	daemon_ends_on INT
}

@test "a file-backed slot keeps what the guest wrote after kill -9 of the daemon" {
	ram=$BATS_TEST_TMPDIR/ram
	truncate -s 16M "$ram"
	mkdir "$MNT/f"
	echo "slot=0 gpa=0 size=16M file=$ram" >"$MNT/f/memslots"
	vm_load f dirty.elf
	vm_run f
	kill -9 "$VMMFS_PID"
	vmmfs_reap 20
	VMMFS_STATUS=0				# killed on purpose
	# dirty.elf writes a byte into pages 0x200, 0x201 and 0x205 before its first exit
	for pg in 0x200 0x201 0x205; do
		byte=$(od -An -tx1 -j $((pg * 4096)) -N 4096 "$ram" | tr -d ' \n' | tr -d 0)
		[ -n "$byte" ] || fail "page $pg of the backing file is still zero"
	done
}

@test "a guest flooding its console past console_max loses old output, counted, and memory stays bounded" {
	flood f console_max=1M
	echo start >"$MNT/f/ctl"
	wait_until 20 eval '[ "$(sed -n "s/^console_dropped=//p" "$MNT/f/stats")" -gt 0 ]'
	echo stop >"$MNT/f/ctl"
	size=$(stat -c %s "$MNT/f/console")
	[ "$size" -gt $((1 << 20)) ]
	# what is kept is the newest megabyte
	kept=$(rd "$MNT/f/console" | wc -c)
	assert_equal "$kept" $((1 << 20))
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$VMMFS_PID/status")
	[ "$rss" -lt $((256 * 1024)) ] || fail "daemon RSS ${rss} kB after a console flood"
}

# Seconds for N reads of B's regs.
time_reads() {
	local start=$(date +%s%N)

	for _ in $(seq 200); do cat "$MNT/b/regs" >/dev/null; done
	echo $(( $(date +%s%N) - start ))
}

@test "guests that spin, flood or exit in a loop do not slow other VMs' files much" {
	# valgrind serialises the daemon's threads, so a ratio of times measures it, not us
	[ -z "${VMMFS_WRAP:-}" ] || skip "a timing ratio means nothing under $VMMFS_WRAP"
	spin b
	quiet=$(time_reads)
	spin s; flood f; mmio_loop m
	echo start >"$MNT/s/ctl"
	echo start >"$MNT/f/ctl"
	# userspace answering a guest's MMIO reads as fast as it can
	timeout 60 sh -c "while echo run >'$MNT/m/cpu/0/ctl'; do :; done" &
	looper=$!
	busy=$(time_reads)
	kill "$looper" 2>/dev/null || true
	wait "$looper" 2>/dev/null || true
	run rd "$MNT/m/stats"
	assert_line --regexp '^exits_mmio=[0-9]{2,}$'

	grep -q "^state=running" "$MNT/s/ctl" || fail "the spinning guest is not running"
	grep -q "^state=running" "$MNT/f/ctl" || fail "the flooding guest is not running"
	echo stop >"$MNT/s/ctl"
	echo stop >"$MNT/f/ctl"
	# two busy guests on two cores: reads may slow down, within a bound
	[ "$busy" -lt $((quiet * 10)) ] || fail "200 reads took ${busy} ns beside busy guests, ${quiet} ns alone"
}
