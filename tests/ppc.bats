#!/usr/bin/env bats
# The ppc440 through the files: the differential suite (each guest under
# qemu-system-ppc -M bamboo and under vmmfs, outputs compared), debug
# interrupts, the FIT and watchdog timers, interrupts injected through
# `events`, writes to `tlb` and `sregs`, and the shadow TLB's counters.

load lib/vmmfs
setup() { vmmfs_setup; }
teardown() { vmmfs_teardown; }

PPC=tests/guests/ppc

# ppc_run VM GUEST [MEM]: a ppc440 VM with GUEST loaded, run to its first exit.
ppc_run() {
	echo "create $1 arch=ppc440 mem=${3:-128M}" >"$MNT/ctl" &&
		echo "load $PPC/$2.elf" >"$MNT/$1/ctl" && vm_run "$1"
}

# field FILE KEY: the value of KEY=... in a key=value file.
field() {
	rd "$1" | sed -n "s/^$2=//p"
}

@test "every guest of the differential suite prints the same under QEMU and under vmmfs" {
	local g want got bad=
	command -v qemu-system-ppc >/dev/null || fail "qemu-system-ppc is not installed"
	for g in $(tests/diff_ppc.sh --list); do
		# the 440's FPU takes rounding and exception flags from the host's;
		# valgrind models neither (only round-to-nearest, no sticky flags)
		if [ "$g" = fpu ] && [[ "${VMMFS_WRAP:-}" == valgrind* ]]; then
			echo "# fpu: not compared under valgrind"
			continue
		fi
		want=$(tests/diff_ppc.sh --qemu "$g") || { bad+=" $g(QEMU status $?)"; continue; }
		ppc_run "$g" "$g" || { bad+=" $g(run)"; continue; }
		[ "$(vm_exit "$g")" = "reason=system_event type=reset code=3" ] || bad+=" $g(exit)"
		got=$(vm_console "$g")
		if [ "$got" != "$want" ]; then
			bad+=" $g(console)"
			diff <(echo "$want") <(echo "$got") | head -10
		fi
		echo "# $g: $(echo "$got" | wc -l) lines agree"
	done
	[ -z "$bad" ] || fail "differ:$bad"
	# compute's C is also checked against its host build
	make -s "$PPC/compute.host"
	[ "$(vm_console compute)" = "$("$PPC/compute.host")" ]
}

@test "debug interrupts: IAC, DAC read and write, ICMP, BRT, trap, and an event waiting for MSR[DE]" {
	ppc_run d debug
	assert_file_line "$MNT/d/cpu/0/exit" "reason=system_event type=reset code=3"
	[ "$(vm_console d)" = "$(cat "$PPC/debug.expect")" ]
	[ "$(field "$MNT/d/cpu/0/mmu" int_debug)" = 11 ]
	[ "$(field "$MNT/d/sregs" dbcr0)" = 0x0 ]
}

@test "FIT and watchdog interrupts, then the watchdog's reset action ends the run" {
	ppc_run t timers
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=reset code=1"
	[ "$(vm_console t)" = "$(cat "$PPC/timers.expect")" ]
	[ "$(field "$MNT/t/cpu/0/mmu" int_fit)" = 3 ]
	[ "$(field "$MNT/t/cpu/0/mmu" int_watchdog)" = 2 ]
	# TSR: ENW and WIS still set, WRS records the core reset (FIS ticks on below)
	[ $(($(field "$MNT/t/sregs" tsr) & 0xf0000000)) = $((0xd0000000)) ]
}

