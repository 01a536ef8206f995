#!/usr/bin/env bats
# The run loop from a shell: KVM_RUN as `echo run`, exits as a file, I/O and
# MMIO answered by the test, the console, background runs and stopping them.

load lib/vmmfs

setup() { vmmfs_setup; }
teardown() { vmmfs_teardown; }

# A guest that never exits by itself: hello.elf's entry state (flat 32-bit
# protected mode), with `jmp .` (eb fe) at 0x8000 and rip pointing there.
spin_guest() {
	vm_new "$1" 16M
	vm_load "$1" hello.elf
	printf '\xeb\xfe' | dd of="$MNT/$1/mem" bs=1 seek=$((0x8000)) conv=notrunc status=none
	echo "rip=0x8000" >"$MNT/$1/regs"
}

# The VM's state as its ctl shows it.
vm_state() {
	rd "$MNT/$1/ctl"
}

state_is() {
	[[ "$(vm_state "$1")" == $2 ]]
}

not_running() {
	! state_is "$1" "state=running*"
}

@test "hello.elf prints on the console and exits with system_event code 0" {
	vm_new t
	vm_load t hello.elf
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	run vm_console t
	assert_success
	assert_output "Hello from vmmfs"
	assert_file_line "$MNT/t/ctl" "state=exited reason=system_event type=exit code=0"
	run rd "$MNT/t/stats"
	assert_line --regexp '^instructions=[1-9][0-9]*$'
	assert_line --regexp '^exits=[1-9][0-9]*$'
}

@test "the run loop of the README works as written" {
	need_guest hello.elf
	# the README's shell block, on our mount instead of /vms
	script=$(sed -n '/^```sh$/,/^```$/p' README.md | sed '1d;$d' | grep -v '^vmmfs /vms$')
	[[ "$script" == *"while echo run"* ]]
	script=${script//\/vms/$MNT}
	run timeout 20 sh -c "$script"
	assert_success
	# the console, then the VM's log
	assert_line --index 0 "Hello from vmmfs"
	assert_line --index 1 "created: arch=x86 mem=0x0 cpus=1"
	assert_line --index 2 --regexp "^loaded .*hello\.elf"
}

@test "an IN from an unclaimed port is answered from the shell" {
	vm_new t
	vm_load t io.elf
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=io dir=in port=0x510 size=1 count=1 data=0x0"
	assert_file_line "$MNT/t/ctl" "state=exited reason=io dir=in port=0x510 size=1 count=1 data=0x0"
	echo "data=0x41" >"$MNT/t/cpu/0/exit"
	vm_run t
	run vm_exit t
	assert_output --regexp '^reason=io dir=out port=0x511 size=1 count=1 data=0x42$'
	run vm_console t
	assert_output --partial "io: read 0x00000041"
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
}

@test "an MMIO write and an MMIO read outside every slot; the read is completed from the shell" {
	vm_new t
	vm_load t mmio.elf
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=mmio gpa=0xd0000000 len=4 write=1 data=0x12345678"
	vm_run t
	run vm_exit t
	assert_output --regexp '^reason=mmio gpa=0xd0000004 len=4 write=0( |$)'
	echo "data=0xcafef00d" >"$MNT/t/cpu/0/exit"
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	run vm_console t
	assert_output --regexp '[cC][aA][fF][eE][fF]00[dD]'
}

@test "an unanswered IN reads all ones, like a floating bus" {
	vm_new t
	vm_load t io.elf
	vm_run t
	vm_run t
	run vm_exit t
	assert_output --regexp '^reason=io dir=out port=0x511 size=1 count=1 data=0x0$'
}

@test "dirty_log shows exactly the pages the guest wrote, and only new ones on the next read" {
	# dirty.elf writes gfns 0x200 0x201 0x205, stops at an OUT, then writes
	# 0x300 and exits; only the slot that holds those pages logs.
	mkdir "$MNT/t"
	echo "slot=0 gpa=0 size=2M" >"$MNT/t/memslots"
	echo "slot=1 gpa=2M size=2M flags=dirty_log" >"$MNT/t/memslots"
	vm_load t dirty.elf
	run rd "$MNT/t/dirty_log"
	assert_output ''
	vm_run t
	run vm_exit t
	assert_output --regexp '^reason=io dir=out port=0x510 '
	run rd "$MNT/t/dirty_log"
	assert_output "$(printf '%s\n%s' \
		"slot=1 gfn=0x200 gpa=0x200000 pages=2" \
		"slot=1 gfn=0x205 gpa=0x205000 pages=1")"
	run rd "$MNT/t/dirty_log"
	assert_output ''
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=0"
	assert_file_line "$MNT/t/dirty_log" "slot=1 gfn=0x300 gpa=0x300000 pages=1"
	run rd "$MNT/t/dirty_log"
	assert_output ''
}

@test "dirty_log: writes through mem are not logged, a page written again after a harvest is" {
	vm_new t 16M
	echo "slot=0 flags=dirty_log" >"$MNT/t/memslots"
	vm_load t dirty.elf
	rd "$MNT/t/dirty_log" >/dev/null
	printf 'x' | dd of="$MNT/t/mem" bs=1 seek=$((0x280000)) conv=notrunc status=none
	vm_run t
	run rd "$MNT/t/dirty_log"
	assert_line "slot=0 gfn=0x200 gpa=0x200000 pages=2"
	assert_line "slot=0 gfn=0x205 gpa=0x205000 pages=1"
	refute_line --partial 'gfn=0x280 '
	refute_line --partial 'gfn=0x300 '
	vm_run t
	run rd "$MNT/t/dirty_log"
	assert_line "slot=0 gfn=0x300 gpa=0x300000 pages=1"
	refute_line --partial 'gfn=0x200 '
}

@test "step runs exactly N instructions and exits with reason=debug kind=step" {
	vm_new t
	vm_load t hello.elf
	echo step >"$MNT/t/cpu/0/ctl"
	run vm_exit t
	assert_output --regexp '^reason=debug kind=step '
	run rd "$MNT/t/cpu/0/stats"
	assert_line 'instructions=1'
	echo "step 4" >"$MNT/t/cpu/0/ctl"
	run rd "$MNT/t/cpu/0/stats"
	assert_line 'instructions=5'
}

@test "two VMs run at once, each with its own console" {
	vm_new a
	vm_new b
	vm_load a io.elf
	vm_load b io.elf
	loop() {
		while echo run >"$MNT/$1/cpu/0/ctl"; do
			case $(cat "$MNT/$1/cpu/0/exit") in
			*reason=io*dir=in*) echo "data=$2" >"$MNT/$1/cpu/0/exit" ;;
			*reason=system_event*) return 0 ;;
			esac
		done
		return 1
	}
	timeout 20 bash -c "$(declare -f loop); MNT='$MNT'; loop a 0x61" &
	pa=$!
	timeout 20 bash -c "$(declare -f loop); MNT='$MNT'; loop b 0x7a" &
	pb=$!
	wait "$pa"
	wait "$pb"
	run vm_console a
	assert_output "io: read 0x00000061"
	run vm_console b
	assert_output "io: read 0x0000007a"
}

