#!/bin/bash
# make bench: vmmfs against QEMU (TCG, and KVM where /dev/kvm works) on the
# same guests, then the control plane, memory throughput and scale.  Every
# measurement goes to a raw file; tests/bench/report.sh turns it into
# tests/bench/results.md (printed) and tests/bench/results.png.
#
#   tests/bench/run.sh                  what make bench runs (about 10 minutes)
#   BENCH_QUICK=1 tests/bench/run.sh    one run of each, smaller counts (about 2 minutes)
#   BENCH_N=7 BENCH_KVM=0 ...           runs per runner; skip the KVM runs
#
# Guest timings alternate runners (A B A B ...); each runner's time for the
# empty guest, measured the same way, is its fixed cost and is subtracted.
# Nothing here asserts on time: the numbers are reported, not judged.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BIN=$BUILD/tests/bench
X86=tests/bench/x86
PPC=tests/bench/ppc
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
	N=${BENCH_N:-1}
	OPS=300
	SCALE="1 8"
else
	N=${BENCH_N:-5}
	OPS=3000
	SCALE="1 8 32 128"
fi
KVM=${BENCH_KVM:-1}
KVM_TIMEOUT=${BENCH_KVM_TIMEOUT:-20}	# nested KVM can be very slow: cap each run
RUN_TIMEOUT=120
RAW=${BENCH_RAW:-$BIN/results.raw}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX")
MOUNTS=()	# "dir pid" of every daemon this script started

# ---- plumbing --------------------------------------------------------------

now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }
say() { printf '%s\n' "$*" >&2; }
rec() { echo "$*" >>"$RAW"; }

cleanup() {
	local m dir pid
	for m in "${MOUNTS[@]}"; do
		read -r dir pid <<<"$m"
		mountpoint -q "$dir" && { fusermount3 -u "$dir" 2>/dev/null || fusermount3 -uz "$dir"; }
		kill "$pid" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# mount_daemon DIR CMD...: start a FUSE daemon in the foreground on DIR.
mount_daemon() {
	local dir=$1 pid
	shift
	mkdir -p "$dir"
	"$@" "$dir" -f >"$dir.log" 2>&1 &
	pid=$!
	MOUNTS+=("$dir $pid")
	for _ in $(seq 100); do
		mountpoint -q "$dir" && { DAEMON_PID=$pid; return 0; }
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	say "bench: $* did not mount $dir: $(cat "$dir.log")"
	return 1
}

unmount_daemon() {
	local dir=$1 m dir2 pid
	fusermount3 -u "$dir" 2>/dev/null || fusermount3 -uz "$dir"
	for m in "${MOUNTS[@]}"; do
		read -r dir2 pid <<<"$m"
		[ "$dir2" = "$dir" ] && wait "$pid" 2>/dev/null
	done
}

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

# ---- runners: each prints the elapsed microseconds and leaves the guest's
# ---- serial output in $WORK/out ---------------------------------------------

# vmmfs: create, load, run until the guest ends; destroy after the clock stops.
run_vmmfs() {
	local elf=$1 arch=$2 vm=$MNT/b t0 t1 ex dog
	# a watchdog: a guest that never ends is stopped (its run ends with EINTR)
	(trap 'kill $s 2>/dev/null; exit 0' TERM; sleep "$RUN_TIMEOUT" & s=$!; wait $s
	 echo stop >"$vm/cpu/0/ctl") 2>/dev/null &
	dog=$!
	t0=$(now_us)
	echo "create b arch=$arch mem=64M" >"$MNT/ctl" || return 1
	echo "load $elf" >"$vm/ctl" || return 1
	# the bench guests exit to userspace only when they end
	ex=
	echo run >"$vm/cpu/0/ctl" && read -r ex <"$vm/cpu/0/exit"
	t1=$(now_us)
	kill "$dog" 2>/dev/null
	wait "$dog" 2>/dev/null
	cat "$vm/console" >"$WORK/out"
	sed -n 's/^instructions=//p' "$vm/stats" >"$WORK/vminsns"
	echo "destroy b" >"$MNT/ctl"
	case $ex in
	*reason=system_event*) ;;
	*) say "bench: vmmfs $elf ended with: $ex"; return 1 ;;
	esac
	echo $((t1 - t0))
}

