#!/usr/bin/env bats
# Machine resets and command lines, on both architectures: `reset` puts the
# devices and vcpus back and places the last image again (the guests spoil
# their own first words and data, and must print the same after it);
# `reset cpu` resets the vcpus alone; the x86 reset lines and the 440
# watchdog end `run` with system_event type=reset; a reset written while a
# run is blocked ends it as stop does (success, reason=intr); `load ... cmdline=`
# takes the rest of the line byte for byte up to the architecture's size.

load lib/vmmfs
setup() { vmmfs_setup; }
teardown() { vmmfs_teardown; }

PPC=tests/guests/ppc

# x86_reset_vm NAME CMDLINE: the x86 reset guest loaded with that command line
# (printf escapes allowed), in one write.
x86_reset_vm() {
	vm_new "$1" 16M && need_guest reset.elf &&
		printf "load tests/guests/x86/reset.elf cmdline=$2\n" >"$MNT/$1/ctl"
}

ppc_reset_vm() {
	echo "create $1 arch=ppc440 mem=128M" >"$MNT/ctl" &&
		printf "load $PPC/reset.elf cmdline=$2\n" >"$MNT/$1/ctl"
}

# boots_agree NAME CMDLINE: the console holds two identical first boots.
boots_agree() {
	local want
	want=$(printf "cmdline=[$2]\nboot 1\n")
	[ "$(vm_console "$1" | head -2)" = "$want" ] || fail "first boot: $(vm_console "$1")"
	[ "$(vm_console "$1" | grep -c '^boot 1$')" = 2 ] || fail "second boot: $(vm_console "$1")"
	! vm_console "$1" | grep -q '^boot 2$' || fail "the reset kept the guest's data: $(vm_console "$1")"
}

@test "x86: reset places the image again: a guest that spoiled its code and data prints the same" {
	x86_reset_vm t "plain"
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	echo reset >"$MNT/t/ctl"
	assert_file_line "$MNT/t/ctl" "state=stopped"
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	boots_agree t "plain"
	rd "$MNT/t/log" | grep -qx "reset, image placed again"
}

@test "x86: port 0xcf9 bit 2 and the keyboard controller's 0xfe end run with system_event type=reset" {
	local how
	for how in cf9 kbd; do
		x86_reset_vm "$how" "reset=$how"
		vm_run "$how"
		assert_file_line "$MNT/$how/cpu/0/exit" "reason=system_event type=reset code=0"
		echo reset >"$MNT/$how/ctl"
		vm_run "$how"
		assert_file_line "$MNT/$how/cpu/0/exit" "reason=system_event type=reset code=0"
		boots_agree "$how" "reset=$how"
	done
}

@test "x86: a triple fault stays reason=shutdown, and reset brings the machine back" {
	x86_reset_vm t "reset=triple"
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=shutdown"
	echo reset >"$MNT/t/ctl"
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=shutdown"
	boots_agree t "reset=triple"
}

@test "reset cpu resets the vcpus only: the spoiled image stays and the x86 vcpu is at 0xfff0" {
	x86_reset_vm t "plain"
	vm_run t
	echo "reset cpu" >"$MNT/t/ctl"
	assert_file_line "$MNT/t/ctl" "state=stopped"
	run rd "$MNT/t/regs"
	assert_line rip=0xfff0
	# the guest spoiled its multiboot header at 1 MiB
	[ "$(od -An -tx1 -j $((0x100000)) -N4 "$MNT/t/mem" | tr -d ' ')" = ffffffff ]
	write_fails EINVAL "$MNT/t/ctl" "reset cpus"
	[[ "$LOGLINE" == "ctl: usage: reset [cpu]" ]]
}

@test "ppc440: reset places the image again: a guest that spoiled its entry and data prints the same" {
	ppc_reset_vm p "console=ttyS0"
	vm_run p
	assert_file_line "$MNT/p/cpu/0/exit" "reason=system_event type=reset code=3"
	echo reset >"$MNT/p/ctl"
	vm_run p
	assert_file_line "$MNT/p/cpu/0/exit" "reason=system_event type=reset code=3"
	boots_agree p "console=ttyS0"
}

