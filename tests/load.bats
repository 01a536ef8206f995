#!/usr/bin/env bats
# Load: 32 VMs of both architectures run at once while four readers poll
# regs, stats, consoles and dirty logs; every console ends byte-exact.

load lib/vmmfs

setup() { vmmfs_setup; }
teardown() { vmmfs_teardown; }

# VMs per architecture, compute rounds per x86 guest, seconds to finish
# (check-valgrind makes the load lighter: every guest instruction costs more)
N=${VMMFS_LOAD_VMS:-16}
ROUNDS=${VMMFS_LOAD_ROUNDS:-60}
LIMIT=${VMMFS_LOAD_SECONDS:-120}

make_vm() {		# NAME ARCH MEM GUEST [ARGS]
	echo "create $1 arch=$2 mem=$3" >"$MNT/ctl"
	echo "slot=0 flags=dirty_log" >"$MNT/$1/memslots"
	echo "load $4 ${5:-}" >"$MNT/$1/ctl"
}

finished() {
	local f

	for f in "$MNT"/x*/ctl "$MNT"/p*/ctl; do
		grep -q "^state=exited reason=system_event" "$f" || return 1
	done
}

reader() {		# FILE-GLOB...: read them all until told to stop
	while [ ! -e "$BATS_TEST_TMPDIR/stop" ]; do
		for f in "$@"; do cat $f >/dev/null 2>&1 || true; done
	done
}

@test "$((2 * N)) VMs, both architectures, with four readers: every console byte-exact, in bounded time" {
	x86=tests/guests/x86/compute.elf
	xargs=cmdline=rounds=$ROUNDS
	ppc=tests/guests/ppc/isa.elf
	# what each guest prints when it runs alone
	make_vm rx x86 16M "$x86" "$xargs"
	make_vm rp ppc440 128M "$ppc"
	echo start >"$MNT/rx/ctl"; echo start >"$MNT/rp/ctl"
	wait_until "$LIMIT" eval 'grep -q "^state=exited reason=system_event" "$MNT/rx/ctl" && grep -q "^state=exited reason=system_event" "$MNT/rp/ctl"'
	rd "$MNT/rx/console" >"$BATS_TEST_TMPDIR/x.want"
	rd "$MNT/rp/console" >"$BATS_TEST_TMPDIR/p.want"
	[ -s "$BATS_TEST_TMPDIR/x.want" ] && [ -s "$BATS_TEST_TMPDIR/p.want" ]

	for i in $(seq $N); do
		make_vm "x$i" x86 16M "$x86" "$xargs"
		make_vm "p$i" ppc440 128M "$ppc"
	done
	reader "$MNT"/x*/regs "$MNT"/p*/regs &
	r1=$!
	reader "$MNT"/x*/stats "$MNT"/p*/stats &
	r2=$!
	reader "$MNT"/x*/console "$MNT"/p*/console &
	r3=$!
	reader "$MNT"/x*/dirty_log "$MNT"/p*/dirty_log &
	r4=$!
	start=$SECONDS
	for i in $(seq $N); do
		echo start >"$MNT/x$i/ctl"
		echo start >"$MNT/p$i/ctl"
	done
	wait_until "$LIMIT" finished
	touch "$BATS_TEST_TMPDIR/stop"
	wait $r1 $r2 $r3 $r4
	echo "# $((2 * N)) VMs finished in $((SECONDS - start)) s" >&3
	for i in $(seq $N); do
		rd "$MNT/x$i/console" | cmp - "$BATS_TEST_TMPDIR/x.want" || fail "x$i's console differs"
		rd "$MNT/p$i/console" | cmp - "$BATS_TEST_TMPDIR/p.want" || fail "p$i's console differs"
	done
}
