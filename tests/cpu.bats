#!/usr/bin/env bats
# The x86 CPU through the files: long mode and ring 3 guests, the msrs,
# debugregs and cpuid files, and the differential run against QEMU.

load lib/vmmfs
setup() { vmmfs_setup; }
teardown() { vmmfs_teardown; }

# The whole console of a guest of guest_cases in tests/unit/test_x86_cpu.c,
# which states what each must print.
assert_console() {
	local want

	want=$("$VMMFS_BUILD/tests/unit/test_x86_cpu" console "$2") || fail "test_x86_cpu states no console for $2"
	run vm_console "$1"
	assert_output "$want"
}

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
	assert_console t cpu_ring64.elf
	run rd "$MNT/t/msrs"
	assert_line "star=0x18000800000000"
	assert_line "fmask=0x200"
	run rd "$MNT/t/sregs"
	assert_line "tr.sel=0x30"
	assert_line "tr.type=0xb"
}

@test "ring 3 in 32-bit mode: ESP0 stack, sysenter/sysexit, the I/O bitmap, #GP error codes" {
	vm_new t
	vm_load t cpu_ring32.elf
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	assert_console t cpu_ring32.elf
	run rd "$MNT/t/sregs"
	assert_line "tr.sel=0x28"
	assert_line "tr.limit=0x2068"
}

@test "far transfers: conforming segments, call gates to ring 0 with parameters, the LDT, #GP/#NP/#TS" {
	vm_new t
	vm_load t cpu_gate.elf
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	assert_console t cpu_gate.elf
	run rd "$MNT/t/sregs"
	assert_line "ldt.sel=0x58"
}

@test "task switches: call/iret, jmp, task gates in the GDT and IDT, busy #GP, #NP, #TS, #DF on its own task" {
	vm_new t
	vm_load t cpu_task.elf
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	assert_console t cpu_task.elf
	run rd "$MNT/t/sregs"
	assert_line "tr.sel=0x28"
	assert_line "cr0=0x19"
}

@test "286 TSSes by call, gate and jmp; virtual-8086 mode: iret in, faults, int n frame, I/O bitmap, iret back" {
	vm_new t
	vm_load t cpu_v86.elf
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	assert_console t cpu_v86.elf
	run rd "$MNT/t/sregs"
	assert_line "tr.sel=0x28"
	assert_line "cr0=0x19"
}

@test "modes: real mode, 16-bit protected mode, 32-bit, long and compatibility mode, and back" {
	vm_new t
	vm_load t cpu_modes.elf
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	assert_console t cpu_modes.elf
}

@test "64-bit call gates: ring 3 to ring 0 and back with lretq, #GP(sel) for bad gates and a TSS" {
	vm_new t
	vm_load t cpu_gate64.elf
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	assert_console t cpu_gate64.elf
}

