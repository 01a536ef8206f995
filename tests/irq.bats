#!/usr/bin/env bats
# irq LINE LEVEL on a VM's ctl drives its interrupt controller's inputs.

load lib/vmmfs

setup() { vmmfs_setup; }
teardown() { vmmfs_teardown; }

@test "irq 5 1 reaches a ppc440 guest through UIC0 and its external input" {
	echo "create p arch=ppc440 mem=128M" >"$MNT/ctl"
	echo "load tests/guests/ppc/extirq.elf" >"$MNT/p/ctl"
	echo start >"$MNT/p/ctl"
	wait_until 5 eval 'rd "$MNT/p/console" | grep -q "waiting for input 5"'
	echo "irq 5 1" >"$MNT/p/ctl"
	wait_until 5 eval 'grep -q "^state=exited reason=system_event type=reset" "$MNT/p/ctl"'
	run rd "$MNT/p/console"
	assert_line "waiting for input 5"
	assert_line --regexp "^external interrupt, uic msr=0x04000000$"
	echo "irq 5 0" >"$MNT/p/ctl"
}

@test "irq refusals: a bad line or level, and an arch without an interrupt controller input" {
	echo "create p arch=ppc440 mem=16M" >"$MNT/ctl"
	write_fails EINVAL "$MNT/p/ctl" "irq 5 maybe"
	write_fails EINVAL "$MNT/p/ctl" "irq five 1"
	write_fails ERANGE "$MNT/p/ctl" "irq 32 1"
	run rd "$MNT/p/log"
	assert_output --partial "usage: irq LINE 0|1"
	vm_new x
	run "$ERRNO_WRITE" "$MNT/x/ctl" "irq 4 1"
	refute_output OK
}
