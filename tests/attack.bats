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

running_vcpus() {
	local n=0 vm

	for vm in "$@"; do
		n=$((n + $(grep -c 'state=running' "$MNT/$vm/ctl" 2>/dev/null || true)))
	done
	echo "$n"
}

vcpus_running() {		# N VM...: N vcpus of these VMs are running
	local n=$1
	shift
	[ "$(running_vcpus "$@")" -eq "$n" ]
}

@test "blocked runs of 8 attackers hold no daemon worker; the victim's regs and info keep answering" {
	local attackers=8 cpus=4 vms=() a i
	for a in $(seq $attackers); do
		as_attacker sh -c "$spin_vms_script" sh "$MNT" "a$a-" $cpus "$VMMFS_MNT_BASE"
		for i in $(seq 0 $((cpus - 1))); do
			vms+=("a$a-$i")
		done
	done
	for a in $(seq $attackers); do
		attacker_bg sh -c "$block_runs_script" sh "$MNT" "a$a-" $cpus
	done
	wait_until $((30 * VMMFS_SLOW)) vcpus_running $((attackers * cpus)) "${vms[@]}"
	# a worker per blocked run would be 32 threads above the vcpus' own
	threads=$(daemon_threads)
	echo "# $threads daemon threads with $((attackers * cpus)) vcpus in blocked runs" >&3
	assert [ "$threads" -lt $((attackers * cpus + 24)) ]
	vm_new victim
	vm_load victim hello.elf
	for _ in $(seq 10); do
		still_answers "$MNT/victim/regs"
		still_answers "$MNT/info"
	done
	vm_run victim
	assert_file_line "$MNT/victim/cpu/0/exit" "reason=system_event type=exit code=0"
	# the attacker's runs are still blocked, and end when their VM goes
	assert_equal "$(running_vcpus a1-0 a1-1 a1-2 a1-3)" $cpus
	for i in $(seq 0 $((cpus - 1))); do
		as_attacker rmdir "$MNT/a1-$i"
	done
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
	for _ in $(seq 200); do
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
