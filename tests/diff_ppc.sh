#!/bin/bash
# Differential test of the ppc440 guests: each ELF runs under
#   qemu-system-ppc -M bamboo -nographic -no-reboot -kernel X
# and under vmmfs (through the vmm API, build/tests/unit/test_ppc_guests
# compares with the .expect files); this script refreshes and checks the
# .expect files against QEMU, so the two stay tied together.
#
#   tests/diff_ppc.sh            compare QEMU's output with each .expect
#   tests/diff_ppc.sh --update   rewrite the .expect files from QEMU
set -u
cd "$(dirname "$0")/.."
dir=tests/guests/ppc
update=0
[ "${1:-}" = --update ] && update=1
guests="hello isa irq tlb fpu compute"
make -s $(for g in $guests; do echo $dir/$g.elf; done) || exit 1
fail=0
for g in $guests; do
	got=$(timeout 20 qemu-system-ppc -M bamboo -nographic -no-reboot -kernel $dir/$g.elf 2>/dev/null)
	if [ $g = compute ]; then
		make -s $dir/compute.host && want=$(./$dir/compute.host)
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
