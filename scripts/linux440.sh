#!/bin/bash
# Linux 6.1 for the 440 (Bamboo) under vmmfs: build the kernel, boot it
# through the files, time it against qemu-system-ppc -M bamboo.
#
#   scripts/linux440.sh kernel [--pv-fix] [--dry-run]
#                                           build or reuse; prints the vmlinux path
#                                           (--dry-run: only says which it would do)
#   scripts/linux440.sh boot MNT VMLINUX [pv=on|off]
#                                           boot under a mounted vmmfs; prints
#                                           banner_s=, reboot_s=, the exit, stats
#   scripts/linux440.sh bench               the timing table (vmmfs vs QEMU)
#
# The kernels come from the recipe in guests/linux/ppc440/ (build.sh, keyed
# by the content of the recipe, its init and its patch) and are cached
# outside the tree in $VMMFS_LINUX_CACHE (default ~/.cache/vmmfs).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
recipe=$root/guests/linux/ppc440/build.sh
cache=${VMMFS_LINUX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmmfs}
CMDLINE="console=ttyS0 initreboot"
BANNER="=== ppc440 test init: hello from userspace"

# kernel [--pv-fix] [--dry-run]: the cached kernel's path if it is current,
# built by the recipe if it is not.
kernel() {
	local dir=$cache/linux440 a

	for a in "$@"; do
		case $a in
		--pv-fix) dir=$cache/linux440-pvfix ;;
		--dry-run) ;;
		*) echo "linux440: kernel takes --pv-fix and --dry-run, not '$a'" >&2; return 2 ;;
		esac
	done
	bash "$recipe" "$dir" "$@" >&2 || return 1
	echo "$dir/vmlinux"
}

now() { date +%s.%N; }
secs() { echo "$1 $2" | awk '{ printf "%.3f", $2 - $1 }'; }

# boot MNT VMLINUX [pv=on|off]: a fresh VM "linux" with 128 MiB, started in
# the background; waits (60 s at most) for the reboot.
boot() {
	local mnt=$1 img=$2 pv=${3:-pv=on} vm t0 tb= tr= state
	vm=$mnt/linux

	echo "create linux arch=ppc440" >"$mnt/ctl"
	echo "slot=0 gpa=0 size=128M" >"$vm/memslots"
	t0=$(now)
	echo "load $img $pv cmdline=$CMDLINE" >"$vm/ctl"
	echo start >"$vm/ctl"
	for _ in $(seq 3000); do
		[ -n "$tb" ] || ! grep -qF "$BANNER" "$vm/console" || tb=$(now)
		state=$(timeout 5 cat "$vm/ctl")
		case $state in state=running*|state=halted*) sleep 0.02 ;; *) tr=$(now); break ;; esac
	done
	echo "banner_s=$( [ -n "$tb" ] && secs "$t0" "$tb" || echo none)"
	echo "reboot_s=$( [ -n "$tr" ] && secs "$t0" "$tr" || echo none)"
	echo "$state"
	timeout 5 cat "$vm/stats"
}

# QEMU on the same kernel: wall time to the banner and to the reset.
qemu_boot() {
	local img=$1 t0 tb= line

	t0=$(now)
	while IFS= read -r line; do
		case $line in *"$BANNER"*) tb=$(now) ;; esac
	done < <(timeout 60 qemu-system-ppc -M bamboo -m 128 -kernel "$img" -nographic -no-reboot \
		-append "$CMDLINE" 2>&1 </dev/null)
	echo "$( [ -n "$tb" ] && secs "$t0" "$tb" || echo none) $(secs "$t0" "$(now)")"
}

# The PV guest's kernel-like loop (tests/guests/ppc/pv.c), trapping and
# patched: traps and guest time per iteration (time base ticks, 400 MHz).
pv_loop() {
	local mnt=$1 vm=$1/pvloop t=() line

	echo "create pvloop arch=ppc440" >"$mnt/ctl"
	echo "slot=0 gpa=0 size=16M" >"$vm/memslots"
	echo "load $root/tests/guests/ppc/pv.elf" >"$vm/ctl"
	for _ in 1 2 3; do
		timeout 60 sh -c 'echo run >"$1"' sh "$vm/cpu/0/ctl"
		t+=("$(sed -n 's/^traps=//p' "$vm/stats")")
	done
	printf '| loop | traps per iteration | guest ticks per iteration |\n|---|---|---|\n'
	while read -r line; do
		case $line in
		"loop trapping:"*) printf '| trapping | %s | %s |\n' $(( (t[1] - t[0]) / 20000 )) "${line##*=}" ;;
		"loop patched:"*) printf '| patched | %s | %s |\n' $(( (t[2] - t[1]) / 20000 )) "${line##*=}" ;;
		esac
	done <"$vm/console"
	echo "destroy pvloop" >"$mnt/ctl"
}

bench() {
	local stock fix mnt pid out q v k stat

	stock=$(kernel) && fix=$(kernel --pv-fix) || return 1
	mnt=$(mktemp -d)
	"$root/vmmfs" "$mnt" -f >/dev/null 2>&1 &
	pid=$!
	# (expanded now: the locals are gone when the shell exits)
	trap "fusermount3 -u '$mnt' 2>/dev/null; wait $pid; rmdir '$mnt'" EXIT
	for _ in $(seq 50); do mountpoint -q "$mnt" && break; sleep 0.1; done
	printf '| kernel | PV | vmmfs to banner | vmmfs to reboot | QEMU to banner | QEMU to reset | traps | magic-page soft-TLB fills |\n'
	printf '|---|---|---|---|---|---|---|---|\n'
	for v in "stock off $stock" "stock on $stock" "pv-fix on $fix"; do
		set -- $v
		out=$(boot "$mnt" "$3" "pv=$2")
		echo "destroy linux" >"$mnt/ctl"
		q=$(qemu_boot "$3")
		stat() { echo "$out" | sed -n "s/^$1=//p"; }
		printf '| %s | %s | %s s | %s s | %s s | %s s | %s | %s |\n' "$1" "$2" "$(stat banner_s)" \
			"$(stat reboot_s)" "${q% *}" "${q#* }" "$(stat traps)" \
			$(( $(stat magic_read_fills) + $(stat magic_write_fills) ))
	done
	echo
	pv_loop "$mnt"
}

case ${1:-} in
kernel) shift; kernel "$@" ;;
boot) shift; boot "$@" ;;
bench) bench ;;
*) sed -n '2,16p' "$0" >&2; exit 2 ;;
esac