@test "events: external, critical and machine check injected from outside, each taken by the guest" {
	echo "create i arch=ppc440 mem=16M" >"$MNT/ctl"
	echo "load $PPC/inject.elf" >"$MNT/i/ctl"
	# nothing is delivered while MSR[EE] is clear (the loaded core has MSR=0)
	echo "external=1" >"$MNT/i/events"
	[ "$(field "$MNT/i/events" external)" = 1 ]
	[ "$(field "$MNT/i/events" deliverable)" = 0 ]
	echo "external=0" >"$MNT/i/events"
	write_fails EINVAL "$MNT/i/events" "critical=2"
	write_fails EINVAL "$MNT/i/events" "nmi=1"
	echo start >"$MNT/i/ctl"
	wait_until 5 eval 'vm_console i | grep -q ready'
	echo "external=1" >"$MNT/i/events"
	wait_until 5 eval 'vm_console i | grep -q "external interrupts=0x00000001"'
	echo "critical=1" >"$MNT/i/events"
	wait_until 5 eval 'vm_console i | grep -q "critical interrupts=0x00000001"'
	echo "machine_check=1" >"$MNT/i/events"
	wait_until 5 eval 'vm_console i | grep -q "mcsr=0x80000000"'
	wait_until 5 eval '[ "$(vm_exit i)" = "reason=system_event type=reset code=3" ]'
	[ "$(vm_console i)" = "ready
external interrupts=0x00000001
critical interrupts=0x00000001
machine checks=0x00000001
  mcsr=0x80000000" ]
	[ "$(field "$MNT/i/cpu/0/mmu" int_external)" = 1 ]
	[ "$(field "$MNT/i/cpu/0/mmu" int_critical)" = 1 ]
	[ "$(field "$MNT/i/cpu/0/mmu" int_machine_check)" = 1 ]
	[ "$(field "$MNT/i/events" external)" = 0 ]
}

@test "tlb: every field written by index reads back; refusals change nothing" {
	local line
	echo "create m arch=ppc440 mem=16M" >"$MNT/ctl"
	echo "index=7 valid=1 tid=0x2a ts=1 epn=0x40000000 size=16M rpn=0x1000000 erpn=0x3 ux=1 uw=1 ur=1 sx=1 sw=1 sr=1 w=1 i=1 m=1 g=1 e=1 u0=1 u1=1 u2=1 u3=1" >"$MNT/m/tlb"
	line="index=7 valid=1 tid=0x2a ts=1 epn=0x40000000 size=16M rpn=0x1000000 erpn=0x3 ux=1 uw=1 ur=1 sx=1 sw=1 sr=1 w=1 i=1 m=1 g=1 e=1 u0=1 u1=1 u2=1 u3=1"
	[ "$(rd "$MNT/m/tlb" | sed -n 8p)" = "$line" ]
	# a partial write changes only what it names
	echo "index=7 ux=0 e=0 size=4K epn=0x40001000" >"$MNT/m/cpu/0/tlb"
	[ "$(rd "$MNT/m/tlb" | sed -n 8p)" = "index=7 valid=1 tid=0x2a ts=1 epn=0x40001000 size=4K rpn=0x1000000 erpn=0x3 ux=0 uw=1 ur=1 sx=1 sw=1 sr=1 w=1 i=1 m=1 g=1 e=0 u0=1 u1=1 u2=1 u3=1" ]
	write_fails EINVAL "$MNT/m/tlb" "valid=1"
	write_fails EINVAL "$MNT/m/tlb" "index=64 valid=1"
	write_fails EINVAL "$MNT/m/tlb" "index=7 size=2M"
	write_fails ERANGE "$MNT/m/tlb" "index=7 tid=256"
	write_fails EINVAL "$MNT/m/tlb" "index=7 epn=0x40000100"
	write_fails ERANGE "$MNT/m/tlb" "index=7 erpn=16"
	write_fails ERANGE "$MNT/m/tlb" "index=7 sr=2"
	write_fails EINVAL "$MNT/m/tlb" "index=7 colour=1"
	write_fails EINVAL "$MNT/m/tlb" "index=7 size=16M"	# epn 0x40001000 is not 16M aligned
	write_fails EINVAL "$MNT/m/tlb" "index=7 valid=0 bogus=1"
	[ "$(rd "$MNT/m/tlb" | sed -n 8p)" = "index=7 valid=1 tid=0x2a ts=1 epn=0x40001000 size=4K rpn=0x1000000 erpn=0x3 ux=0 uw=1 ur=1 sx=1 sw=1 sr=1 w=1 i=1 m=1 g=1 e=0 u0=1 u1=1 u2=1 u3=1" ]
}

@test "sregs: SPRs written by name read back; refusals change nothing" {
	echo "create s arch=ppc440 mem=16M" >"$MNT/ctl"
	echo "sprg0=0x11 sprg7=0x77 usprg0=0x5 ivpr=0x12340000 ivor15=0x1f0 pid=0x2a iac1=0x1000 dac2=0x2000 dbcr0=0x40800000 decar=1000 srr0=0x100 csrr1=0x200" >"$MNT/s/sregs"
	[ "$(field "$MNT/s/sregs" sprg0)" = 0x11 ]
	[ "$(field "$MNT/s/sregs" sprg7)" = 0x77 ]
	[ "$(field "$MNT/s/sregs" usprg0)" = 0x5 ]
	[ "$(field "$MNT/s/sregs" ivpr)" = 0x12340000 ]
	[ "$(field "$MNT/s/sregs" ivor15)" = 0x1f0 ]
	[ "$(field "$MNT/s/sregs" pid)" = 0x2a ]
	[ "$(field "$MNT/s/sregs" iac1)" = 0x1000 ]
	[ "$(field "$MNT/s/sregs" dac2)" = 0x2000 ]
	[ "$(field "$MNT/s/sregs" dbcr0)" = 0x40800000 ]
	[ "$(field "$MNT/s/sregs" decar)" = 0x3e8 ]
	[ "$(field "$MNT/s/sregs" srr0)" = 0x100 ]
	[ "$(field "$MNT/s/sregs" csrr1)" = 0x200 ]
	[ "$(field "$MNT/s/sregs" pvr)" = 0x422218d3 ]
	write_fails ERANGE "$MNT/s/sregs" "pid=0x100 sprg0=0x99"
	write_fails EINVAL "$MNT/s/sregs" "sprg9=1"
	[ "$(field "$MNT/s/sregs" sprg0)" = 0x11 ]
	[ "$(field "$MNT/s/sregs" pid)" = 0x2a ]
}

@test "a 16 MiB guest page touched at all 4096 pieces: shadow fills rise, the guest sees no TLB miss" {
	ppc_run b bigpage 64M
	assert_file_line "$MNT/b/cpu/0/exit" "reason=system_event type=reset code=3"
	[ "$(vm_console b)" = "$(cat "$PPC/bigpage.expect")" ]
	local mmu=$MNT/b/cpu/0/mmu
	rd "$mmu" | grep -E '^(shadow_fills|shadow_hits|guest_dtlb_misses|tlbwe|int_dtlb_miss)='
	[ "$(field "$mmu" shadow_fills)" -ge 4096 ]
	[ "$(field "$mmu" guest_dtlb_misses)" = 0 ]
	[ "$(field "$mmu" guest_itlb_misses)" = 0 ]
	[ "$(field "$mmu" int_dtlb_miss)" = 0 ]
	[ "$(field "$mmu" tlbwe)" = 6 ]
	# the shadow entries of the big page all come from guest entry 5
	[ "$(rd "$mmu" | grep -c 'ea=0x5.* guest=5$')" -gt 0 ]
	[ "$(rd "$mmu" | grep 'ea=0x5' | grep -vc 'guest=5$')" = 0 ]
}
