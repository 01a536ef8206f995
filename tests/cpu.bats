#!/usr/bin/env bats
# The x86 CPU through the files: long mode and ring 3 guests, the msrs,
# debugregs and cpuid files, and the differential run against QEMU.

load lib/vmmfs
setup() { vmmfs_setup; }
teardown() { vmmfs_teardown; }

@test "a 64-bit C guest prints what the host build of the same C prints" {
	vm_new t
	vm_load t cpu_compute64.elf
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	run vm_console t
	assert_line "primes=2262"
	assert_line "div64=822003427371"
	run rd "$MNT/t/sregs"
	assert_line "efer=0x500"
	assert_line "cs.l=1"
}

@test "ring 3 in long mode: syscall/sysret, TSS stacks, IST, #GP error codes" {
	vm_new t
	vm_load t cpu_ring64.elf
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	run vm_console t
	assert_line "ring 3 via syscall"
	assert_line "int 0x80 from ring 3 on the RSP0 stack"
	assert_line "#GP error=0x00000010"
	assert_line "int3 on the IST1 stack"
	run rd "$MNT/t/msrs"
	assert_line "star=0x18000800000000"
	assert_line "fmask=0x200"
	run rd "$MNT/t/sregs"
	assert_line "tr.sel=0x30"
	assert_line "tr.type=0xb"
}

@test "msrs: shown by name, written whole or not at all" {
	vm_new t
	run rd "$MNT/t/cpu/0/msrs"
	assert_line "pat=0x7040600070406"
	assert_line "sysenter_cs=0x0"
	echo "lstar=0xffff800000001000 tsc_aux=7" >"$MNT/t/cpu/0/msrs"
	run rd "$MNT/t/cpu/0/msrs"
	assert_line "lstar=0xffff800000001000"
	assert_line "tsc_aux=0x7"
	write_fails EINVAL "$MNT/t/cpu/0/msrs" "tsc_aux=1 lstar=0x0000800000000000"
	run rd "$MNT/t/cpu/0/msrs"
	assert_line "tsc_aux=0x7"
}

@test "debugregs: the reset values of DR6 and DR7" {
	vm_new t
	run rd "$MNT/t/cpu/0/debugregs"
	assert_line "dr6=0xffff0ff0"
	assert_line "dr7=0x400"
	assert_line "db0=0x0"
}

@test "cpuid: the model with the KVM leaves, writable until the first run" {
	vm_new t
	run rd "$MNT/t/cpu/0/cpuid"
	assert_line "leaf=0x40000000 sub=0x0 eax=0x40000001 ebx=0x4b4d564b ecx=0x564b4d56 edx=0x4d"
	echo "leaf=0x40000001 eax=0x0 edx=0x1" >"$MNT/t/cpu/0/cpuid"
	run rd "$MNT/t/cpu/0/cpuid"
	assert_line "leaf=0x40000001 sub=0x0 eax=0x0 ebx=0x0 ecx=0x0 edx=0x1"
	write_fails EINVAL "$MNT/t/cpu/0/cpuid" "eax=1"
	write_fails ERANGE "$MNT/t/cpu/0/cpuid" "leaf=0x100000000"
	vm_load t hello.elf
	vm_run t
	write_fails EBUSY "$MNT/t/cpu/0/cpuid" "leaf=1 eax=0"
}

@test "differential: the x86 guests print what QEMU (TCG) prints" {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
	run timeout 300 tests/diff_x86.sh "$MNT"
	echo "$output"
	assert_success
	refute_output --partial "not ok"
}