qemu_cmd() {	# qemu_cmd ELF ARCH [accel]
	local common=(-nodefaults -display none -no-reboot -serial "file:$WORK/out" -kernel "$1")
	case $2 in
	x86) echo qemu-system-i386 "${common[@]}" -device isa-debug-exit,iobase=0xf4,iosize=4 ;;
	x86_64) echo qemu-system-x86_64 "${common[@]}" -device isa-debug-exit,iobase=0xf4,iosize=4 ;;
	ppc440) echo qemu-system-ppc -M bamboo "${common[@]}" ;;
	esac
	[ "${3:-tcg}" = kvm ] && echo -accel kvm
}

run_qemu() {	# run_qemu ELF ARCH [tcg|kvm] [timeout]
	local t0 t1 rc cmd
	cmd=$(qemu_cmd "$1" "$2" "${3:-tcg}" | tr '\n' ' ')
	: >"$WORK/out"
	t0=$(now_us)
	# shellcheck disable=SC2086 # the command line is words
	timeout "${4:-$RUN_TIMEOUT}" $cmd 2>>"$WORK/qemu.err"
	rc=$?
	t1=$(now_us)
	# x86 guests end by debug-exit code 0: status 1 (a triple fault ends
	# with 0 under -no-reboot); the 440's DBCR0 reset ends with 0
	case $2:$rc in
	x86*:1 | ppc440:0) echo $((t1 - t0)) ;;
	*:124) return 124 ;;
	*) say "bench: $cmd: status $rc; output: $(tail -c 200 "$WORK/out")"; return 1 ;;
	esac
}

# The guest's report line, "NAME checksum=0x... insns=0x...".
report_line() { grep -a -m1 ' checksum=0x' "$WORK/out" | tr -d '\r'; }

# ---- 1. guests: vmmfs vs QEMU TCG, alternating -----------------------------

# guest NAME ELF VMMFS_ARCH QEMU_ARCH
guest() {
	local name=$1 elf=$2 arch=$3 qarch=$4 i us line insns
	for i in $(seq "$N"); do
		if us=$(run_vmmfs "$elf" "$arch"); then
			line=$(report_line)
			rec "time $name vmmfs $us"
			rec "out $name vmmfs $line"
			rec "vminsns $name $(cat "$WORK/vminsns")"
			insns=${line##*insns=0x}
			[ "$insns" != "$line" ] && rec "insns $name $((16#${insns%% *}))"
			say "  $name vmmfs run $i: $((us / 1000)) ms  $line"
		else
			rec "fail $name vmmfs"
		fi
		if us=$(run_qemu "$elf" "$qarch"); then
			line=$(report_line)
			rec "time $name tcg $us"
			rec "out $name tcg $line"
			say "  $name qemu-tcg run $i: $((us / 1000)) ms  $line"
		else
			rec "fail $name tcg"
		fi
	done
}

kvm_usable() {
	[ "$KVM" = 1 ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	run_qemu "$X86/empty.elf" x86 kvm "$KVM_TIMEOUT" >/dev/null 2>&1
}

# One run per guest under QEMU KVM (it is not what we compare with, and a
# nested KVM without the features these guests need can take minutes).
guest_kvm() {
	local name=$1 elf=$2 qarch=$3 us
	us=$(run_qemu "$elf" "$qarch" kvm "$KVM_TIMEOUT")
	case $? in
	0)
		rec "time $name kvm $us"
		rec "out $name kvm $(report_line)"
		say "  $name qemu-kvm: $((us / 1000)) ms"
		;;
	124)
		rec "timeout $name kvm $KVM_TIMEOUT"
		say "  $name qemu-kvm: no result within ${KVM_TIMEOUT} s"
		;;
	*) rec "fail $name kvm" ;;
	esac
}

