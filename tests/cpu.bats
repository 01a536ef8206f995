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

@test "ring 3 in 32-bit mode: ESP0 stack, sysenter/sysexit, the I/O bitmap, #GP error codes" {
	vm_new t
	vm_load t cpu_ring32.elf
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	run vm_console t
	assert_line "ring 3 prints through the I/O bitmap"
	assert_line "int 0x80 from ring 3 on the ESP0 stack"
	assert_line "sysenter to ring 0"
	assert_line "sysexit back to ring 3"
	assert_line "#GP error=0x00000010"
	assert_line "#GP error=0x0000040a"
	assert_line "ring32: done"
	# denied port 0x80, the word at 0x3ff, rep outsb, cli, hlt, mov from cr0, lgdt
	[ "$(grep -c '^#GP error=0x00000000$' <<<"$output")" -eq 7 ] || fail "expected seven #GP(0)"
	run rd "$MNT/t/sregs"
	assert_line "tr.sel=0x28"
	assert_line "tr.limit=0x2068"
}

@test "far transfers: conforming segments, call gates to ring 0 with parameters, the LDT, #GP/#NP/#TS" {
	vm_new t
	vm_load t cpu_gate.elf
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	run vm_console t
	assert_line "far call to a conforming segment: cs=0x0000003b"
	assert_line "call gate to ring 0: ss=0x00000010"
	assert_line "param 0=0x22222222"
	assert_line "param 1=0x11111111"
	assert_line "after lret \$8 to ring 3: es=0x00000000"
	assert_line "LDT data segment fs:0=0x4c445421"
	assert_line "call gate in the LDT: cs=0x00000008"
	assert_line "16-bit call gate: param=0x0000beef"
	assert_line "16-bit frame: caller sp=0x000007fe"
	assert_line "#NP error=0x00000048"
	assert_line "#NP error=0x00000060"
	assert_line "#TS error=0x00000020"
	assert_line "#GP error=0x000001f8"
	assert_line "gate: done"
	run rd "$MNT/t/sregs"
	assert_line "ldt.sel=0x58"
}

@test "task switches: call/iret, jmp, task gates in the GDT and IDT, busy #GP, #NP, #TS, #DF on its own task" {
	vm_new t
	vm_load t cpu_task.elf
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	run vm_console t
	assert_line "task A: eax=0xa0a0a0a0"
	assert_line "  link=0x00000028"
	assert_line "  eflags.nt=0x00000001"
	assert_line "  cr0.ts=0x00000001"
	assert_line "main after iret: esi=0x11111111"
	assert_line "task A saved eip - a_after_iret=0x00000000"
	assert_line "  ldtr=0x00000068"
	assert_line "  fs:0=0x4c445442"
	assert_line "  [0x800000]=0x4b534154"
	assert_line "main: [0x800000]=0x4e49414d"
	assert_line "#GP error=0x00000028"
	assert_line "#NP error=0x00000070"
	assert_line "#GP error=0x00000030"
	assert_line "#TS task: error=0x00000048"
	assert_line "#TS task: error=0x00000018"
	assert_line "#DF task: error=0x00000000"
	assert_line "  saved eip - df_insn=0x00000000"
	assert_line "task: done"
	[ "$(grep -c '^task A: eax=' <<<"$output")" = 3 ] || fail "task A entered three times"
	run rd "$MNT/t/sregs"
	assert_line "tr.sel=0x28"
	assert_line "cr0=0x19"
}

@test "modes: real mode, 16-bit protected mode, 32-bit, long and compatibility mode, and back" {
	vm_new t
	vm_load t cpu_modes.elf
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	run vm_console t
	assert_line "real mode: the caller's cs on the handler's stack=0x00000700"
	assert_line "real mode: 1000:2350=0xcafe5678"
	assert_line "real mode: es:[0xffff+1] wraps to es:0=0x0000005a"
	assert_line "16-bit protected mode: pushl moves sp by 0x00000004"
	assert_line "16-bit protected mode: addr32 load from 1 MiB up=0x600dc0de"
	assert_line "64-bit mode: high half=0xefcdab89"
	assert_line "compatibility mode: 7 after 0x40=0x00000008"
	assert_line "32-bit protected mode again: efer=0x00000100"
	assert_line "modes: done"
}

@test "64-bit call gates: ring 3 to ring 0 and back with lretq, #GP(sel) for bad gates and a TSS" {
	vm_new t
	vm_load t cpu_gate64.elf
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	run vm_console t
	assert_line "64-bit call gate to ring 0: cs=0x00000008"
	assert_line "caller cs=0x0000002b"
	assert_line "caller ss=0x00000023"
	assert_line "after lretq: cs=0x0000002b"
	assert_line "#GP error=0x00000050"
	assert_line "#GP error=0x00000030"
	assert_line "#GP error=0x00000070"
	assert_line "gate64: done"
}

@test "segment limits and rights: #GP(0) and #SS(0), expand-down segments, read-only data" {
	vm_new t
	vm_load t cpu_seg.elf
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	run vm_console t
	assert_line "limit 0xff: dword at 0xfc: ok"
	assert_line "limit 0xff: dword at 0xfd: #GP error=0x00000000"
	assert_line "read-only: write: #GP error=0x00000000"
	assert_line "execute-only: read through cs: #GP error=0x00000000"
	assert_line "expand-down B=1: dword at 0xffc: #GP error=0x00000000"
	assert_line "expand-down B=0: word at 0xfffe: ok"
	assert_line "expand-down B=0: dword at 0xfffe: #GP error=0x00000000"
	assert_line "null ds: read: #GP error=0x00000000"
	assert_line "stack limit 0xfff: ebp at 0x1000: #SS error=0x00000000"
	assert_line "expand-down stack: ebp-52: #SS error=0x00000000"
	assert_line "seg: done"
	# rep movsb stops at the limit with four bytes left
	[ "$(grep -A1 '^rep movsb' <<<"$output" | tail -1)" = "  value=0x00000004" ] || fail "rep movsb: ecx"
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