@test "segment limits and rights: #GP(0) and #SS(0), expand-down segments, read-only data" {
	vm_new t
	vm_load t cpu_seg.elf
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	assert_console t cpu_seg.elf
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

@test "DR0-3, DR7 and TF in the guest: #DB faults and traps with DR6 bits, RF, rep" {
	vm_new t
	vm_load t cpu_debug.elf
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	run vm_console t
	assert_line "exec dr0: hits=1 dr6=0x00000001 eip ok"
	assert_line "exec dr0 again: hits=1 dr6=0x00000001 eip ok"
	assert_line "write dr1 len4: hits=1 dr6=0x00000002 eip ok"
	assert_line "read of a write watchpoint: hits=0 dr6=0x00000000 eip ok"
	assert_line "read dr2 len2: hits=1 dr6=0x00000004 eip ok"
	assert_line "dword over dr3 len1: hits=1 dr6=0x00000008 eip ok"
	assert_line "dr0 len8: hits=1 dr6=0x00000001 eip ok"
	assert_line "rep stopped with ecx=10"
	assert_line "tf: traps=6 dr6=0x00004000"
	refute_output --partial WRONG
}

# The address of a symbol of a guest, as 0x...
sym() {
	printf '0x%x\n' "0x$(nm "tests/guests/x86/$1" | awk -v s="$2" '$3 == s { print $1 }')"
}

@test "debug on: breakpoints, watchpoints and TF steps end the run (reason=debug)" {
	local target counter fl
	target=$(sym cpu_debug.elf gd_target)
	counter=$(sym cpu_debug.elf gd_counter)
	vm_new t
	vm_load t cpu_debug.elf
	# db0: execute at gd_target; db1: a 4-byte write watchpoint on gd_counter
	echo "db0=$target db1=$counter dr7=0xd00405" >"$MNT/t/cpu/0/debugregs"
	echo "debug on" >"$MNT/t/ctl"
	run rd "$MNT/t/log"
	assert_output --partial "guest debugging on"
	vm_run t
	run vm_exit t
	assert_output --regexp "^reason=debug kind=watchpoint pc=0x[0-9a-f]+ addr=$counter\$"
	# a trap: the write is done
	run od -An -tu4 -j $((counter)) -N4 "$MNT/t/mem"
	assert_output --regexp "^ +1\$"
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=debug kind=breakpoint pc=$target"
	# the guest saw nothing: DR6 untouched, no #DB delivered
	run rd "$MNT/t/cpu/0/debugregs"
	assert_line "dr6=0xffff0ff0"
	# TF: one instruction (mov $0x1234, %eax: 5 bytes), then a step exit
	fl=$(rd "$MNT/t/regs" | sed -n 's/^rflags=//p')
	echo "rflags=$((fl | 0x100))" >"$MNT/t/regs"
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=debug kind=step pc=$(printf 0x%x $((target + 5)))"
	run rd "$MNT/t/regs"
	assert_line "rax=0x1234"
	fl=$(rd "$MNT/t/regs" | sed -n 's/^rflags=//p')
	[ $((fl & 0x10000)) -eq 0 ] || fail "RF is still set after the instruction: rflags=$fl"
	echo "rflags=$((fl & ~0x100))" >"$MNT/t/regs"
	echo "dr7=0x400" >"$MNT/t/cpu/0/debugregs"
	echo "debug off" >"$MNT/t/ctl"
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	run vm_console t
	assert_line "tf: traps=6 dr6=0x00004000"
	assert_line "debug: done"
}

@test "a vcpu stopped in virtual-8086 mode: regs and sregs show it, and rflags.vm is refused in real mode" {
	local at
	vm_new r
	write_fails EINVAL "$MNT/r/regs" "rflags=0x20002"
	# a global execute breakpoint (task switches clear the local enables) on the
	# v86 code that cpu_v86 copies to 0x8000; pc is the offset in CS
	at=$(( $(sym cpu_v86.elf after_sysenter) - $(sym cpu_v86.elf v86_start) ))
	vm_new t
	vm_load t cpu_v86.elf
	echo "db0=$((0x8000 + at)) dr7=0x402" >"$MNT/t/cpu/0/debugregs"
	echo "debug on" >"$MNT/t/ctl"
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=debug kind=breakpoint pc=$(printf 0x%x "$at")"
	# VM, RF (set by the debug exit), IOPL 3
	run rd "$MNT/t/regs"
	assert_line "rflags=0x33002"
	run rd "$MNT/t/sregs"
	assert_line "cs.sel=0x800"
	assert_line "cs.base=0x8000"
	assert_line "cs.dpl=3"
	assert_line "ss.base=0x9000"
	# written back as read, the state is accepted and the guest goes on
	rd "$MNT/t/regs" >"$BATS_TEST_TMPDIR/regs"
	cp "$BATS_TEST_TMPDIR/regs" "$MNT/t/regs"
	echo "dr7=0x400" >"$MNT/t/cpu/0/debugregs"
	echo "debug off" >"$MNT/t/ctl"
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	run vm_console t
	assert_line "v86: done"
}

@test "cpuid: the model with the KVM leaves, writable until the first run" {
	vm_new t
	run rd "$MNT/t/cpu/0/cpuid"
	assert_line "leaf=0x40000000 sub=0x0 eax=0x40000001 ebx=0x4b4d564b ecx=0x564b4d56 edx=0x4d"
	assert_line "leaf=0x1 sub=0x0 eax=0x50654 ebx=0x10800 ecx=0x80802000 edx=0xbf9f8"
	echo "leaf=0x40000001 eax=0x0 edx=0x1" >"$MNT/t/cpu/0/cpuid"
	run rd "$MNT/t/cpu/0/cpuid"
	assert_line "leaf=0x40000001 sub=0x0 eax=0x0 ebx=0x0 ecx=0x0 edx=0x1"
	write_fails EINVAL "$MNT/t/cpu/0/cpuid" "eax=1"
	write_fails ERANGE "$MNT/t/cpu/0/cpuid" "leaf=0x100000000"
	vm_load t hello.elf
	vm_run t
	write_fails EBUSY "$MNT/t/cpu/0/cpuid" "leaf=1 eax=0"
}

@test "system instructions and MSRs in long mode: KVM hypercalls, invpcid, #UD and #GP as cpuid says, RF, TF after sysret" {
	vm_new t
	vm_load t cpu_insn64.elf
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	assert_console t cpu_insn64.elf
	grep -q "^hypercalls=5$" "$MNT/t/cpu/0/stats"
}

@test "cpuid file: the vendor, MONITOR/MWAIT and CLFSH change what the guest sees and what it may run" {
	vm_new t
	run rd "$MNT/t/cpu/0/cpuid"
	assert_line "leaf=0x0 sub=0x0 eax=0xa ebx=0x756e6547 ecx=0x6c65746e edx=0x49656e69"
	echo "leaf=0 vendor=AuthenticAMD" >"$MNT/t/cpu/0/cpuid"
	echo "leaf=1 ecx=0x80802008 edx=0x37f9f8" >"$MNT/t/cpu/0/cpuid"	# MONITOR on, CLFSH off
	write_fails EINVAL "$MNT/t/cpu/0/cpuid" "leaf=1 vendor=AuthenticAMD"
	write_fails EINVAL "$MNT/t/cpu/0/cpuid" "leaf=0 vendor=short"
	run rd "$MNT/t/cpu/0/cpuid"
	assert_line "leaf=0x0 sub=0x0 eax=0xa ebx=0x68747541 ecx=0x444d4163 edx=0x69746e65"
	vm_load t cpu_insn64.elf
	vm_run t
	run vm_console t
	assert_line --partial "vendor AuthenticAMD family 6 model 0x00000055 clflush 0 monitor 1 "
	assert_line "monitor: ok"
	assert_line "mwait: ok"
	assert_line "clflush: vector=6 error=0x00000000"
	assert_line "clflushopt: ok"
	assert_line "insn64: done"
}

@test "enable-cap hcall-exit: hypercalls vmmfs does not answer end run with reason=hypercall; ret= is the guest's rax" {
	vm_new t
	vm_load t cpu_insn64.elf
	echo "enable-cap hcall-exit" >"$MNT/t/ctl"
	write_fails EINVAL "$MNT/t/ctl" "enable-cap osi"
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=hypercall nr=0x5 args=0x0,0x0,0x0,0x0,0x0,0x0,0x0,0x0"
	echo "ret=7" >"$MNT/t/cpu/0/exit"
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=hypercall nr=0x1234 args=0x0,0x0,0x0,0x0,0x0,0x0,0x0,0x0"
	vm_run t	# unanswered: -KVM_ENOSYS
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	run vm_console t
	assert_line "vmcall VAPIC_POLL_IRQ: 0x0000000000000000"
	assert_line "vmcall KICK_CPU (not advertised): 0x0000000000000007"
	assert_line "vmcall 0x1234: 0xfffffffffffffc18"
	assert_line "vmcall from ring 3: 0xffffffffffffffff"
	assert_line "insn64: done"
}

@test "an instruction the decoder does not implement ends run with internal_error naming it" {
	local rip
	vm_new t
	vm_load t hello.elf
	rip=$(sed -n 's/^rip=//p' "$MNT/t/regs")
	printf '\x27' | dd of="$MNT/t/mem" bs=1 seek=$((rip)) conv=notrunc status=none	# daa
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" \
		"reason=internal_error suberror=1 addr=$rip bytes=27 why=not_implemented:_opcode_27_at_rip_$rip"
}

@test "differential: the x86 guests print what QEMU (TCG) prints" {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
	run timeout 300 tests/diff_x86.sh "$MNT"
	echo "$output"
	assert_success
	refute_output --partial "not ok"
}
