#!/usr/bin/env bats
# Attacks from an unprivileged user on a daemon mounted with allow_other
# (the user is `nobody`, through setpriv; skipped unless run as root): what
# one user does must neither take the daemon down nor starve other users,
# and churn must not turn into errors for anyone else.

load lib/vmmfs
load lib/attack

setup() {
	case $BATS_TEST_DESCRIPTION in
	*"quotas set at mount"*)
		attack_setup -o max_vms_per_user=3,max_vcpus_per_user=5,max_mem_per_user=64M ;;
	*) attack_setup ;;
	esac
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
	local attackers=8 runs=3 a i
	for a in $(seq $attackers); do
		as_attacker sh -c "$spin_vms_script" sh "$MNT" "a$a-" $runs "$VMMFS_MNT_BASE"
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
	# the attacker's VMs first: its churn moves VMs about the whole listing
	attacker_bg "$ATTACKER_PYTHON" -c '
import os, random, sys
m = sys.argv[1]
mine = []
for i in range(10):
    os.mkdir("%s/a%d" % (m, i)); mine.append("a%d" % i)
i = 10
while True:
    os.rmdir("%s/%s" % (m, mine.pop(random.randrange(len(mine)))))
    n = ("a%d-" % i + "x" * random.randrange(60))[:63]
    os.mkdir("%s/%s" % (m, n)); mine.append(n)
    i += 1
' "$MNT"
	wait_until 10 grep -qx "vms=[1-9][0-9]" "$MNT/info" || { cat "$BATS_TEST_TMPDIR/attacker.out"; false; }
	# enough VMs that one listing takes several readdir requests (a page each)
	for i in $(seq 120); do
		mkdir "$MNT/root-vm-with-a-long-name-that-fills-the-page-$i"
	done
	run timeout 60 python3 -c '
import os, sys, time
m = sys.argv[1]
want = {"root-vm-with-a-long-name-that-fills-the-page-%d" % i for i in range(1, 121)}
end, n = time.time() + 10, 0
while time.time() < end:
    names = os.listdir(m)
    n += 1
    if want - set(names):
        sys.exit("listing %d lost %s" % (n, sorted(want - set(names))[:3]))
    if len(names) != len(set(names)):
        sys.exit("listing %d has duplicates" % n)
print("%d listings" % n)
' "$MNT"
	assert_success
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

stat_of() {		# VM NAME: a counter of the VM's stats
	rd "$MNT/$1/stats" | sed -n "s/^$2=//p"
}

# Changing the memslots of a VM holds all its vcpus at once: with 64 that is
# more mutexes than ThreadSanitizer's deadlock detector can follow in one
# thread (it aborts), so make check-tsan leaves these two out.
skip_under_tsan_64_vcpus() {
	[ "${VMMFS_SANITIZER:-}" != tsan ] || skip "64 vcpus held at once exceed ThreadSanitizer's deadlock detector"
}

# A VM of 64 vcpus gives each a 64th of the VM's decoded-code budget (1 MiB
# of CODE_CACHE_MAX's 64), so a short guest fills vcpu 0's share many times.
@test "x86: a guest calling into every byte of a nop/ret sled keeps its decoded blocks within the VM's budget" {
	skip_under_tsan_64_vcpus
	as_attacker sh -c 'echo "create s cpus=64" >"$1/ctl" && echo "slot=0 gpa=0 size=16M" >"$1/s/memslots" &&
		cd "$2" && echo "load hello.elf" >"$1/s/ctl"' sh "$MNT" "$VMMFS_MNT_BASE"
	# 64 KiB of 90 c3 (nop; ret) at 1 MiB, then a ret
	python3 -c 'import sys; sys.stdout.buffer.write(b"\x90\xc3" * 32768 + b"\xc3")' |
		as_attacker dd of="$MNT/s/mem" bs=64K seek=16 iflag=fullblock conv=notrunc status=none
	# mov esp,0x8000; mov ebx,0x100000; 1: call *ebx; inc ebx; cmp ebx,0x110000; jb 1b;
	# mov al,0; out al,0xf4 (debug exit)
	printf '\xbc\x00\x80\x00\x00\xbb\x00\x00\x10\x00\xff\xd3\x43\x81\xfb\x00\x00\x11\x00\x72\xf5\xb0\x00\xe6\xf4\xeb\xfe' |
		as_attacker dd of="$MNT/s/mem" bs=1 seek=$((0x8000)) conv=notrunc status=none
	echo rip=0x8000 >"$MNT/s/regs"
	vm_run s
	assert_file_line "$MNT/s/cpu/0/exit" "reason=system_event type=exit code=0"
	assert [ "$(stat_of s blocks_decoded)" -ge 65536 ]
	assert [ "$(stat_of s block_flushes)" -ge 8 ]
	assert [ "$(stat_of s code_cache_bytes)" -le $((1 << 20)) ]
}

