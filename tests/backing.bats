#!/usr/bin/env bats
# File-backed slots whose file is truncated under them by its owner: the
# daemon survives (SIGBUS is recovered), the slot is marked, runs end with
# internal_error, `mem` there is EFAULT, and other VMs go on.

load lib/vmmfs

setup() {
	vmmfs_setup || return 1
	RAM=$BATS_TEST_TMPDIR/ram
	truncate -s 1M "$RAM"
}
teardown() { vmmfs_teardown; }

# file_vm NAME: slot 0 anonymous (hello.elf's code and CODE at 0x8000),
# slot 1 the file at 16M.
file_vm() {
	vm_new "$1" 16M
	echo "slot=1 gpa=16M size=1M file=$RAM${3:+ flags=$3}" >"$MNT/$1/memslots"
	vm_load "$1" hello.elf
	printf "$2" | dd of="$MNT/$1/mem" bs=1 seek=$((0x8000)) conv=notrunc status=none
	echo "rip=0x8000" >"$MNT/$1/regs"
}

# l: mov [0x1080000],eax; inc eax; jmp l
WRITER='\xa3\x00\x00\x08\x01\x40\xeb\xf8'

lost_reported() {
	run rd "$MNT/$1/memslots"
	assert_line "slot=1 gpa=0x1000000 size=0x100000 flags=${2:-none} backing=file,truncated file=$RAM"
	run rd "$MNT/$1/log"
	assert_output --regexp "memslots: slot 1: its backing file .* was truncated"
}

@test "a file truncated under a running guest ends the run with internal_error; the daemon lives" {
	file_vm t "$WRITER"
	vm_new other
	vm_load other hello.elf
	"$ERRNO_WRITE" "$MNT/t/cpu/0/ctl" run >"$BATS_TEST_TMPDIR/run.out" &
	sleep 0.3
	truncate -s 0 "$RAM"
	wait_until 10 grep -q . "$BATS_TEST_TMPDIR/run.out"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/run.out")" OK
	run vm_exit t
	assert_output --regexp '^reason=internal_error .*why=backing_file_truncated$'
	lost_reported t
	write_fails EFAULT "$MNT/t/mem" -o $((16 << 20)) x
	assert_regex "$LOGLINE" 'slot 1 lost its backing file'
	# the VM's other memory and the other VMs are untouched
	run od -An -tx1 -j $((0x8000)) -N 2 "$MNT/t/mem"
	assert_output " a3 00"
	vm_run other
	assert_equal "$(vm_console other)" "Hello from vmmfs"
	vmmfs_alive
}

@test "a run started after the truncation was found ends at once with internal_error" {
	file_vm t '\xeb\xfe'
	truncate -s 0 "$RAM"
	write_errno EFAULT "$MNT/t/mem" -o $((16 << 20)) x
	vm_run t
	run vm_exit t
	assert_output --regexp 'why=backing_file_truncated$'
	lost_reported t
}

@test "mem writes and reads of a truncated file are EFAULT, found by a fault or by the file's size" {
	file_vm w '\xeb\xfe'
	file_vm r '\xeb\xfe' readonly
	write_ok "$MNT/w/mem" -o $((16 << 20)) before
	# writers and readers in flight while the file goes
	pids=
	for _ in 1 2; do
		( for _ in $(seq 20); do
			timeout 5 dd if=/dev/urandom of="$MNT/w/mem" bs=64K count=16 seek=256 \
				conv=notrunc status=none
		  done ) 2>/dev/null &
		pids="$pids $!"
		# and readers, whose copy the kernel makes (a failed one is EIO)
		( for _ in $(seq 20); do
			timeout 5 dd if="$MNT/r/mem" of=/dev/null bs=64K count=16 skip=256 status=none
		  done ) 2>/dev/null &
		pids="$pids $!"
	done
	sleep 0.2
	truncate -s 0 "$RAM"
	wait $pids || true		# not the daemon, which is a child too
	# the write that met the truncation, or the next one, found it (SIGBUS)
	write_fails EFAULT "$MNT/w/mem" -o $((16 << 20)) x
	assert_regex "$LOGLINE" 'slot 1 lost its backing file'
	lost_reported w
	# a reader's copy is the kernel's: the file's size tells before it
	run timeout 5 dd if="$MNT/r/mem" bs=4K count=1 skip=4096 status=none of=/dev/null
	assert_failure
	assert_output --partial "Bad address"
	lost_reported r readonly
	# the rest of memory still reads
	run od -An -tx1 -j $((0x8000)) -N 2 "$MNT/r/mem"
	assert_output " eb fe"
}

@test "a truncation during dirty-log harvests ends the guest, not the daemon" {
	file_vm d "$WRITER" dirty_log
	echo start >"$MNT/d/ctl"
	( for _ in $(seq 50); do cat "$MNT/d/dirty_log" >/dev/null || exit 1; done ) &
	reader=$!
	sleep 0.2
	truncate -s 0 "$RAM"
	wait "$reader"
	wait_until 10 grep -q '^state=exited reason=internal_error' "$MNT/d/ctl"
	run rd "$MNT/d/ctl"
	assert_output --regexp 'why=backing_file_truncated$'
	lost_reported d dirty_log
	run rd "$MNT/d/dirty_log"
	assert_success
}

@test "a SIGBUS that is not a slot's still ends the daemon" {
	# a sanitizer's own SIGBUS handler ends the daemon with its own status
	[ -z "${VMMFS_SANITIZER:-}" ] || skip "$VMMFS_SANITIZER handles SIGBUS itself"
	file_vm t '\xeb\xfe'
	kill -BUS "$VMMFS_PID"
	vmmfs_reap 50
	assert_equal "$VMMFS_STATUS" 135
	VMMFS_STATUS=0				# ended on purpose
}