bench_guests() {
	say "== guests: vmmfs vs QEMU TCG, $N runs each, alternating"
	mount_daemon "$WORK/vms" ./vmmfs || return 1
	MNT=$WORK/vms
	guest empty_x86 "$X86/empty.elf" x86 x86
	guest int32 "$X86/int32.elf" x86 x86
	guest long64 "$X86/long64.elf" x86 x86_64
	guest mmu32 "$X86/mmu32.elf" x86 x86
	guest mmu32_remap "$X86/mmu32_remap.elf" x86 x86
	guest empty_ppc "$PPC/empty.elf" ppc440 ppc440
	guest int440 "$PPC/int440.elf" ppc440 ppc440
	guest tlb440 "$PPC/tlb440.elf" ppc440 ppc440
	# QEMU TCG's cost of an I/O to an unclaimed port: nobody answers there
	for _ in $(seq "$N"); do
		us=$(run_qemu "$X86/exitio_1m.elf" x86) && rec "time exitio_1m tcg $us"
	done
	unmount_daemon "$WORK/vms"

	if grep -q '^flags.* hypervisor' /proc/cpuinfo; then rec "info nested yes"; else rec "info nested no"; fi
	if kvm_usable; then
		say "== guests under QEMU KVM (one run each, at most ${KVM_TIMEOUT} s)"
		for g in empty:x86 int32:x86 long64:x86_64 mmu32:x86 mmu32_remap:x86; do
			[ "${g%%:*}" = empty ] && name=empty_x86 || name=${g%%:*}
			guest_kvm "$name" "$X86/${g%%:*}.elf" "${g#*:}"
		done
	else
		rec "info kvm unusable"
		say "== QEMU KVM: not usable here (or BENCH_KVM=0)"
	fi
}

# ---- 2. control plane --------------------------------------------------------

# bench_control MODE: MODE=pinned runs every daemon and client on CPU 0,
# MODE=free lets the scheduler place them.
bench_control() {
	local mode=$1 pin=() r
	[ "$mode" = pinned ] && pin=(taskset -c 0)
	say "== control plane ($mode)"
	mount_daemon "$WORK/null-$mode" "${pin[@]}" "$BIN/nullfs" || return 1
	mount_daemon "$WORK/c-$mode" "${pin[@]}" ./vmmfs || return 1
	MNT=$WORK/c-$mode
	echo "create c mem=16M" >"$MNT/ctl" || return 1
	r=$("${pin[@]}" "$BIN/ctlbench" read "$MNT/c/cpu/0/regs" "$OPS") && rec "op read_regs vmmfs-$mode $r"
	r=$("${pin[@]}" "$BIN/ctlbench" write "$MNT/c/cpu/0/regs" "rax=0x1" "$OPS") && rec "op write_regs vmmfs-$mode $r"
	r=$("${pin[@]}" "$BIN/ctlbench" read "$WORK/null-$mode/f" "$OPS") && rec "op read_regs nullfs-$mode $r"
	r=$("${pin[@]}" "$BIN/ctlbench" write "$WORK/null-$mode/f" "rax=0x1" "$OPS") && rec "op write_regs nullfs-$mode $r"
	r=$("${pin[@]}" "$BIN/ctlbench" seq "$WORK/null-$mode/f" "$WORK/null-$mode/f" "$OPS") &&
		rec "op exit_seq nullfs-$mode $r"
	for i in $(seq "$N"); do
		echo "create e mem=16M" >"$MNT/ctl" && echo "load $X86/exitio.elf" >"$MNT/e/ctl" || return 1
		if r=$("${pin[@]}" "$BIN/exitloop" "$MNT/e"); then
			rec "exitloop vmmfs-$mode $r"
			rec "out exitio vmmfs $(grep -a answered "$MNT/e/console")"
			say "  exit round trip, C ($i): $r"
		fi
		echo "destroy e" >"$MNT/ctl"
	done
	echo "create e mem=16M" >"$MNT/ctl" && echo "load $X86/exitio_sh.elf" >"$MNT/e/ctl" &&
		r=$("${pin[@]}" tests/bench/exitloop.sh "$MNT/e") && rec "exitloop_sh vmmfs-$mode $r" &&
		say "  exit round trip, bash: $r"
	echo "destroy e" >"$MNT/ctl"
	unmount_daemon "$MNT"
	unmount_daemon "$WORK/null-$mode"
	[ "$mode" = pinned ] || return 0
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		if "${pin[@]}" "$BIN/kvmbench" "$X86/exitio.elf" "$OPS" >"$WORK/kvm.out" 2>&1; then
			rec "kvm $(grep '^exits=' "$WORK/kvm.out")"
			rec "op get_regs kvm $(grep 'op=get_regs' "$WORK/kvm.out")"
			rec "op set_regs kvm $(grep 'op=set_regs' "$WORK/kvm.out")"
			rec "out exitio kvm $(grep -a answered "$WORK/kvm.out")"
		else
			say "bench: kvmbench: $(tail -1 "$WORK/kvm.out")"
		fi
	fi
}