@test "ppc440: a guest calling into 256 pages keeps its decoded code within the VM's budget" {
	skip_under_tsan_64_vcpus
	as_attacker sh -c 'echo "create p arch=ppc440 cpus=64" >"$1/ctl" && echo "slot=0 gpa=0 size=16M" >"$1/p/memslots"' sh "$MNT"
	echo "load tests/guests/ppc/hello.elf" >"$MNT/p/ctl"
	# a blr at the start of each page of [2 MiB, 3 MiB)
	python3 -c 'import sys; sys.stdout.buffer.write((b"\x4e\x80\x00\x20" + bytes(4092)) * 256)' |
		dd of="$MNT/p/mem" bs=64K seek=32 iflag=fullblock conv=notrunc status=none
	# lis r3,0x20; lis r4,0x30; 1: mtctr r3; bctrl; addi r3,r3,4096; cmpw r3,r4; blt 1b;
	# then a store to an unmapped address: hello.elf's handler resets the board
	python3 -c 'import sys, struct; sys.stdout.buffer.write(struct.pack(">10I", 0x3c600020, 0x3c800030,
		0x7c6903a6, 0x4e800421, 0x38631000, 0x7c032000, 0x4180fff0, 0x3ca0d000, 0x90650000, 0x48000000))' |
		dd of="$MNT/p/mem" bs=1 seek=$((0x380000)) conv=notrunc status=none
	echo pc=0x380000 >"$MNT/p/regs"
	vm_run p
	assert_file_line "$MNT/p/cpu/0/exit" "reason=system_event type=reset code=3"
	assert [ "$(stat_of p block_flushes)" -ge 7 ]
	assert [ "$(stat_of p code_cache_bytes)" -le $((1 << 20)) ]
}

@test "per-user quotas set at mount: VMs and vcpus ENOSPC, memory ENOMEM, each with a log line; root is not limited" {
	run rd "$MNT/info"
	assert_line max_vms_per_user=3
	assert_line max_vcpus_per_user=5
	assert_line max_mem_per_user=67108864
	assert_line vms_reserved_for_root=64
	assert_equal "$(attacker_write "$MNT/ctl" "create a1 cpus=2 mem=32M")" OK
	assert_equal "$(attacker_write "$MNT/ctl" "create a2 cpus=2")" OK
	# 2 + 2 + 2 vcpus > 5
	assert_equal "$(attacker_write "$MNT/ctl" "create a3 cpus=2")" ENOSPC
	run rd "$MNT/log"
	assert_line --partial "create a3: uid 65534 has 4 vcpus; 2 more would pass its quota of 5 (max_vcpus_per_user)"
	assert_equal "$(attacker_write "$MNT/ctl" "create a3")" OK
	run as_attacker mkdir "$MNT/a4"
	assert_failure
	assert_output --partial "No space left on device"
	run rd "$MNT/log"
	assert_line --partial "mkdir a4: uid 65534 has 3 VMs, its quota (max_vms_per_user)"
	# 32M held by a1: 32M more fits, then nothing
	assert_equal "$(attacker_write "$MNT/a2/memslots" "slot=0 gpa=0 size=32M")" OK
	assert_equal "$(attacker_write "$MNT/a3/memslots" "slot=0 gpa=0 size=4K")" ENOMEM
	run rd "$MNT/a3/log"
	assert_line --partial "memslots: uid 65534's VMs hold 0x4000000 bytes of guest memory; 0x1000 more would pass its quota of 0x4000000 (max_mem_per_user)"
	# what a VM gives back can be used again; moving a slot costs nothing more
	assert_equal "$(attacker_write "$MNT/a2/memslots" "slot=0 size=0")" OK
	assert_equal "$(attacker_write "$MNT/a3/memslots" "slot=0 gpa=0 size=16M")" OK
	assert_equal "$(attacker_write "$MNT/a3/memslots" "slot=0 gpa=0x1000000 size=16M")" OK
	as_attacker rmdir "$MNT/a1"
	assert_equal "$(attacker_write "$MNT/ctl" "create a4 mem=48M")" OK
	# root has no quota
	echo "create r1 cpus=8 mem=128M" >"$MNT/ctl"
	for i in 2 3 4 5; do mkdir "$MNT/r$i"; done
}

@test "the default quotas: one user holds at most 64 VMs, and root still creates VMs" {
	run rd "$MNT/info"
	assert_line max_vms_per_user=64
	assert_line max_vcpus_per_user=256
	as_attacker sh -c 'i=0; while [ $i -lt 64 ]; do mkdir "$1/a$i" || exit 1; i=$((i + 1)); done' sh "$MNT"
	run as_attacker mkdir "$MNT/a64"
	assert_failure
	assert_equal "$(attacker_write "$MNT/ctl" "create b cpus=64")" ENOSPC
	mkdir "$MNT/root-vm"
	echo "create root-vm2 cpus=64" >"$MNT/ctl"
	run rd "$MNT/info"
	assert_line vms=66
}

@test "polling a quiet console in a loop keeps one waiter per open file" {
	vm_new t
	run python3 - "$MNT/t/console" "$MNT/info" <<'PY'
import select, sys
f = open(sys.argv[1], "rb")
p = select.poll()
p.register(f, select.POLLIN)
for _ in range(2000):
    p.poll(1)
# while the file is still open
print(open(sys.argv[2]).read())
PY
	assert_success
	assert_line poll_waiters=1
}
