#!/usr/bin/env bats
# Limits are refused with an errno and a log line, never a crash or an OOM kill.

load lib/vmmfs

setup() { vmmfs_setup; }
teardown() { vmmfs_teardown; }

@test "memory per VM: 64G at most, at creation and across slots" {
	write_fails ENOMEM "$MNT/ctl" "create big mem=65G"
	assert_regex "$LOGLINE" '64G'
	echo "create v mem=63G" >"$MNT/ctl"		# MAP_NORESERVE: costs nothing until touched
	write_fails ENOMEM "$MNT/v/memslots" "slot=1 gpa=0x1000000000 size=2G"
	assert_regex "$LOGLINE" 'exceed 64G'
	run rd "$MNT/v/memslots"
	assert_output "slot=0 gpa=0x0 size=0xfc0000000 flags=none backing=anon"
}

@test "vcpus per VM: 64 at most; 64 threads come and go" {
	write_fails ERANGE "$MNT/ctl" "create c cpus=65"
	echo "create c mem=1M cpus=64" >"$MNT/ctl"
	assert_equal "$(ls "$MNT/c/cpu" | wc -l)" 64
	rmdir "$MNT/c"
}

@test "32 slots (ids 0-31), then ERANGE; oversized commands are E2BIG" {
	vm_new v 4K
	for i in $(seq 1 31); do echo "slot=$i gpa=$((i * 0x100000)) size=4K" >"$MNT/v/memslots"; done
	write_fails ERANGE "$MNT/v/memslots" "slot=32 gpa=0x4000000 size=4K"
	assert_equal "$(rd "$MNT/v/memslots" | wc -l)" 32
	head -c 70000 /dev/zero | tr '\0' 'x' >"$BATS_TEST_TMPDIR/big"
	run "$ERRNO_WRITE" "$MNT/v/regs" "$(cat "$BATS_TEST_TMPDIR/big")"
	assert_output E2BIG
	run rd "$MNT/v/log"
	assert_output --partial "commands are at most"
}