@test "ppc440: the watchdog's reset while the core waits (MSR[WE]) ends run with system_event type=reset" {
	local vm cl
	# with no interrupt enabled (the wait used to end as hlt) and with EE (it never ended)
	for cl in wdt "wdt ee"; do
		vm=p${cl// /}
		ppc_reset_vm "$vm" "$cl"
		vm_run "$vm"
		assert_file_line "$MNT/$vm/cpu/0/exit" "reason=system_event type=reset code=1"
		echo reset >"$MNT/$vm/ctl"
		vm_run "$vm"
		assert_file_line "$MNT/$vm/cpu/0/exit" "reason=system_event type=reset code=1"
		boots_agree "$vm" "$cl"
	done
}

@test "a reset written while a run is blocked ends that run as stop does: a successful write and reason=intr, every time" {
	local i out pid
	vm_new t 16M
	vm_load t hello.elf
	for i in 1 2 3 4 5; do
		printf '\xeb\xfe' | dd of="$MNT/t/mem" bs=1 seek=$((0x8000)) conv=notrunc status=none
		echo "rip=0x8000" >"$MNT/t/regs"
		out=$BATS_TEST_TMPDIR/run.$i
		timeout 10 "$ERRNO_WRITE" "$MNT/t/cpu/0/ctl" run >"$out" &
		pid=$!
		wait_until 5 eval 'grep -q "^state=running" "$MNT/t/ctl"'
		echo reset >"$MNT/t/ctl"
		wait "$pid" || true
		[ "$(cat "$out")" = OK ] || fail "run $i ended with $(cat "$out")"
		assert_file_line "$MNT/t/cpu/0/exit" "reason=intr"
		assert_file_line "$MNT/t/ctl" "state=stopped reason=intr"
	done
}

@test "x86: the command line after cmdline= arrives byte for byte, runs of spaces and tabs and all" {
	local cl='console=ttyS0  a   b\t\tc d=e  '
	x86_reset_vm t "$cl"
	vm_run t
	[ "$(vm_console t | head -1)" = "$(printf "cmdline=[$cl]")" ] || fail "got: $(vm_console t | head -1 | od -c)"
}

@test "ppc440: bootargs arrives byte for byte with more than 64 words" {
	local cl='console=ttyS0  a   b\t\tc' i
	for i in $(seq 70); do cl+=" w$i"; done
	ppc_reset_vm p "$cl"
	vm_run p
	[ "$(vm_console p | head -1)" = "$(printf "cmdline=[$cl]")" ] || fail "got: $(vm_console p | head -1)"
}

@test "a command line longer than the architecture's COMMAND_LINE_SIZE is E2BIG, with a log line" {
	local x511 x2047
	x511=$(head -c 511 /dev/zero | tr '\0' x)
	x2047=$(head -c 2047 /dev/zero | tr '\0' x)
	vm_new t 16M
	write_ok "$MNT/t/ctl" "load tests/guests/x86/reset.elf cmdline=$x2047"
	write_fails E2BIG "$MNT/t/ctl" "load tests/guests/x86/reset.elf cmdline=${x2047}y"
	[[ "$LOGLINE" == *"cmdline is 2048 bytes, longer than x86's 2047" ]] || fail "$LOGLINE"
	echo "create p arch=ppc440 mem=128M" >"$MNT/ctl"
	write_ok "$MNT/p/ctl" "load $PPC/reset.elf cmdline=$x511"
	write_fails E2BIG "$MNT/p/ctl" "load $PPC/reset.elf cmdline=${x511}y"
	[[ "$LOGLINE" == *"cmdline is 512 bytes, longer than ppc440's 511" ]] || fail "$LOGLINE"
}

@test "reset with an image that no longer fits the slots: the loader's errno and log line, the vcpus reset" {
	x86_reset_vm t "plain"
	vm_run t
	echo "slot=0 size=0" >"$MNT/t/memslots"
	echo "slot=0 gpa=0 size=64K" >"$MNT/t/memslots"
	write_fails ENOMEM "$MNT/t/ctl" reset
	[[ "$LOGLINE" == "ctl: reset: the last image cannot be placed again: segment at 0x100000 "* ]] || fail "$LOGLINE"
	assert_file_line "$MNT/t/ctl" "state=stopped"
}
