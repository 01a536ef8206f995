#!/usr/bin/env bats
# Bad writes: each fails with its precise errno, appends one line to the
# VM's log naming the file, and changes nothing.

load lib/vmmfs

setup() { vmmfs_setup; }
teardown() { vmmfs_teardown; }

@test "garbage to a VM's ctl is EINVAL; the log line lists the valid commands" {
	mkdir "$MNT/t"
	write_fails EINVAL "$MNT/t/ctl" "frobnicate"
	assert_regex "$LOGLINE" '^ctl: '
	assert_regex "$LOGLINE" 'start'
	assert_regex "$LOGLINE" 'load'
	write_fails EINVAL "$MNT/t/ctl" "start now"
	write_fails EINVAL "$MNT/t/ctl" ""
	write_fails EINVAL "$MNT/t/ctl" "load"
	assert_file_line "$MNT/t/ctl" "state=stopped"
}

@test "garbage to a vcpu's ctl is EINVAL" {
	mkdir "$MNT/t"
	write_fails EINVAL "$MNT/t/cpu/0/ctl" "sprint"
	write_fails EINVAL "$MNT/t/cpu/0/ctl" "step many"
	write_fails EINVAL "$MNT/t/cpu/0/ctl" "step 0"
}

@test "load of a missing file is ENOENT, with the path in the log" {
	vm_new t
	write_fails ENOENT "$MNT/t/ctl" "load tests/guests/x86/no-such-guest.elf"
	assert_regex "$LOGLINE" 'no-such-guest.elf'
}

@test "load of a file that is not an ELF image is EINVAL and says so" {
	vm_new t
	write_fails EINVAL "$MNT/t/ctl" "load README.md"
	assert_regex "$LOGLINE" 'README.md'
	assert_file_line "$MNT/t/ctl" "state=stopped"
}

@test "a 440 image with a segment where the device tree goes is EINVAL and writes nothing" {
	command -v powerpc-linux-gnu-as >/dev/null || fail "powerpc-linux-gnu-as is not installed"
	# 8 KiB of code straddling 0x1800000, where a 128 MiB VM's device tree goes
	printf '.globl _start\n_start: b .\n.fill 0x800, 4, 0x60000000\n' |
		powerpc-linux-gnu-as -o "$BATS_TEST_TMPDIR/dt.o" -
	powerpc-linux-gnu-ld -Ttext=0x17ff000 -o "$BATS_TEST_TMPDIR/dt.elf" "$BATS_TEST_TMPDIR/dt.o"
	echo "create p arch=ppc440 mem=128M" >"$MNT/ctl"
	write_fails EINVAL "$MNT/p/ctl" "load $BATS_TEST_TMPDIR/dt.elf"
	assert_regex "$LOGLINE" 'overlaps the device tree at 0x1800000'
	run sh -c "dd if='$MNT/p/mem' bs=4096 skip=$((0x17ff000 / 4096)) count=2 status=none | tr -d '\\0' | wc -c"
	assert_output 0
}

@test "load resolves a relative path from the writer's directory" {
	need_guest hello.elf
	vm_new t
	cd tests/guests/x86
	echo "load hello.elf" >"$MNT/t/ctl"
	cd /
	write_fails ENOENT "$MNT/t/ctl" "load hello.elf"
}

@test "load with an unknown argument is EINVAL" {
	vm_new t
	write_fails EINVAL "$MNT/t/ctl" "load tests/guests/x86/hello.elf colour=red"
	assert_regex "$LOGLINE" 'colour'
}

@test "load and run on a VM without memory are EINVAL" {
	mkdir "$MNT/t"
	write_fails EINVAL "$MNT/t/ctl" "load tests/guests/x86/hello.elf"
	assert_regex "$LOGLINE" 'memory'
	write_fails EINVAL "$MNT/t/cpu/0/ctl" "run"
	assert_regex "$LOGLINE" 'memory'
	write_fails EINVAL "$MNT/t/ctl" "start"
}

@test "regs: an unknown register is EINVAL, a value too wide is ERANGE, and nothing is half applied" {
	vm_new t
	vm_load t hello.elf
	before=$(rd "$MNT/t/regs")
	write_fails EINVAL "$MNT/t/regs" "rax=1 xyz=2"
	assert_regex "$LOGLINE" '^regs: .*xyz'
	write_fails ERANGE "$MNT/t/regs" "rax=1 rbx=0x10000000000000000"
	assert_regex "$LOGLINE" '^regs: .*rbx'
	write_fails EINVAL "$MNT/t/regs" "rax=1 rcx=banana"
	write_fails EINVAL "$MNT/t/regs" "rax"
	assert_equal "$(rd "$MNT/t/regs")" "$before"
}

