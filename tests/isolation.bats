#!/usr/bin/env bats
# Guests probing the edges of their memory: accesses straddling a slot's end,
# wrapping addresses, string instructions running into holes.  They get an
# MMIO exit for what lies outside the slots and never touch anything else
# (make check-asan runs this under ASan).

load lib/vmmfs

setup() { vmmfs_setup; }
teardown() { vmmfs_teardown; }

# x86 VM with 16M of RAM in 32-bit protected mode running CODE (hex bytes) at 0x8000.
x86_code() {
	vm_new t 16M
	vm_load t hello.elf
	printf "$1" | dd of="$MNT/t/mem" bs=1 seek=$((0x8000)) conv=notrunc status=none
	echo "rip=0x8000" >"$MNT/t/regs"
}

@test "x86: a load straddling the end of RAM reads RAM up to it and exits for the rest, byte by byte" {
	x86_code '\xa1\xfe\xff\xff\x00\xf4'		# mov eax,[0xfffffe]; hlt
	printf '\x11\x22' | dd of="$MNT/t/mem" bs=1 seek=$((0xfffffe)) conv=notrunc status=none
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=mmio gpa=0x1000000 len=1 write=0 data=0x0"
	echo "data=0x33" >"$MNT/t/cpu/0/exit"
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=mmio gpa=0x1000001 len=1 write=0 data=0x0"
	echo "data=0x44" >"$MNT/t/cpu/0/exit"
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=hlt"
	run rd "$MNT/t/regs"
	assert_line "rax=0x44332211"
}

@test "x86: an access at the top of the 4G space wraps into no memory and exits" {
	x86_code '\xa1\xfe\xff\xff\xff\xf4'		# mov eax,[0xfffffffe]; hlt
	vm_run t
	run vm_exit t
	assert_output --regexp '^reason=mmio gpa=0x(fffffffe|ffffffff|0|100000000) '
}

@test "x86: rep movsb from RAM into the hole after it copies up to the end, then exits per byte" {
	# mov esi,0x8100; mov edi,0xfffff0; mov ecx,0x20; cld; rep movsb; hlt
	x86_code '\xbe\x00\x81\x00\x00\xbf\xf0\xff\xff\x00\xb9\x20\x00\x00\x00\xfc\xf3\xa4\xf4'
	head -c 32 /dev/urandom >"$BATS_TEST_TMPDIR/src"
	dd if="$BATS_TEST_TMPDIR/src" of="$MNT/t/mem" bs=1 seek=$((0x8100)) conv=notrunc status=none
	vm_run t
	byte16=$(od -An -tx1 -j16 -N1 "$BATS_TEST_TMPDIR/src" | tr -d ' ')
	assert_file_line "$MNT/t/cpu/0/exit" "reason=mmio gpa=0x1000000 len=1 write=1 data=$(printf 0x%x $((16#$byte16)))"
	# the 16 bytes that fit are in RAM, the copy stopped at the hole
	cmp <(dd if="$MNT/t/mem" bs=1 skip=$((0xfffff0)) count=16 status=none) \
		<(head -c 16 "$BATS_TEST_TMPDIR/src")
	for i in $(seq 16); do vm_run t; done	# bytes 17-31 exit one by one, then hlt
	assert_file_line "$MNT/t/cpu/0/exit" "reason=hlt"
	run rd "$MNT/t/regs"
	assert_line "rcx=0x0"
	assert_line "rdi=0x1000010"
}

@test "x86: rep stosd across the end of RAM: the last dword in RAM, the next exits" {
	# mov eax,0x41414141; mov edi,0xfffffc; mov ecx,2; cld; rep stosd; hlt
	x86_code '\xb8\x41\x41\x41\x41\xbf\xfc\xff\xff\x00\xb9\x02\x00\x00\x00\xfc\xf3\xab\xf4'
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=mmio gpa=0x1000000 len=4 write=1 data=0x41414141"
	assert_equal "$(dd if="$MNT/t/mem" bs=1 skip=$((0xfffffc)) count=4 status=none)" AAAA
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=hlt"
}

@test "ppc440: a load past the end of RAM inside the boot TLB's 256M mapping is an MMIO exit" {
	echo "create p arch=ppc440 mem=16M" >"$MNT/ctl"
	echo "load tests/guests/ppc/hello.elf" >"$MNT/p/ctl"
	# lis r3,0x100; lwz r4,0(r3); b .
	printf '\x3c\x60\x01\x00\x80\x83\x00\x00\x48\x00\x00\x00' |
		dd of="$MNT/p/mem" bs=1 seek=$((0x8000)) conv=notrunc status=none
	echo "pc=0x8000" >"$MNT/p/regs"
	vm_run p
	assert_file_line "$MNT/p/cpu/0/exit" "reason=mmio gpa=0x1000000 len=4 write=0 data=0x0"
	echo "data=0x12345678" >"$MNT/p/cpu/0/exit"
	timeout 5 sh -c "echo step 1 >'$MNT/p/cpu/0/ctl'"
	run rd "$MNT/p/regs"
	assert_line "r4=0x12345678"
}