@test "start runs every VM in the background; both finish with their own output" {
	vm_new a
	vm_new b
	vm_load a hello.elf
	vm_load b hello.elf
	echo start >"$MNT/a/ctl"
	echo start >"$MNT/b/ctl"
	wait_until 10 state_is a "state=exited reason=system_event*"
	wait_until 10 state_is b "state=exited reason=system_event*"
	assert_file_line "$MNT/a/ctl" "state=exited reason=system_event type=exit code=0"
	run vm_console a
	assert_output "Hello from vmmfs"
	run vm_console b
	assert_output "Hello from vmmfs"
}

# A blocked `run` in the background, its errno to run.out; RUNNER is its pid.
start_runner() {
	"$ERRNO_WRITE" "$MNT/$1/cpu/0/ctl" run >"$BATS_TEST_TMPDIR/run.out" &
	RUNNER=$!
	wait_until 5 state_is "$1" "state=running*"
	sleep 0.3
	pid_alive "$RUNNER"		# still blocked in the run
}

runner_done() {
	! pid_alive "$RUNNER"
}

@test "stop on the VM's ctl from another shell ends a blocked run: the write succeeds, reason=intr" {
	spin_guest t
	start_runner t
	echo stop >"$MNT/t/ctl"
	wait_until 5 runner_done
	assert_equal "$(cat "$BATS_TEST_TMPDIR/run.out")" OK
	assert_file_line "$MNT/t/cpu/0/exit" "reason=intr"
	run vm_state t
	assert_output --regexp '^state=(stopped|exited) reason=intr$'
	run rd "$MNT/t/regs"
	assert_line "rip=0x8000"
	run rd "$MNT/t/stats"
	assert_line --regexp '^instructions=[0-9]{4,}$'
}

