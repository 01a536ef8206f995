#!/bin/bash
# report.sh [RAW]: turn run.sh's raw measurements (tests/bench/results.raw)
# into tests/bench/results.md, printed as well, and tests/bench/results.png,
# a plot of every ratio against its target.  Run it again on an old raw
# file to redraw without measuring.
set -u
cd "$(dirname "$0")/../.."
RAW=${1:-${BUILD:-build}/tests/bench/results.raw}
MD=tests/bench/results.md
PNG=tests/bench/results.png
DAT=$(mktemp)
trap 'rm -f "$DAT"' EXIT

awk -v dat="$DAT" '
function kv(line, key,    i, n, f) {	# the value of key=... in a line of fields
	n = split(line, f, " ")
	for (i = 1; i <= n; i++)
		if (index(f[i], key "=") == 1)
			return substr(f[i], length(key) + 2)
	return ""
}
function add(k, v) { vals[k] = (k in vals) ? vals[k] " " v : v }
function sorted(k, a,    n, i, j, t) {
	n = split(vals[k], a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n
}
function med(k,    a, n) { if (!(k in vals)) return ""; n = sorted(k, a); return a[int((n + 1) / 2)] }
function lo(k,    a, n) { if (!(k in vals)) return ""; n = sorted(k, a); return a[1] }
function hi(k,    a, n) { if (!(k in vals)) return ""; n = sorted(k, a); return a[n] }
function f1(x) { return x == "" ? "-" : sprintf("%.1f", x) }
function f2(x) { return x == "" ? "-" : sprintf("%.2f", x) }
function us(x) { return x == "" ? "-" : sprintf("%.1f", x / 1000) }
function mips(g, r, t,    e) {	# insns per microsecond of guest time
	e = med(empty[g] " " r)
	if (t == "" || e == "" || !(g in insns) || t - e <= 0) return ""
	return insns[g] / (t - e)
}
function target(name, value, goal, sense, what) {	# a line of the targets table
	met = value == "" ? "not measured" : (sense == ">=" ? value >= goal : value <= goal) ? "yes" : "no"
	printf "| %s | %s %s | %s | %s |\n", name, sense, goal, f2(value), met
}
function plot(label, value, goal) { if (value != "") printf "\"%s\" %.4f %s\n", label, value, goal == "" ? "?" : goal > dat }

$1 == "info" { k = $2; $1 = $2 = ""; info[k] = substr($0, 3) }
$1 == "time" { add($2 " " $3, $4) }
$1 == "out" { k = $2 " " $3; line = $0; sub(/^out [^ ]+ [^ ]+ /, "", line)
	if (k in out && out[k] != line) out[k] = "DIFFERENT RUNS"; else out[k] = line }
$1 == "insns" { insns[$2] = $3 }
$1 == "vminsns" { vminsns[$2] = $3 }
$1 == "timeout" { timeout[$2 " " $3] = $4 }
$1 == "fail" { failed[$2 " " $3]++ }
$1 == "op" { k = $2 " " $3; add(k " mean", kv($0, "mean_ns")); add(k " med", kv($0, "median_ns")); add(k " min", kv($0, "min_ns")); add(k " p90", kv($0, "p90_ns")) }
$1 == "exitloop" || $1 == "exitloop_sh" { add($1 " " $2, kv($0, "per_exit_ns")); add($1 " " $2 " med", kv($0, "median_ns")); add($1 " " $2 " min", kv($0, "min_ns")) }
$1 == "kvm" { add("kvm exit", kv($0, "per_exit_ns")); add("kvm exit med", kv($0, "median_ns")); add("kvm exit min", kv($0, "min_ns")) }
$1 == "mem" { add("mem " $2, $3) }
$1 == "scale" { scale[++nscale] = $0 }

END {
	n = split("int32 long64 mmu32 mmu32_remap int440 tlb440", guests, " ")
	what["int32"] = "x86 integer, 32-bit, paging off"
	what["long64"] = "x86 integer, 64-bit long mode, paging"
	what["mmu32"] = "x86 MMU: 64 address spaces, CR3 switches"
	what["mmu32_remap"] = "x86 MMU: the same + PTE rewrite, invlpg"
	what["int440"] = "ppc440 integer"
	what["tlb440"] = "ppc440 TLB: 32 TIDs, 64K pages, PID switches"
	goal["int32"] = goal["long64"] = goal["int440"] = 0.5
	goal["mmu32"] = goal["mmu32_remap"] = 2.0
	for (i = 1; i <= n; i++) empty[guests[i]] = guests[i] ~ /440/ ? "empty_ppc" : "empty_x86"
	empty["exitio_1m"] = "empty_x86"
	insns["exitio_1m"] = 1

	print "# vmmfs benchmark results"
	print ""
	printf "%s; %s CPUs; Linux %s; %s; QEMU %s.  \n", info["cpu"], info["cpus"], info["kernel"],
		info["nested"] == "yes" ? "the host is itself a VM (cpuinfo: hypervisor), so KVM here is nested" : "bare metal", info["qemu"]
	printf "%s; %s runs per runner, alternating vmmfs and QEMU; medians, [min-max] in brackets; `make bench` took %s s.\n",
		info["date"], info["runs"], info["seconds"]
	print ""
	print "## Guests"
	print ""
	print "MIPS = the guest loops\x27 known instruction count / (time - the same runner\x27s time for the empty guest)."
	print "Ratio = vmmfs MIPS / QEMU TCG MIPS (above 1: vmmfs leads).  Checksums: the guests\x27 report lines agree."
	print ""
	print "| guest | what | instructions | vmmfs counted | vmmfs MIPS | QEMU TCG MIPS | vmmfs/TCG | target | QEMU KVM MIPS | checksums |"
	print "|---|---|---:|---:|---|---|---:|---:|---|---|"
	for (i = 1; i <= n; i++) {
		g = guests[i]
		v = mips(g, "vmmfs", med(g " vmmfs")); t = mips(g, "tcg", med(g " tcg"))
		ratio[g] = (v != "" && t != "") ? v / t : ""
		kvmc = (g " kvm") in vals ? f1(mips(g, "kvm", med(g " kvm"))) : (g " kvm") in timeout ? "> " timeout[g " kvm"] " s" : (g " kvm") in failed ? "failed" : "-"
		same = (g " vmmfs") in out && (g " tcg") in out ? (out[g " vmmfs"] == out[g " tcg"] ? "same" : "**differ**") : "-"
		if ((g " kvm") in out) same = same (out[g " kvm"] == out[g " tcg"] ? ", KVM same" : ", KVM **differs**")
		if ((g " vmmfs") in failed || (g " tcg") in failed) same = same " (" failed[g " vmmfs"] + failed[g " tcg"] " failed runs)"
		if ((g " kvm") in failed) same = same ", KVM run failed (no report line)"
		printf "| %s | %s | %s | %s | %s [%s-%s] | %s [%s-%s] | %s | %s | %s | %s |\n", g, what[g],
			g in insns ? insns[g] : "-", g in vminsns ? vminsns[g] : "-",
			f1(v), f1(mips(g, "vmmfs", hi(g " vmmfs"))), f1(mips(g, "vmmfs", lo(g " vmmfs"))),
			f1(t), f1(mips(g, "tcg", hi(g " tcg"))), f1(mips(g, "tcg", lo(g " tcg"))),
			f2(ratio[g]), g in goal ? ">= " goal[g] : "-", kvmc, same
	}
	printf "| empty_x86 | fixed cost, ms | | | %s [%s-%s] | %s [%s-%s] | | | %s | |\n",
		us(med("empty_x86 vmmfs")), us(lo("empty_x86 vmmfs")), us(hi("empty_x86 vmmfs")),
		us(med("empty_x86 tcg")), us(lo("empty_x86 tcg")), us(hi("empty_x86 tcg")), us(med("empty_x86 kvm"))
	printf "| empty_ppc | fixed cost, ms | | | %s [%s-%s] | %s [%s-%s] | | | | |\n",
		us(med("empty_ppc vmmfs")), us(lo("empty_ppc vmmfs")), us(hi("empty_ppc vmmfs")),
		us(med("empty_ppc tcg")), us(lo("empty_ppc tcg")), us(hi("empty_ppc tcg"))
	print ""
	print "vmmfs runs: create, load, run to the end (the clock stops before destroy); QEMU runs: the whole process."

	print ""
	print "## Control plane"
	print ""
	print "Nanoseconds per operation, median [min-p90].  *Same CPU*: every daemon and client pinned to CPU 0;"
	print "*free*: placed by the scheduler.  The bare-FUSE floor is nullfs (tests/bench/nullfs.c): the same"
	print "FUSE loop doing nothing.  Exit round trips: mean per exit (median, min per exit); the floor is the"
	print "file operations they need, on nullfs: pwrite run, pread exit, and for every other exit (an IN)"
	print "pwrite completion (exitio alternates OUT and IN)."
	print ""
	print "| operation | vmmfs, same CPU | floor, same CPU | vmmfs, free | floor, free | /dev/kvm |"
	print "|---|---|---|---|---|---|"
	for (m = 0; m < 2; m++) {
		op = m ? "write_regs" : "read_regs"
		printf "| %s | ", m ? "pwrite regs (`rax=0x1`)" : "pread regs"
		split("vmmfs-pinned nullfs-pinned vmmfs-free nullfs-free", rs, " ")
		for (j = 1; j <= 4; j++) {
			k = op " " rs[j]
			printf "%s [%s-%s] | ", med(k " med") == "" ? "-" : med(k " med"), lo(k " min"), hi(k " p90")
		}
		k = (m ? "set_regs" : "get_regs") " kvm"
		printf "%s [%s-%s] (%s) |\n", med(k " med") == "" ? "-" : med(k " med"), lo(k " min"), hi(k " p90"), m ? "KVM_SET_REGS" : "KVM_GET_REGS"
	}
	printf "| exit round trip, C (exitloop) | %s (%s, %s) | %s (%s, %s) | %s (%s, %s) | %s (%s, %s) | %s (%s, %s) KVM_RUN to KVM_EXIT_IO |\n",
		med("exitloop vmmfs-pinned"), med("exitloop vmmfs-pinned med"), lo("exitloop vmmfs-pinned min"),
		med("exit_seq nullfs-pinned mean"), med("exit_seq nullfs-pinned med"), lo("exit_seq nullfs-pinned min"),
		med("exitloop vmmfs-free"), med("exitloop vmmfs-free med"), lo("exitloop vmmfs-free min"),
		med("exit_seq nullfs-free mean"), med("exit_seq nullfs-free med"), lo("exit_seq nullfs-free min"),
		med("kvm exit") == "" ? "-" : med("kvm exit"), med("kvm exit med"), lo("kvm exit min")
	printf "| exit round trip, bash (exitloop.sh) | %s | | %s | | |\n", med("exitloop_sh vmmfs-pinned"), med("exitloop_sh vmmfs-free")
	tio = mips("exitio_1m", "tcg", med("exitio_1m tcg"))
	printf "| QEMU TCG, one I/O to an unclaimed port (no userspace) | | | | | %s |\n", tio == "" ? "-" : sprintf("%.0f ns in QEMU TCG", 1000 / tio / 2e6)
	exitp = med("exitloop vmmfs-pinned") / (med("exit_seq nullfs-pinned mean") + 0.0001)
	exitf = med("exitloop vmmfs-free") / (med("exit_seq nullfs-free mean") + 0.0001)
	if (med("exitloop vmmfs-pinned") == "") exitp = ""
	if (med("exitloop vmmfs-free") == "") exitf = ""
	print ""
	printf "Exit round trip / floor (means per exit): %s (same CPU), %s (free).\n", f2(exitp), f2(exitf)

	print ""
	print "## Guest memory throughput"
	print ""
	print "| | MB/s, median [min-max] | / memcpy |"
	print "|---|---|---:|"
	mc = med("mem memcpy")
	printf "| dd if=/dev/zero of=VM/mem bs=1M | %s [%s-%s] | %s |\n", med("mem dd_write"), lo("mem dd_write"), hi("mem dd_write"), mc ? f2(med("mem dd_write") / mc) : "-"
	printf "| dd if=VM/mem of=/dev/null bs=1M | %s [%s-%s] | %s |\n", med("mem dd_read"), lo("mem dd_read"), hi("mem dd_read"), mc ? f2(med("mem dd_read") / mc) : "-"
	if ("mem dd_write_64k" in vals) {
		printf "| dd if=/dev/zero of=VM/mem bs=64k | %s [%s-%s] | %s |\n", med("mem dd_write_64k"), lo("mem dd_write_64k"), hi("mem dd_write_64k"), mc ? f2(med("mem dd_write_64k") / mc) : "-"
		printf "| dd if=VM/mem of=/dev/null bs=64k | %s [%s-%s] | %s |\n", med("mem dd_read_64k"), lo("mem dd_read_64k"), hi("mem dd_read_64k"), mc ? f2(med("mem dd_read_64k") / mc) : "-"
	}
	printf "| memcpy, same size, in one process | %s [%s-%s] | 1 |\n", mc, lo("mem memcpy"), hi("mem memcpy")
	ddw = mc && med("mem dd_write") != "" ? med("mem dd_write") / mc : ""
	ddr = mc && med("mem dd_read") != "" ? med("mem dd_read") / mc : ""

	print ""
	print "## Scale"
	print ""
	print "n VMs of mem=16M on a fresh daemon: create and load the empty guest, run each to its end, destroy."
	print ""
	print "| VMs | create+load ms | run ms | destroy ms | daemon RSS MiB: empty, created, run, destroyed | RSS per idle VM, KiB |"
	print "|---:|---:|---:|---:|---|---:|"
	for (i = 1; i <= nscale; i++) {
		split(scale[i], s, " ")
		printf "| %d | %.1f | %.1f | %.1f | %.1f, %.1f, %.1f, %.1f | %.0f |\n", s[2], s[3] / 1000, s[4] / 1000, s[5] / 1000,
			s[6] / 1024, s[7] / 1024, s[8] / 1024, s[9] / 1024, (s[7] - s[6]) / s[2]
	}

	print ""
	print "## Targets (vmmfs / QEMU TCG, same run)"
	print ""
	print "| target | wanted | measured | met |"
	print "|---|---|---:|---|"
	target("x86 MMU-heavy (mmu32)", ratio["mmu32"], 2.0, ">=")
	target("x86 MMU-heavy (mmu32_remap)", ratio["mmu32_remap"], 2.0, ">=")
	target("integer compute (int32)", ratio["int32"], 0.5, ">=")
	target("integer compute (long64)", ratio["long64"], 0.5, ">=")
	target("integer compute (int440)", ratio["int440"], 0.5, ">=")
	target("exit round trip / bare-FUSE floor, same CPU", exitp, 3, "<=")
	target("exit round trip / bare-FUSE floor, free", exitf, 3, "<=")
	target("mem dd write / memcpy", ddw, 0.5, ">=")
	target("mem dd read / memcpy", ddr, 0.5, ">=")
	print ""
	print "![ratios](results.png)"

	for (i = 1; i <= n; i++) plot(guests[i], ratio[guests[i]], goal[guests[i]])
	if (exitp != "") plot("exit floor/vmmfs (same CPU)", 1 / exitp, 1 / 3)
	if (exitf != "") plot("exit floor/vmmfs (free)", 1 / exitf, 1 / 3)
	plot("dd write/memcpy", ddw, 0.5)
	plot("dd read/memcpy", ddr, 0.5)
}' "$RAW" >"$MD"

cat "$MD"
if command -v gnuplot >/dev/null && [ -s "$DAT" ]; then
	gnuplot <<EOF
set terminal png size 1100,560 noenhanced
set output "$PNG"
set title "vmmfs relative to its reference (above 1: vmmfs leads); ${RAW##*/}"
set style data histograms
set style fill solid 0.6
set boxwidth 0.7
set logscale y
set yrange [0.01:20]
set ylabel "ratio (log)"
set xtics rotate by -25
set datafile missing "?"
set key top right
plot "$DAT" using 2:xtic(1) title "vmmfs / QEMU TCG, floor / vmmfs, dd / memcpy", \
     "" using 0:3 with points pt 7 ps 2 title "target", \
     1 with lines dt 2 lc rgb "black" title "parity"
EOF
	echo "plot: $PNG"
else
	echo "no plot (gnuplot missing or nothing measured)"
fi
