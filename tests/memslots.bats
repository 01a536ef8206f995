#!/usr/bin/env bats
# memslots (KVM_SET_USER_MEMORY_REGION as text) and mem (guest-physical
# memory at offset = gpa).

load lib/vmmfs

setup() {
	vmmfs_setup || return 1
	mkdir "$MNT/m"
	S=$MNT/m/memslots
}
teardown() { vmmfs_teardown; }

@test "a slot is added with a write and reads back as one line" {
	echo "slot=0 gpa=0 size=16M" >"$S"
	assert_file_line "$S" "slot=0 gpa=0x0 size=0x1000000 flags=none backing=anon"
	run stat -c %s "$MNT/m/mem"
	assert_output $((16 << 20))
}

@test "numbers may be decimal, hex or sizes; tokens may be separated by any white space" {
	write_ok "$S" "$(printf 'slot=3\tgpa=0x200000\n  size=1048576')"
	echo "slot=1 gpa=64K size=0x8000" >"$S"
	run rd "$S"
	assert_output "$(printf '%s\n%s' \
		"slot=1 gpa=0x10000 size=0x8000 flags=none backing=anon" \
		"slot=3 gpa=0x200000 size=0x100000 flags=none backing=anon")"
}

@test "an overlapping slot is EEXIST, says which slot it overlaps, and changes nothing" {
	echo "slot=0 gpa=0 size=1M" >"$S"
	before=$(rd "$S")
	write_fails EEXIST "$S" "slot=1 gpa=0x80000 size=1M"
	assert_regex "$LOGLINE" '^memslots: .*overlaps slot 0'
	write_fails EEXIST "$S" "slot=1 gpa=0 size=4K"
	[ "$(rd "$S")" = "$before" ]
	echo "slot=1 gpa=1M size=4K" >"$S"
	run rd "$S"
	assert_line "slot=1 gpa=0x100000 size=0x1000 flags=none backing=anon"
}

@test "unaligned gpa or size is EINVAL; a slot number past 31 is ERANGE; all logged" {
	write_fails EINVAL "$S" "slot=0 gpa=0x800 size=4K"
	assert_regex "$LOGLINE" '^memslots: '
	write_fails EINVAL "$S" "slot=0 gpa=0 size=0x1001"
	write_fails ERANGE "$S" "slot=32 gpa=0 size=4K"
	write_fails ERANGE "$S" "slot=0 gpa=0xfffffffffffff000 size=8K"
	run rd "$S"
	assert_output ''
}

@test "malformed memslots writes are EINVAL and logged" {
	write_fails EINVAL "$S" "slot=0 gpa=0 size=4K color=blue"
	write_fails EINVAL "$S" "slot=0 gpa=zero size=4K"
	write_fails EINVAL "$S" "gpa=0 size=4K"
	write_fails EINVAL "$S" "slot=0 gpa=0 size=4K flags=fast"
	write_fails EINVAL "$S" "slot=0 gpa size=4K"
	write_fails EINVAL "$S" "slot=5 gpa=0"
	write_fails EINVAL "$S" ""
	run rd "$S"
	assert_output ''
}

@test "deleting a slot that does not exist is ENOENT" {
	write_fails ENOENT "$S" "slot=4 size=0"
	assert_regex "$LOGLINE" 'slot 4'
}

@test "size=0 deletes a slot; its memory becomes a hole" {
	echo "slot=0 gpa=0 size=1M" >"$S"
	echo "slot=1 gpa=2M size=1M" >"$S"
	echo "slot=1 size=0" >"$S"
	assert_file_line "$S" "slot=0 gpa=0x0 size=0x100000 flags=none backing=anon"
	write_errno EFAULT "$MNT/m/mem" -o $((2 << 20)) "x"
}

@test "moving a slot (same slot, new gpa) keeps its contents" {
	echo "slot=0 gpa=0 size=64K" >"$S"
	echo "slot=1 gpa=1M size=64K" >"$S"
	head -c 8192 /dev/urandom >"$BATS_TEST_TMPDIR/pat"
	dd if="$BATS_TEST_TMPDIR/pat" of="$MNT/m/mem" bs=4096 seek=$(((1 << 20) / 4096 + 3)) conv=notrunc status=none
	echo "slot=1 gpa=0x400000" >"$S"
	run rd "$S"
	assert_line "slot=1 gpa=0x400000 size=0x10000 flags=none backing=anon"
	dd if="$MNT/m/mem" of="$BATS_TEST_TMPDIR/got" bs=4096 skip=$((0x400000 / 4096 + 3)) count=2 status=none
	cmp "$BATS_TEST_TMPDIR/pat" "$BATS_TEST_TMPDIR/got"
	write_errno EFAULT "$MNT/m/mem" -o $((1 << 20)) "x"
	# moving onto another slot is refused and moves nothing
	write_fails EEXIST "$S" "slot=1 gpa=0x8000"
	run rd "$S"
	assert_line "slot=1 gpa=0x400000 size=0x10000 flags=none backing=anon"
}