@test "sregs: a selector wider than 16 bits is ERANGE" {
	vm_new t
	before=$(rd "$MNT/t/cpu/0/sregs")
	write_fails ERANGE "$MNT/t/cpu/0/sregs" "cs.sel=0x10000"
	assert_regex "$LOGLINE" 'cs.sel'
	write_fails EINVAL "$MNT/t/cpu/0/sregs" "cs.selector=1"
	assert_equal "$(rd "$MNT/t/cpu/0/sregs")" "$before"
}

@test "events: an unknown field is EINVAL and a vector past 255 is ERANGE" {
	vm_new t
	before=$(rd "$MNT/t/events")
	write_fails EINVAL "$MNT/t/events" "interrupt.vector=3"
	write_fails ERANGE "$MNT/t/events" "interrupt.injected=1 interrupt.nr=0x100"
	assert_equal "$(rd "$MNT/t/events")" "$before"
}

@test "a completion written when no exit waits for one is EINVAL" {
	vm_new t
	write_fails EINVAL "$MNT/t/cpu/0/exit" "data=0x41"
	need_guest hello.elf
	vm_load t hello.elf
	vm_run t
	write_fails EINVAL "$MNT/t/cpu/0/exit" "data=0x41"
	assert_regex "$LOGLINE" 'system_event'
}

@test "a completion with a bad field or value is refused" {
	vm_new t
	vm_load t io.elf
	vm_run t
	write_fails EINVAL "$MNT/t/cpu/0/exit" "datum=0x41"
	write_fails EINVAL "$MNT/t/cpu/0/exit" "data=x41"
	write_fails ERANGE "$MNT/t/cpu/0/exit" "data=0x100"
	assert_regex "$LOGLINE" 'fit'
	write_fails EINVAL "$MNT/t/cpu/0/exit" "data"
	assert_file_line "$MNT/t/cpu/0/exit" "reason=io dir=in port=0x510 size=1 count=1 data=0x0"
}

@test "read-only files refuse writes" {
	vm_new t
	write_errno EACCES "$MNT/t/stats" "instructions=0"
	write_errno EACCES "$MNT/info" "vms=9"
}

@test "files of a destroyed VM answer ENOENT, and the daemon lives on" {
	vm_new t
	exec 6>"$MNT/t/memslots"
	rmdir "$MNT/t"
	run bash -c 'echo "slot=1 gpa=1M size=4K" >&6'
	exec 6>&-
	assert_failure
	assert_output --partial 'No such file'
	[ ! -e "$MNT/t" ]
	mkdir "$MNT/t2"
	[ -d "$MNT/t2" ]
}

@test "long and binary writes do not crash the daemon" {
	mkdir "$MNT/t"
	head -c 100000 /dev/urandom >"$BATS_TEST_TMPDIR/junk"
	for f in ctl memslots regs events cpu/0/ctl cpu/0/exit; do
		run dd if="$BATS_TEST_TMPDIR/junk" of="$MNT/t/$f" bs=100000 count=1 status=none
		assert_failure
	done
	run dd if="$BATS_TEST_TMPDIR/junk" of="$MNT/ctl" bs=100000 count=1 status=none
	assert_failure
	printf 'slot=0 gpa=0\0 size=4K' | dd of="$BATS_TEST_TMPDIR/nul" status=none
	run dd if="$BATS_TEST_TMPDIR/nul" of="$MNT/t/memslots" status=none
	assert_failure
	run rd "$MNT/t/memslots"
	assert_output ''
	run rd "$MNT/t/log"
	assert_line --partial 'NUL'
	[ -d "$MNT/t" ]
}

@test "load, an exit completion and run are EBUSY while the guest runs" {
	vm_new t
	vm_load t hello.elf
	printf '\xeb\xfe' | dd of="$MNT/t/mem" bs=1 seek=$((0x8000)) conv=notrunc status=none
	echo "rip=0x8000" >"$MNT/t/regs"
	echo start >"$MNT/t/ctl"
	write_fails EBUSY "$MNT/t/ctl" "load tests/guests/x86/hello.elf"
	assert_regex "$LOGLINE" 'running'
	write_fails EBUSY "$MNT/t/cpu/0/ctl" "run"
	write_fails EBUSY "$MNT/t/cpu/0/exit" "data=0x1"
	echo stop >"$MNT/t/ctl"
}
