#!/bin/bash
# Differential test of the ppc440 guests against qemu-system-ppc -M bamboo
# (TCG): the same ELF must print the same under QEMU and under vmmfs.
#
#   tests/diff_ppc.sh               QEMU's output of each compared guest against
#                                   its .expect file (compute: the host build),
#                                   then vmmfs against the same (test_ppc_guests)
#   tests/diff_ppc.sh --update      rewrite those .expect files from QEMU
#   tests/diff_ppc.sh --qemu NAME   print QEMU's output for tests/guests/ppc/NAME.elf
#   tests/diff_ppc.sh --list        the guests compared with QEMU
#
# tests/ppc.bats (make check) runs every compared guest under QEMU and under
# vmmfs through the files and compares the two.
#
# QEMU runs detached from any terminal (serial on stdout, no monitor, no
# display, stdin from /dev/null) for at most QEMU_TIMEOUT seconds;
# a guest that prints nothing in that time fails with status 124, naming the guest.
#
# Not compared with QEMU 7.2, and why:
#   tlbivax, debug  QEMU's 440 has no tlbivax and raises no debug events
#                   (their .expect files are written by hand)
#   timers          QEMU's FIT re-arms only while TSR[FIS] is set: the guest,
#                   which clears FIS in its handler, waits for a second FIT
#                   forever (doc/ppc440.md); timers.expect is written by hand
#   extirq, inject  they wait for interrupts raised through vmmfs' files
#   pv              it needs the /hypervisor node of vmmfs' device tree
set -u
cd "$(dirname "$0")/.."
dir=tests/guests/ppc
guests="hello isa irq tlb fpu compute bigpage"
QEMU_TIMEOUT=${QEMU_TIMEOUT:-10}

# QEMU 7.2 now and then never ends after the fpu guest's DBCR0 reset
# request, more often on a loaded machine: its vcpu keeps spinning and even
# SIGTERM is ignored.  Its output is complete by then, so a run that is cut
# off by the timeout still counts by what it printed, with a warning; a
# guest that truly hangs prints less and fails the comparison.
qemu() {
	local out st

	out=$(timeout -k 2 "$QEMU_TIMEOUT" qemu-system-ppc -M bamboo -display none \
		-monitor none -serial stdio -no-reboot -kernel "$dir/$1.elf" </dev/null 2>/dev/null)
	st=$?
	[ $st = 137 ] && st=124
	if [ $st = 124 ] && [ -n "$out" ]; then
		echo "$1: QEMU did not end within $QEMU_TIMEOUT s; comparing what it printed" >&2
		st=0
	fi
	printf '%s\n' "$out"
	return $st
}

case ${1:-} in
--list) echo $guests; exit 0 ;;
--qemu)
	make -s "$dir/$2.elf" >&2 || exit 1
	qemu "$2"
	st=$?
	[ $st = 124 ] && echo "$2: QEMU did not end within $QEMU_TIMEOUT s" >&2
	exit $st ;;
esac
update=0
[ "${1:-}" = --update ] && update=1
make -s $(for g in $guests; do echo $dir/$g.elf; done) $dir/compute.host || exit 1
fail=0
for g in $guests; do
	got=$(qemu $g)
	st=$?
	if [ $st != 0 ]; then
		echo "not ok - $g: QEMU ended with status $st$([ $st = 124 ] && echo ", a timeout")"
		fail=1
		continue
	fi
	if [ $g = compute ]; then
		want=$(./$dir/compute.host)
	elif [ $update = 1 ]; then
		printf '%s\n' "$got" > $dir/$g.expect
		echo "updated $dir/$g.expect"
		continue
	else
		want=$(cat $dir/$g.expect)
	fi
	if [ "$got" = "$want" ]; then
		echo "ok - $g: QEMU prints the expected output"
	else
		echo "not ok - $g: QEMU differs from $dir/$g.expect"
		diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -20 | sed 's/^/#   /'
		fail=1
	fi
done
make -s build/tests/unit/test_ppc_guests && ./build/tests/unit/test_ppc_guests || fail=1
exit $fail
