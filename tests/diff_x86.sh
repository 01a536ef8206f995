#!/bin/bash
# Differential test of the x86 CPU: each guest runs under
#   qemu-system-x86_64 -accel tcg -kernel GUEST (multiboot, COM1 on stdio,
#   isa-debug-exit at 0xf4)
# and under vmmfs mounted at MNT (first argument), and what the two print on
# the serial port must be identical.  Guests cover 32-bit and 64-bit C
# (hashing, sorting, sieves, 64-bit division), ring 3 in both modes with
# syscalls, sysenter, TSS stack switches, the I/O permission bitmap and #GP
# error codes, debug registers with TF single-stepping, far transfers
# through conforming segments and call gates (cpu_gate, cpu_gate64 in long
# mode), hardware task switches (cpu_task), 286 TSSes and virtual-8086 mode
# (cpu_v86) and the way from real mode to long mode and back (cpu_modes).  cpu_seg is not here: QEMU's TCG does
# not check data segment limits.
#
#   tests/diff_x86.sh MNT [GUEST.elf ...]
# prints TAP-like lines; exits 0 when every guest agrees.
set -u
cd "$(dirname "$0")/.."
mnt=${1:?usage: tests/diff_x86.sh MOUNTPOINT [GUEST.elf ...]}
shift
dir=tests/guests/x86
guests=${*:-"hello.elf demo.elf compute.elf cpu_compute64.elf cpu_ring64.elf cpu_debug.elf cpu_ring32.elf cpu_gate.elf cpu_gate64.elf cpu_task.elf cpu_v86.elf cpu_modes.elf"}
fail=0
n=0
for g in $guests; do
	n=$((n + 1))
	# pit=off: the firmware leaves the PIT's IRQ 0 unmasked at vector 8, and a guest that
	# runs ring 3 with IF set takes it (#GP 0x42) whenever the host is slow enough
	want=$(timeout 60 qemu-system-x86_64 -machine pit=off -accel tcg -display none -serial stdio -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$dir/$g" 2>/dev/null)
	vm=diff$n
	mkdir "$mnt/$vm" && echo "slot=0 gpa=0 size=16M" >"$mnt/$vm/memslots" &&
		echo "load $dir/$g" >"$mnt/$vm/ctl" || { echo "not ok - $g: cannot set up a VM"; fail=1; continue; }
	while timeout 60 sh -c 'echo run >"$1"' sh "$mnt/$vm/cpu/0/ctl"; do
		case $(timeout 5 cat "$mnt/$vm/cpu/0/exit") in
		*reason=system_event*|*reason=shutdown*|*reason=internal_error*|*reason=hlt*) break ;;
		esac
	done
	got=$(timeout 5 cat "$mnt/$vm/console")
	exit_line=$(timeout 5 cat "$mnt/$vm/cpu/0/exit")
	rmdir "$mnt/$vm"
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		echo "ok - $g: vmmfs prints what QEMU prints ($(printf '%s\n' "$want" | wc -l) lines)"
	else
		echo "not ok - $g: vmmfs and QEMU differ (vmmfs exit: $exit_line)"
		diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -20 | sed 's/^/#   /'
		fail=1
	fi
done
exit $fail