@test "a slot cannot be resized in place (delete and add it instead)" {
	echo "slot=0 gpa=0 size=64K" >"$S"
	write_fails EINVAL "$S" "slot=0 gpa=0 size=128K"
	assert_file_line "$S" "slot=0 gpa=0x0 size=0x10000 flags=none backing=anon"
}

@test "flags: dirty_log, readonly, both, and back to none" {
	echo "slot=0 gpa=0 size=64K flags=dirty_log" >"$S"
	assert_file_line "$S" "slot=0 gpa=0x0 size=0x10000 flags=dirty_log backing=anon"
	echo "slot=0 flags=dirty_log,readonly" >"$S"
	assert_file_line "$S" "slot=0 gpa=0x0 size=0x10000 flags=dirty_log,readonly backing=anon"
	echo "slot=0 flags=readonly" >"$S"
	assert_file_line "$S" "slot=0 gpa=0x0 size=0x10000 flags=readonly backing=anon"
	echo "slot=0 flags=none" >"$S"
	assert_file_line "$S" "slot=0 gpa=0x0 size=0x10000 flags=none backing=anon"
}

@test "32 slots at most: slots 0 to 31 fit, slot 32 is ERANGE" {
	for i in $(seq 0 31); do
		echo "slot=$i gpa=$((i * 0x10000)) size=4K" >"$S"
	done
	run rd "$S"
	assert_equal "${#lines[@]}" 32
	assert_line "slot=31 gpa=0x1f0000 size=0x1000 flags=none backing=anon"
	write_fails ERANGE "$S" "slot=32 gpa=0x1000000 size=4K"
}

@test "mem: a 1 MiB round trip of random data with dd" {
	echo "slot=0 gpa=0 size=16M" >"$S"
	head -c $((1 << 20)) /dev/urandom >"$BATS_TEST_TMPDIR/in"
	dd if="$BATS_TEST_TMPDIR/in" of="$MNT/m/mem" bs=1M seek=3 conv=notrunc status=none
	dd if="$MNT/m/mem" of="$BATS_TEST_TMPDIR/out" bs=1M skip=3 count=1 status=none
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	# the bytes around it are still zero
	run sh -c "dd if='$MNT/m/mem' bs=4096 skip=$((3 * 256 - 1)) count=1 status=none | tr -d '\\0' | wc -c"
	assert_output 0
}

@test "mem: a transfer that runs into a hole is short; one that starts in a hole is EFAULT" {
	echo "slot=0 gpa=0 size=64K" >"$S"
	echo "slot=1 gpa=128K size=64K" >"$S"
	head -c 8192 /dev/urandom >"$BATS_TEST_TMPDIR/in"
	run dd if="$BATS_TEST_TMPDIR/in" of="$MNT/m/mem" bs=8192 oflag=seek_bytes seek=$((60 << 10)) count=1 conv=notrunc
	assert_output --partial '4096 bytes'
	run dd if="$MNT/m/mem" of="$BATS_TEST_TMPDIR/out" bs=8192 iflag=skip_bytes skip=$((60 << 10)) count=1
	assert_output --partial '4096 bytes'
	cmp -n 4096 "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	write_fails EFAULT "$MNT/m/mem" -o $((64 << 10)) "x"
	assert_regex "$LOGLINE" '^mem: '
	run dd if="$MNT/m/mem" of=/dev/null bs=4096 skip=16 count=1
	assert_failure
	assert_output --partial 'Bad address'
	# slots that touch make one stretch of memory
	echo "slot=2 gpa=64K size=64K" >"$S"
	dd if=/dev/zero of="$MNT/m/mem" bs=64K count=3 conv=notrunc status=none
}

@test "mem: reading past the highest slot is end-of-file" {
	echo "slot=0 gpa=0 size=64K" >"$S"
	run sh -c "dd if='$MNT/m/mem' bs=4096 skip=16 count=1 status=none | wc -c"
	assert_success
	assert_output 0
	run sh -c "cat '$MNT/m/mem' | wc -c"
	assert_output $((64 << 10))
}

@test "mem of a VM without memory is empty" {
	run sh -c "cat '$MNT/m/mem' | wc -c"
	assert_success
	assert_output 0
}