# ---- 3. memory throughput ------------------------------------------------------

bench_mem() {
	local size=256 t0 t1
	say "== mem: dd through vmmfs vs memcpy ($size MiB)"
	mount_daemon "$WORK/m" ./vmmfs || return 1
	MNT=$WORK/m
	echo "create m mem=${size}M" >"$MNT/ctl" || return 1
	for i in $(seq "$N"); do
		t0=$(now_us)
		dd if=/dev/zero of="$MNT/m/mem" bs=1M count=$size conv=notrunc status=none || break
		t1=$(now_us)
		rec "mem dd_write $((size * 1048576 / (t1 - t0)))"
		t0=$(now_us)
		dd if="$MNT/m/mem" of=/dev/null bs=1M count=$size status=none || break
		t1=$(now_us)
		rec "mem dd_read $((size * 1048576 / (t1 - t0)))"
		# 16 requests per MiB instead of one: the per-request cost
		t0=$(now_us)
		dd if=/dev/zero of="$MNT/m/mem" bs=64k count=$((size * 16)) conv=notrunc status=none || break
		t1=$(now_us)
		rec "mem dd_write_64k $((size * 1048576 / (t1 - t0)))"
		t0=$(now_us)
		dd if="$MNT/m/mem" of=/dev/null bs=64k count=$((size * 16)) status=none || break
		t1=$(now_us)
		rec "mem dd_read_64k $((size * 1048576 / (t1 - t0)))"
		rec "mem memcpy $("$BIN/ctlbench" memcpy $((size << 20)) | sed 's/.*mb_s=\([0-9]*\).*/\1/')"
	done
	unmount_daemon "$MNT"
}

# ---- 4. scale --------------------------------------------------------------------

bench_scale() {
	local n t0 t1 t2 t3 r0 r1 r2 r3 i ex
	say "== scale: create, run, destroy n small VMs (mem=16M, the empty guest)"
	for n in $SCALE; do
		mount_daemon "$WORK/s$n" ./vmmfs || return 1
		MNT=$WORK/s$n
		r0=$(rss_kb "$DAEMON_PID")
		t0=$(now_us)
		for i in $(seq "$n"); do
			echo "create v$i mem=16M" >"$MNT/ctl" && echo "load $X86/empty.elf" >"$MNT/v$i/ctl" || break
		done
		t1=$(now_us)
		r1=$(rss_kb "$DAEMON_PID")
		for i in $(seq "$n"); do
			echo run >"$MNT/v$i/cpu/0/ctl" && read -r ex <"$MNT/v$i/cpu/0/exit"
			case $ex in *system_event*) ;; *) say "bench: v$i: $ex"; break ;; esac
		done
		t2=$(now_us)
		r2=$(rss_kb "$DAEMON_PID")
		for i in $(seq "$n"); do echo "destroy v$i" >"$MNT/ctl"; done
		t3=$(now_us)
		r3=$(rss_kb "$DAEMON_PID")
		rec "scale $n $((t1 - t0)) $((t2 - t1)) $((t3 - t2)) $r0 $r1 $r2 $r3"
		say "  $n VMs: create+load $(((t1 - t0) / 1000)) ms, run $(((t2 - t1) / 1000)) ms," \
			"destroy $(((t3 - t2) / 1000)) ms; RSS $r0 -> $r1 -> $r2 -> $r3 KiB"
		unmount_daemon "$MNT"
	done
}

# ---- main ----------------------------------------------------------------------------

for f in ./vmmfs "$BIN/nullfs" "$BIN/ctlbench" "$BIN/exitloop" "$BIN/kvmbench" \
	"$X86/empty.elf" "$PPC/empty.elf"; do
	[ -x "$f" ] || [ -f "$f" ] || { say "bench: $f is missing: run make first"; exit 1; }
done
: >"$RAW"
rec "info date $(date -u '+%Y-%m-%d %H:%M UTC')"
rec "info cpu $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
rec "info cpus $(nproc)"
rec "info kernel $(uname -r)"
rec "info qemu $(qemu-system-i386 --version | head -1 | sed 's/QEMU emulator version //')"
rec "info runs $N"
start=$SECONDS
bench_guests
bench_control pinned
bench_control free
bench_mem
bench_scale
rec "info seconds $((SECONDS - start))"
tests/bench/report.sh "$RAW"