@test "stop N on the VM's ctl ends the blocked run of vcpu N (cpu/N/ctl is busy with the run)" {
	spin_guest t
	start_runner t
	echo "stop 0" >"$MNT/t/ctl"
	wait_until 5 runner_done
	assert_equal "$(cat "$BATS_TEST_TMPDIR/run.out")" OK
	assert_file_line "$MNT/t/cpu/0/exit" "reason=intr"
	write_fails EINVAL "$MNT/t/ctl" "stop 1"
}

@test "stop on cpu/0/ctl stops a vcpu running in the background" {
	spin_guest t
	echo start >"$MNT/t/ctl"
	wait_until 5 state_is t "state=running*"
	echo stop >"$MNT/t/cpu/0/ctl"
	wait_until 5 state_is t "state=exited reason=intr*"
}

@test "Ctrl-C on a blocked run ends it, and the exit says reason=intr" {
	spin_guest t
	run timeout -s INT 1 sh -c "echo run > '$MNT/t/cpu/0/ctl'"
	assert_failure
	wait_until 5 not_running t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=intr"
	# and the vcpu runs again afterwards
	start_runner t
	echo stop >"$MNT/t/ctl"
	wait_until 5 runner_done
	assert_equal "$(cat "$BATS_TEST_TMPDIR/run.out")" OK
}

# The README's loop, with CLIENT doing the `run` write; a stop from another
# shell must end it (clients that retry a write on EINTR would go on).
stop_ends_loop() {
	spin_guest t
	"$@" >"$BATS_TEST_TMPDIR/loop.out" 2>&1 &
	RUNNER=$!
	wait_until 5 state_is t "state=running*"
	sleep 0.3
	echo stop >"$MNT/t/ctl"
	wait_until 5 runner_done || { kill "$RUNNER"; echo stop >"$MNT/t/ctl"; false; }
	wait "$RUNNER"
	run cat "$BATS_TEST_TMPDIR/loop.out"
	assert_output "ended: reason=intr"
}

loop_script='while echo run >"$1"; do
	e=$(cat "$2")
	case $e in *reason=intr*) echo "ended: $e"; break ;; esac
done'

@test "a stop ends the README's loop under dash" {
	stop_ends_loop timeout 10 dash -c "$loop_script" sh "$MNT/t/cpu/0/ctl" "$MNT/t/cpu/0/exit"
}

@test "a stop ends the README's loop under bash" {
	stop_ends_loop timeout 10 bash -c "$loop_script" sh "$MNT/t/cpu/0/ctl" "$MNT/t/cpu/0/exit"
}

@test "a stop ends a Python run loop (os.write retries EINTR)" {
	stop_ends_loop timeout 10 python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
while True:
    os.write(fd, b"run\n")
    e = open(sys.argv[2]).read().strip()
    if "reason=intr" in e:
        print("ended: " + e)
        break
' "$MNT/t/cpu/0/ctl" "$MNT/t/cpu/0/exit"
}

@test "start, then stop through the VM's ctl" {
	spin_guest t
	echo start >"$MNT/t/ctl"
	wait_until 5 state_is t "state=running*"
	write_fails EBUSY "$MNT/t/cpu/0/ctl" run
	echo stop >"$MNT/t/ctl"
	wait_until 5 not_running t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=intr"
}

@test "unmounting while a VM runs in the background ends the daemon cleanly within seconds" {
	spin_guest t
	echo start >"$MNT/t/ctl"
	wait_until 5 state_is t "state=running*"
	start=$SECONDS
	fusermount3 -u "$MNT"
	vmmfs_reap 100
	assert_equal "$VMMFS_STATUS" 0
	[ $((SECONDS - start)) -le 5 ]
	run mountpoint -q "$MNT"
	assert_failure
}

@test "rmdir destroys a running VM" {
	spin_guest t
	echo start >"$MNT/t/ctl"
	wait_until 5 state_is t "state=running*"
	rmdir "$MNT/t"
	[ ! -e "$MNT/t" ]
	run rd "$MNT/info"
	assert_line vms=0
}

