#!/usr/bin/env bats
# The KVM PowerPC paravirtual interface on the 440, through the files: the
# /hypervisor node in dtb, hypercalls counted in stats, the magic page seen
# through mem, a guest that patches itself (tests/guests/ppc/pv.c), and the
# hypercall and OSI exits that userspace completes through `exit`.

load lib/vmmfs

setup() { vmmfs_setup; }
teardown() { vmmfs_teardown; }

PV=tests/guests/ppc/pv.elf

# pv_vm NAME [create options]: a ppc440 VM with 16 MiB
pv_vm() {
	local name=$1
	shift
	[ -f "$PV" ] || fail "$PV is missing: run make"
	echo "create $name arch=ppc440 $*" >"$MNT/ctl"
	echo "slot=0 gpa=0 size=16M" >"$MNT/$name/memslots"
}

stat_of() {
	rd "$MNT/$1/stats" | sed -n "s/^$2=//p"
}

# run_until NAME PATTERN: run until the exit matches (at most 10 exits)
run_until() {
	for _ in $(seq 10); do
		vm_run "$1" || return 1
		EXIT=$(vm_exit "$1")
		case $EXIT in $2) return 0 ;; *system_event*) break ;; esac
	done
	fail "no exit like '$2'; the last: $EXIT"
}

@test "pv: the device tree has /hypervisor with the hypercall instructions; pv=off leaves it out" {
	pv_vm p
	echo "load $PV" >"$MNT/p/ctl"
	run dtc -I dtb -O dts "$MNT/p/dtb"
	assert_success
	assert_output --partial 'compatible = "linux,kvm\0epapr,hypervisor-1";'
	assert_output --partial 'hcall-instructions = <0x3c004b56 0x60004d21 0x44000002 0x60000000>;'
	assert_output --partial 'hypercall-instructions = <0x3c004b56 0x60004d21 0x44000002 0x60000000>;'
	assert_output --partial 'has-idle;'
	echo "load $PV pv=off" >"$MNT/p/ctl"
	run dtc -I dtb -O dts "$MNT/p/dtb"
	refute_output --partial hypervisor
	pv_vm q pv=off
	echo "load $PV" >"$MNT/q/ctl"
	run dtc -I dtb -O dts "$MNT/q/dtb"
	refute_output --partial hypervisor
	write_fails EINVAL "$MNT/ctl" "create r arch=ppc440 pv=maybe"
}

@test "pv: hypercalls are counted, the magic page is coherent, holds interrupts off, readable through mem" {
	pv_vm p
	echo "load $PV" >"$MNT/p/ctl"
	run_until p "reason=mmio gpa=0xe0000004 *"
	[ "$(stat_of p hcall_features)" = 1 ]
	[ "$(stat_of p hcall_map_magic_page)" = 1 ]
	[ "$(stat_of p hcall_unimplemented)" = 1 ]
	run vm_console p
	assert_output --partial "features: r4=0x00000002"	# KVM_FEATURE_MAGIC_PAGE
	assert_output --partial "map magic: r4=0x00000003"	# KVM_MAGIC_FEAT_SR | MAS0_TO_SPRG7
	assert_output --partial "magic: coherent"
	assert_output --partial "hcall 99: r3=0x0000000c"	# EV_UNIMPLEMENTED
	# a decrementer interrupt waits while critical == r1, with int_pending set
	assert_output --partial "critical: taken inside=0x00000000"
	assert_output --partial "critical: int_pending=0x00000001"
	assert_output --partial "critical: taken after=0x00000001"
	# EV_IDLE halts until the next one
	assert_output --partial "idle: r3=0x00000000"
	assert_output --partial "idle: decrementer interrupts=0x00000002"
	[ "$(stat_of p hcall_idle)" = 1 ]
	# the guest put the page at physical 0xf00000: its msr (offset 88, low word at 92) is the CPU's
	msr=$(rd "$MNT/p/regs" | sed -n 's/^msr=//p')
	word=$(od -An -tx1 -j $((0xf00000 + 92)) -N4 "$MNT/p/mem" | tr -d ' ')
	[ "$((16#$word))" = "$((msr))" ]
	word=$(od -An -tx1 -j $((0xf00000 + 52)) -N4 "$MNT/p/mem" | tr -d ' ')
	[ "$word" = 00001234 ]	# SPRG2, written with a trapping mtspr
	srr0=$(rd "$MNT/p/sregs" | sed -n 's/^srr0=//p')
	word=$(od -An -tx1 -j $((0xf00000 + 68)) -N4 "$MNT/p/mem" | tr -d ' ')
	[ "$((16#$word))" = "$((srr0))" ]
}

