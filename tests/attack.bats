#!/usr/bin/env bats
# Attacks from an unprivileged user on a daemon mounted with allow_other
# (the user is `nobody`, through setpriv; skipped unless run as root): what
# one user does must neither take the daemon down nor starve other users,
# and churn must not turn into errors for anyone else.

load lib/vmmfs
load lib/attack

setup() {
	attack_setup
	cp tests/guests/x86/hello.elf "$VMMFS_MNT_BASE/hello.elf"
	chmod 644 "$VMMFS_MNT_BASE/hello.elf"
}

teardown() { attack_teardown; }

# An attacker's script (run by sh as the attacker): N VMs PREFIX0..N-1, each
# in `jmp .` (hello.elf's entry state, rip on an `eb fe`).
spin_vms_script='
m=$1 prefix=$2 n=$3 dir=$4
i=0
while [ $i -lt "$n" ]; do
	name=$prefix$i
	mkdir "$m/$name" || exit 1
	echo "slot=0 gpa=0 size=2M" >"$m/$name/memslots" || exit 1
	(cd "$dir" && echo "load hello.elf" >"$m/$name/ctl") || exit 1
	printf "\353\376" | dd of="$m/$name/mem" bs=1 seek=32768 conv=notrunc status=none || exit 1
	echo "rip=0x8000" >"$m/$name/regs" || exit 1
	i=$((i + 1))
done
'

# The runs the attacker holds blocked: one background `echo run` per VM.
block_runs_script='
m=$1 prefix=$2 n=$3
i=0
while [ $i -lt "$n" ]; do
	echo run >"$m/$prefix$i/cpu/0/ctl" &
	i=$((i + 1))
done
wait
'

daemon_threads() {
	awk '/^Threads:/ { print $2 }' "/proc/$VMMFS_PID/status"
}

runs_pending() {		# N: the root's info counts N runs waiting for their guest
	grep -qx "runs_pending=$1" "$MNT/info"
}

@test "blocked runs of 8 attackers hold no daemon worker; the victim's regs and info keep answering" {
	local attackers=8 runs=3 vms=() a i
	for a in $(seq $attackers); do
		as_attacker sh -c "$spin_vms_script" sh "$MNT" "a$a-" $runs "$VMMFS_MNT_BASE"
		for i in $(seq 0 $((runs - 1))); do
			vms+=("a$a-$i")
		done
	done
	for a in $(seq $attackers); do
		attacker_bg sh -c "$block_runs_script" sh "$MNT" "a$a-" $runs
	done
	wait_until $((30 * VMMFS_SLOW)) runs_pending $((attackers * runs))
	# a worker per blocked run would be 24 threads above the vcpus' own
	threads=$(daemon_threads)
	echo "# $threads daemon threads with $((attackers * runs)) vcpus in blocked runs" >&3
	assert [ "$threads" -lt $((attackers * runs + 16)) ]
	vm_new victim
	vm_load victim hello.elf
	for _ in $(seq 3); do
		still_answers "$MNT/victim/regs"
		still_answers "$MNT/info"
	done
	vm_run victim
	assert_file_line "$MNT/victim/cpu/0/exit" "reason=system_event type=exit code=0"
	# the attacker's runs are still blocked, and end when their VM goes
	runs_pending $((attackers * runs))
	for i in $(seq 0 $((runs - 1))); do
		as_attacker rmdir "$MNT/a1-$i"
	done
	wait_until 10 runs_pending $(((attackers - 1) * runs))
}

@test "ls of the root never fails while an attacker creates and destroys VMs with names of every length" {
	attacker_bg sh -c '
		i=0
		while :; do
			n=$(printf "%0$((i % 60 + 1))d" $i)
			mkdir "$1/$n" 2>/dev/null
			rmdir "$1/$n" 2>/dev/null
			i=$((i + 1))
		done' sh "$MNT"
	# enough VMs that one listing takes several readdir requests
	for i in $(seq 40); do
		mkdir "$MNT/root-vm-with-a-long-name-$i"
	done
	local end=$((SECONDS + 10))
	while [ $SECONDS -lt $end ]; do
		out=$(timeout 10 ls -f "$MNT" 2>&1) || fail "ls failed: $out"
		for i in $(seq 40); do
			[[ "$out" == *"root-vm-with-a-long-name-$i"* ]] || fail "ls lost root-vm-with-a-long-name-$i"
		done
	done
}

@test "a slot reaching 2^63 is refused (ERANGE): mem's offsets are off_t; mem keeps working below" {
	as_attacker mkdir "$MNT/a"
	assert_equal "$(attacker_write "$MNT/a/memslots" "slot=0 gpa=0 size=64K")" OK
	assert_equal "$(attacker_write "$MNT/a/memslots" "slot=1 gpa=0x8000000000000000 size=4K")" ERANGE
	assert_equal "$(attacker_write "$MNT/a/memslots" "slot=1 gpa=0x7ffffffffffff000 size=4K")" ERANGE
	run rd "$MNT/a/log"
	assert_line --partial "memslots: gpa 0x8000000000000000 + size 0x1000 ends past 0x7ffffffffffff000"
	# the highest slot that fits, and mem at gpa 0 as before
	assert_equal "$(attacker_write "$MNT/a/memslots" "slot=1 gpa=0x7fffffffffffe000 size=4K")" OK
	assert_equal "$(attacker_write -o 0 "$MNT/a/mem" "hello")" OK
	run as_attacker dd if="$MNT/a/mem" bs=5 count=1 status=none
	assert_success
	assert_output hello
}

# FILE is a whole flattened device tree: its magic, and its header's total size.
fdt_ok() {
	local h

	h=$(od -An -tx1 -N8 "$1" | tr -d ' \n')
	[ "${h:0:8}" = d00dfeed ] && [ $((0x${h:8:8})) -eq "$(stat -c %s "$1")" ]
}

@test "dtb read while load replaces the device tree, over and over (a use after free before)" {
	as_attacker sh -c 'echo "create p arch=ppc440" >"$1/ctl" && echo "slot=0 gpa=0 size=16M" >"$1/p/memslots"' sh "$MNT"
	cp tests/guests/ppc/hello.elf "$VMMFS_MNT_BASE/ppc.elf"
	chmod 644 "$VMMFS_MNT_BASE/ppc.elf"
	attacker_bg sh -c 'cd "$2" && while :; do
		echo "load ppc.elf cmdline=$(head -c $((RANDOM % 200 + 1)) /dev/zero | tr "\0" x)" >"$1/p/ctl"
	done' sh "$MNT" "$VMMFS_MNT_BASE"
	attacker_bg sh -c 'while :; do cat "$1/p/dtb" >/dev/null; done' sh "$MNT"
	local end=$((SECONDS + 8)) i=0
	while [ $SECONDS -lt $end ]; do
		i=$((i + 1))
		timeout 10 cat "$MNT/p/dtb" >"$BATS_TEST_TMPDIR/dtb" || fail "dtb read failed"
		[ -s "$BATS_TEST_TMPDIR/dtb" ] || continue	# before the first load
		fdt_ok "$BATS_TEST_TMPDIR/dtb" || fail "read $i: not a whole device tree"
	done
	vmmfs_alive
}