@test "regs: a write of some registers changes those and reads back" {
	vm_new t
	vm_load t hello.elf
	before=$(rd "$MNT/t/regs")
	echo "rax=0x1234 rbx=0xfedcba9876543210 r15=42" >"$MNT/t/regs"
	run rd "$MNT/t/regs"
	assert_line rax=0x1234
	assert_line rbx=0xfedcba9876543210
	assert_line r15=0x2a
	# the others did not move
	diff <(grep -vE '^(rax|rbx|r15)=' <<<"$before") <(grep -vE '^(rax|rbx|r15)=' <<<"$output")
	assert_equal "$(rd "$MNT/t/regs")" "$(rd "$MNT/t/cpu/0/regs")"
	assert_line --regexp '^rip=0x[0-9a-f]+$'
	assert_line --regexp '^rflags=0x[0-9a-f]+$'
}

@test "events: an injected interrupt is taken by the guest's IDT handler" {
	vm_new t
	vm_load t events.elf
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=hlt"
	echo "interrupt.injected=1 interrupt.nr=0x40" >"$MNT/t/events"
	run rd "$MNT/t/events"
	assert_line --regexp '^interrupt\.injected=(0x)?1$'
	assert_line --regexp '^interrupt\.nr=(0x40|64)$'
	vm_run t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=hlt"
	run vm_console t
	assert_output --partial "irq 0x40"
	run rd "$MNT/t/cpu/0/events"
	assert_line --regexp '^interrupt\.injected=(0x)?0$'
}

@test "reset cpu puts the vcpu back to its power-on state" {
	vm_new t
	vm_load t hello.elf
	vm_run t
	echo "reset cpu" >"$MNT/t/ctl"
	assert_file_line "$MNT/t/ctl" "state=stopped"
	run rd "$MNT/t/regs"
	assert_line rip=0xfff0
}

@test "code written through mem while the guest runs is what the guest executes next" {
	spin_guest t
	echo start >"$MNT/t/ctl"
	wait_until 5 state_is t "state=running*"
	sleep 0.2
	# replace `jmp .` by `mov al, 7; out 0xf4, al` (the debug-exit port), in
	# one write: the guest must never see half of it
	printf '\xb0\x07\xe6\xf4' |
		dd of="$MNT/t/mem" bs=4 count=1 oflag=seek_bytes seek=$((0x8000)) conv=notrunc status=none
	wait_until 5 not_running t
	assert_file_line "$MNT/t/cpu/0/exit" "reason=system_event type=exit code=7"
}

@test "memslots change while the guest runs in the background" {
	spin_guest t
	echo start >"$MNT/t/ctl"
	wait_until 5 state_is t "state=running*"
	for i in 1 2 3 4 5; do
		echo "slot=1 gpa=0x10000000 size=1M flags=dirty_log" >"$MNT/t/memslots"
		echo "slot=1 gpa=0x20000000" >"$MNT/t/memslots"
		echo "slot=1 size=0" >"$MNT/t/memslots"
	done
	assert_file_line "$MNT/t/memslots" "slot=0 gpa=0x0 size=0x1000000 flags=none backing=anon"
	state_is t "state=running*"
	echo stop >"$MNT/t/ctl"
	wait_until 5 not_running t
}

@test "the console is a growing file: its size is what was printed, a read at the end is EOF" {
	vm_new t
	vm_load t hello.elf
	run stat -c %s "$MNT/t/console"
	assert_output 0
	vm_run t
	run stat -c %s "$MNT/t/console"
	assert_output 17
	run sh -c "timeout 5 dd if='$MNT/t/console' bs=1 skip=17 status=none | wc -c"
	assert_output 0
	run sh -c "timeout 5 dd if='$MNT/t/console' bs=1 skip=6 count=4 status=none"
	assert_output from
	run rd "$MNT/t/stats"
	assert_line console_bytes=17
}

@test "stats count runs and exits by reason, per vcpu and per VM" {
	vm_new t
	vm_load t io.elf
	vm_run t
	echo "data=0x41" >"$MNT/t/cpu/0/exit"
	vm_run t
	vm_run t
	run rd "$MNT/t/cpu/0/stats"
	assert_line runs=3
	assert_line exits=3
	assert_line exits_io=2
	assert_line exits_system_event=1
	assert_line exits_mmio=0
	assert_line --regexp '^pio_handled=[1-9][0-9]*$'	# the UART's output
	run rd "$MNT/t/stats"
	assert_line exits_io=2
	assert_line memslots=1
	assert_line mem_bytes=$((16 << 20))
	assert_line vcpus=1
}