@test "file=PATH backs a slot with a file, relative to the writer's directory, shared both ways" {
	cd "$BATS_TEST_TMPDIR"
	head -c $((64 << 10)) /dev/urandom >ram.img
	echo "slot=0 gpa=0x100000 size=64K file=ram.img" >"$S"
	assert_file_line "$S" "slot=0 gpa=0x100000 size=0x10000 flags=none backing=file file=ram.img"
	dd if="$MNT/m/mem" of=got bs=64K skip=16 count=1 status=none
	cmp ram.img got
	printf 'written via mem' | dd of="$MNT/m/mem" bs=1 seek=$((0x100010)) conv=notrunc status=none
	run dd if=ram.img bs=1 skip=16 count=15 status=none
	assert_output 'written via mem'
}

@test "file=PATH refusals: missing file ENOENT, too small EINVAL, logged" {
	cd "$BATS_TEST_TMPDIR"
	write_fails ENOENT "$S" "slot=0 gpa=0 size=64K file=no-such.img"
	assert_regex "$LOGLINE" 'no-such.img'
	head -c 4096 /dev/zero >small.img
	write_fails EINVAL "$S" "slot=0 gpa=0 size=64K file=small.img"
	run rd "$S"
	assert_output ''
}

@test "memslots and mem belong to their VM" {
	mkdir "$MNT/other"
	echo "slot=0 gpa=0 size=64K" >"$S"
	echo "slot=0 gpa=1M size=64K" >"$MNT/other/memslots"
	printf 'mine' | dd of="$MNT/m/mem" bs=1 seek=16 conv=notrunc status=none
	run dd if="$MNT/other/mem" bs=1 skip=$(((1 << 20) + 16)) count=4 status=none
	assert_output "$(printf '\0\0\0\0')"
	assert_file_line "$MNT/other/memslots" "slot=0 gpa=0x100000 size=0x10000 flags=none backing=anon"
}

@test "a readonly file-backed slot cannot be made writable: its writes would never reach the file" {
	truncate -s 64K "$BATS_TEST_TMPDIR/ro"
	echo "slot=0 gpa=0 size=64K flags=readonly file=$BATS_TEST_TMPDIR/ro" >"$S"
	before=$(rd "$S")
	write_fails EINVAL "$S" "slot=0 flags=none"
	assert_regex "$LOGLINE" '^memslots: slot 0 maps its file privately'
	write_fails EINVAL "$S" "slot=0 flags=dirty_log"
	assert_equal "$(rd "$S")" "$before"
	# the other way is fine: a shared mapping that the guest may no longer write
	truncate -s 64K "$BATS_TEST_TMPDIR/rw"
	echo "slot=1 gpa=1M size=64K file=$BATS_TEST_TMPDIR/rw" >"$S"
	echo "slot=1 flags=readonly" >"$S"
	echo "slot=1 flags=none" >"$S"
	printf 'kept' | dd of="$MNT/m/mem" bs=1 seek=$((1 << 20)) conv=notrunc status=none
	assert_equal "$(head -c 4 "$BATS_TEST_TMPDIR/rw")" kept
}

@test "guest writes to a read-only slot are counted in stats and logged, at most a line a second" {
	echo "slot=0 gpa=0 size=16M" >"$S"
	echo "slot=1 gpa=16M size=64K flags=readonly" >"$S"
	vm_load m hello.elf
	# l: mov [0x1000000],eax; jmp l
	printf '\xa3\x00\x00\x00\x01\xeb\xf9' | dd of="$MNT/m/mem" bs=1 seek=$((0x8000)) conv=notrunc status=none
	echo "rip=0x8000" >"$MNT/m/regs"
	for _ in $(seq 10); do
		vm_run m
		run vm_exit m
		assert_output --regexp '^reason=mmio gpa=0x1000000 len=4 write=1 data=0x'
	done
	run rd "$MNT/m/stats"
	assert_line ro_writes=10
	sleep 1.1
	vm_run m
	run rd "$MNT/m/stats"
	assert_line ro_writes=11
	run grep 'guest write to read-only slot 1 at 0x1000000 len=4' "$MNT/m/log"
	# the write after a quiet second has its line; ten in a row do not
	[ "${#lines[@]}" -ge 2 ] && [ "${#lines[@]}" -le 10 ] || fail "${#lines[@]} lines for 11 writes"
	# every write is in a line or counted in the next one
	more=$(grep -o '; [0-9]* more' "$MNT/m/log" | awk '{ s += $2 } END { print s }')
	assert_equal $((${#lines[@]} + more)) 11
}