@test "pv: the guest patches itself like Linux's kvm.c; the same loop stops trapping and gives the same result" {
	pv_vm p
	echo "load $PV" >"$MNT/p/ctl"
	run_until p "reason=mmio gpa=0xe0000004 *"
	t1=$(stat_of p traps)
	run_until p "reason=mmio gpa=0xe0000008 *"
	t2=$(stat_of p traps)
	m2=$(( $(stat_of p magic_read_fills) + $(stat_of p magic_write_fills) ))
	run_until p "reason=system_event *"
	t3=$(stat_of p traps)
	m3=$(( $(stat_of p magic_read_fills) + $(stat_of p magic_write_fills) ))
	# 20000 iterations: 17 traps each as assembled, none once patched
	[ $((t2 - t1)) -ge 340000 ]
	[ $((t3 - t2)) -lt 100 ]
	# the magic page is reached through the soft TLB: only its fills are
	# counted, and the patched loop's million accesses hit
	[ "$m3" -gt 0 ] && [ $((m3 - m2)) -lt 1000 ]
	[ "$(stat_of p trap_wrteei)" -ge 40000 ]
	run vm_console p
	assert_output --partial "patched sites=0x00000011"
	trapping=$(echo "$output" | sed -n 's/^loop trapping: \(sum=[0-9a-fx]*\).*/\1/p')
	patched=$(echo "$output" | sed -n 's/^loop patched: \(sum=[0-9a-fx]*\).*/\1/p')
	[ -n "$trapping" ] && [ "$trapping" = "$patched" ]
}

@test "pv: without /hypervisor the guest only traps" {
	pv_vm p pv=off
	echo "load $PV" >"$MNT/p/ctl"
	run_until p "reason=system_event *"
	run vm_console p
	assert_output --partial "pv: no hypervisor"
	assert_output --partial "sc: system call interrupt"
	[ "$(stat_of p hcall_features)" = 0 ]
	[ "$(stat_of p magic_read_fills)" = 0 ]
}

@test "pv: enable-cap hcall-exit sends an unknown hypercall to userspace, completed through exit" {
	pv_vm p
	echo "enable-cap hcall-exit" >"$MNT/p/ctl"
	echo "load $PV" >"$MNT/p/ctl"
	run_until p "reason=hypercall *"
	[[ $EXIT == "reason=hypercall nr=0x2a0063 args=0x11,0x22,"* ]] || fail "$EXIT"
	echo "ret=0 out0=0x1234" >"$MNT/p/cpu/0/exit"
	run_until p "reason=mmio *"
	run vm_console p
	assert_output --partial "hcall 99: r3=0x00000000"
	assert_output --partial "hcall 99: r4=0x00001234"
	[ "$(stat_of p hcall_exits)" = 1 ]
}

@test "pv: enable-cap osi ends run with the GPRs; written gprN= replace the guest's" {
	pv_vm p
	echo "enable-cap osi" >"$MNT/p/ctl"
	echo "load $PV" >"$MNT/p/ctl"
	run_until p "reason=osi *"
	[[ $EXIT == *" gpr3=0x113724fa gpr4=0x77810f9b gpr5=0x5 "* ]] || fail "$EXIT"
	echo "gpr5=0xabc" >"$MNT/p/cpu/0/exit"
	run_until p "reason=system_event *"
	run vm_console p
	assert_output --partial "osi: r5=0x00000abc"
	refute_output --partial "sc: system call interrupt"
	[ "$(stat_of p osi_calls)" = 1 ]
}

@test "pv: without enable-cap osi the OSI call is an ordinary system call; unknown caps are refused" {
	pv_vm p
	echo "load $PV" >"$MNT/p/ctl"
	run_until p "reason=system_event *"
	run vm_console p
	assert_output --partial "sc: system call interrupt"
	assert_output --partial "osi: r5=0x00000005"
	write_fails EINVAL "$MNT/p/ctl" "enable-cap papr"
	[[ $LOGLINE == *"papr: unknown capability"* ]] || fail "$LOGLINE"
}
