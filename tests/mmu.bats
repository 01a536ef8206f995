#!/usr/bin/env bats
# The x86 shadow page engine with real guests: permission matrices at CPL 0
# and CPL 3 under 2-level, PAE and 4-level paging, implicit supervisor
# accesses from ring 3, remapping, many address spaces, dirty logging under
# paging, and the tlb, mmu and translate files.

load lib/vmmfs

setup() { vmmfs_setup; }
teardown() { vmmfs_teardown; }

# run_to_exit NAME: run until the guest's exit device ends it.
run_to_exit() {
	vm_run "$1"
	assert_file_line "$MNT/$1/cpu/0/exit" "reason=system_event type=exit code=0"
}

stat_of() {
	sed -n "s/^$2=//p" "$MNT/$1/cpu/0/mmu"
}

@test "2-level paging: the permission matrix at CPL 0 and 3 faults exactly as the architecture says" {
	vm_new t 16M
	vm_load t pg_perm32.elf
	run_to_exit t
	run vm_console t
	assert_output "pg_perm32: 1440 cases, 0 mismatches"
}

@test "PAE paging: the permission matrix at CPL 0 and 3, with NX" {
	vm_new t 16M
	vm_load t pg_perm_pae.elf cmdline=nx
	run_to_exit t
	run vm_console t
	assert_output "pg_perm_pae: 2880 cases, 0 mismatches"
}

@test "EFER.NXE written by wrmsr under PAE paging: the next walk honours it (error codes as the SDM gives them)" {
	vm_new t 16M
	vm_load t pg_nx_pae.elf
	run_to_exit t
	run vm_console t
	# QEMU's TCG leaves P out of a reserved-bit error code (0x8); the SDM and KVM set it
	assert_output "nxe=0 fetch: vector=14 error=0x00000009 cr2=0x40000000
nxe=0 read: vector=14 error=0x00000009 cr2=0x40000000
nxe=1 fetch: vector=14 error=0x00000011 cr2=0x40000000
nxe=1 read: no fault
nxe=0 again fetch: vector=14 error=0x00000009 cr2=0x40000000
nxe=1 XD clear fetch: no fault
pg_nx: done"
}

@test "remap, clear and move entries in place; a PTE written through a mapping of its table" {
	vm_new t 16M
	vm_load t pg_remap.elf
	run_to_exit t
	run vm_console t
	assert_output "pg_remap: 0 failed"
	[ "$(stat_of t pt_writes_emulated)" -gt 0 ]
	[ "$(stat_of t guest_page_faults)" -eq 2 ]
}

@test "unsync page tables: PTEs edited in place are seen after invlpg and CR3 writes, 2-level and PAE" {
	for g in pg_unsync pg_unsync_pae; do
		vm_new "$g" 16M
		vm_load "$g" "$g.elf"
		run_to_exit "$g"
		run vm_console "$g"
		assert_line "pg_unsync: 0 failed"
		# the forgotten invlpgs: the soft TLB still held the old frame
		assert_line --regexp "^pg_unsync: stale reads after a forgotten invlpg: [0-3]$"
		[ "$(stat_of "$g" unsync)" -ge 10 ]
		[ "$(stat_of "$g" sync)" -ge 10 ]
		# only the 12 directory writes are emulated (PAE: two halves each);
		# the hundreds of PTE edits go through unsync pages
		[ "$(stat_of "$g" pt_writes_emulated)" -le 24 ]
	done
}

@test "mmu and stats show unsync pages and the sync counters" {
	vm_new t 16M
	vm_load t pg_remap.elf
	run_to_exit t
	run vm_console t
	assert_output "pg_remap: 0 failed"
	[ "$(stat_of t unsync)" -gt 0 ]
	grep -q "^unsync=" "$MNT/t/stats"
	grep -q "^sync=" "$MNT/t/stats"
	# pg_remap ends with the page table of 0x40000000 edited through a mapping of it
	grep -q "level=1 glevels=2 direct=0 .* unsync=1 write_protected=0" "$MNT/t/cpu/0/mmu"
}

@test "long mode, 4-level paging: the permission matrix at CPL 0 and 3 for 4 KiB, 2 MiB and 1 GiB pages, with NX" {
	vm_new t 16M
	vm_load t pg_long.elf
	vm_run t
	run vm_exit t
	assert_output --regexp '^reason=io dir=out port=0x510 '
	grep -qx "gva=0xffff800000900000 gpa=0x900000 rights=rwxs writable=0 size=1G" "$MNT/t/cpu/0/tlb"
	grep -qx "gva=0x40805000 gpa=0x805000 rights=rw-s writable=1 size=2M" "$MNT/t/cpu/0/tlb"
	echo "gva=0xffff800000900000" >"$MNT/t/cpu/0/translate"
	grep -qx "gpa=0x900000" "$MNT/t/cpu/0/translate"
	grep -qx "level=3" "$MNT/t/cpu/0/translate"
	echo "gva=0x40805000 access=x" >"$MNT/t/cpu/0/translate"
	grep -qx "error=0x11" "$MNT/t/cpu/0/translate"
	echo "gva=0x800000000000" >"$MNT/t/cpu/0/translate"
	grep -qx "fault=gp" "$MNT/t/cpu/0/translate"
	grep -q "level=4 glevels=4 direct=0 .*nxe=1 root_count=1 " "$MNT/t/cpu/0/mmu"
	run_to_exit t
	run vm_console t
	assert_output "pg_long: 18432 cases, 0 mismatches"
	[ "$(stat_of t paging_levels)" -eq 4 ]
	[ "$(stat_of t unsync)" -gt 0 ]
}

@test "64 address spaces: shadow pages are found again on every CR3 switch" {
	vm_new t 16M
	vm_load t pg_spaces.elf
	run_to_exit t
	run vm_console t
	assert_output "pg_spaces: 0 mismatches"
	[ "$(stat_of t cr3_writes)" -ge 3200 ]
	[ "$(stat_of t cr3_cache_hits)" -ge 3000 ]
	[ "$(stat_of t shadow_pages_evicted)" -eq 0 ]
	# each address space keeps its soft TLB set across the switches
	[ "$(stat_of t tlb_flushes)" -le $(( $(stat_of t cr3_writes) / 10 )) ]
	[ "$(stat_of t tlb_switches)" -ge 3200 ]
	[ "$(stat_of t tlb_sets)" -le 128 ]
}

@test "soft TLB sets are bounded per VM: more address spaces than sets stay correct" {
	# 8 vcpus share the VM's 256 sets: 32 each, fewer than pg_spaces' 64 spaces
	mkdir "$MNT/t"
	echo "create u cpus=8" >"$MNT/ctl"
	echo "slot=0 gpa=0 size=16M" >"$MNT/u/memslots"
	vm_load u pg_spaces.elf
	[ "$(stat_of u tlb_sets_max)" -eq 32 ]
	run_to_exit u
	run vm_console u
	assert_output "pg_spaces: 0 mismatches"
	[ "$(stat_of u tlb_sets)" -eq 32 ]
	# sets taken over from other spaces are emptied first
	[ "$(stat_of u tlb_flushes)" -ge 3000 ]
	[ "$(stat_of t tlb_sets_max)" -eq 128 ]
}

@test "address spaces sharing a page table see each other's edits after a CR3 write" {
	local g
	for g in pg_asid pg_asid_pae; do
		vm_new "$g" 16M
		vm_load "$g" "$g.elf"
		run_to_exit "$g"
		run vm_console "$g"
		assert_output "pg_asid: 0 failed"
		# the spaces kept their soft TLB sets: not one flush per switch
		[ "$(stat_of "$g" tlb_flushes)" -lt "$(stat_of "$g" cr3_writes)" ]
	done
}

@test "a shadow page limit below the working set evicts and stays correct" {
	vm_new t 16M
	vm_load t pg_spaces.elf
	echo "limit=16" >"$MNT/t/cpu/0/mmu"
	run_to_exit t
	run vm_console t
	assert_output "pg_spaces: 0 mismatches"
	[ "$(stat_of t shadow_pages_evicted)" -gt 0 ]
	[ "$(stat_of t shadow_pages)" -le 20 ]
	write_fails ERANGE "$MNT/t/cpu/0/mmu" "limit=1"
}

@test "dirty logging under paging reports exactly the frames written through virtual addresses" {
	vm_new t 16M
	vm_load t pg_dirty.elf
	vm_run t
	run vm_exit t
	assert_output --regexp '^reason=io dir=out port=0x510 '
	echo "slot=0 flags=dirty_log" >"$MNT/t/memslots"
	run rd "$MNT/t/dirty_log"
	assert_output ''
	vm_run t
	run rd "$MNT/t/dirty_log"
	assert_output "$(printf '%s\n%s\n%s' \
		"slot=0 gfn=0x400 gpa=0x400000 pages=1" \
		"slot=0 gfn=0x406 gpa=0x406000 pages=1" \
		"slot=0 gfn=0x40f gpa=0x40f000 pages=1")"
	run_to_exit t
}

@test "tlb, translate and mmu show the guest's translations" {
	vm_new t 16M
	vm_load t pg_dirty.elf
	vm_run t
	grep -qx "gva=0x40002000 gpa=0x406000 rights=rwxs writable=1 size=4K" "$MNT/t/cpu/0/tlb"
	echo "gva=0x40005008" >"$MNT/t/cpu/0/translate"
	grep -qx "gpa=0x40f008" "$MNT/t/cpu/0/translate"
	echo "gva=0x40005008 user=1" >"$MNT/t/cpu/0/translate"
	grep -qx "error=0x5" "$MNT/t/cpu/0/translate"
	echo "gva=0x7ff00000 access=w" >"$MNT/t/cpu/0/translate"
	grep -qx "error=0x2" "$MNT/t/cpu/0/translate"
	grep -q "level=2 glevels=2 direct=0 quadrant=1 .*root_count=1 .*write_protected=1" "$MNT/t/cpu/0/mmu"
	echo "invlpg 0x40002000" >"$MNT/t/cpu/0/tlb"
	run grep -c "gva=0x40002000 " "$MNT/t/cpu/0/tlb"
	assert_output 0
	echo flush >"$MNT/t/cpu/0/tlb"
	run rd "$MNT/t/cpu/0/tlb"
	assert_output ''
	write_fails EINVAL "$MNT/t/cpu/0/tlb" "shootdown"
	write_fails EINVAL "$MNT/t/cpu/0/translate" "gva=zz"
	vm_run t
	run_to_exit t
}

@test "ring 3 with the GDT, IDT, TSS and ring-0 stack on supervisor pages: implicit supervisor accesses, SMAP, stac/clac" {
	for g in pg_ring pg_ring_pae; do
		vm_new "$g" 16M
		vm_load "$g" "$g.elf"
		run_to_exit "$g"
		run vm_console "$g"
		assert_line "pg_ring: 0 failed"
		assert_line "ring 3 int through a DPL-0 gate: #GP: vector 13 error 0x0000040a"
		# a fault of an implicit access from ring 3 has no U bit; SMAP ignores EFLAGS.AC there
		assert_line "SMAP: ... with EFLAGS.AC set in ring 3: vector 14 error 0x00000001 cr2 0x00500000"
		assert_line "ring 3 loads from an LDT on a page not present: vector 14 error 0x00000000 cr2 0x00501000"
		assert_line "ring 3 runs stac: #UD: vector 6 error 0x00000000"
		refute_line --partial "FAIL"
		[ "$(stat_of "$g" guest_page_faults)" -ge 7 ]
	done
	assert_line "bit MAXPHYADDR (cpuid 0x80000008) of a PTE is reserved: ok"
}

@test "cpuid advertises what paging does: PSE, PAE, PGE, PSE-36, NX, 1 GiB pages, SMEP, SMAP, MAXPHYADDR 36" {
	vm_new t 16M
	run rd "$MNT/t/cpu/0/cpuid"
	assert_line --regexp "^leaf=0x0 sub=0x0 eax=0xa "
	local ebx7
	ebx7=$(sed -n 's/^leaf=0x7 sub=0x0 .*ebx=\(0x[0-9a-f]*\) .*/\1/p' "$MNT/t/cpu/0/cpuid")
	[ $((ebx7 & 0x100080)) -eq $((0x100080)) ]
	assert_line "leaf=0x80000008 sub=0x0 eax=0x3024 ebx=0x0 ecx=0x0 edx=0x0"
	local edx1 edx81
	edx1=$(sed -n 's/^leaf=0x1 sub=0x0 .*edx=//p' "$MNT/t/cpu/0/cpuid")
	edx81=$(sed -n 's/^leaf=0x80000001 sub=0x0 .*edx=//p' "$MNT/t/cpu/0/cpuid")
	[ $((edx1 & 0x22048)) -eq $((0x22048)) ]
	[ $((edx81 & 0x4100000)) -eq $((0x4100000)) ]
}

@test "the paging guests print what QEMU (TCG, -cpu max) prints" {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
	local g cl want got bad=
	for g in pg_perm32 pg_perm_pae:nx pg_long pg_ring pg_ring_pae pg_unsync pg_unsync_pae pg_asid pg_asid_pae; do
		cl=${g#*:}
		[ "$cl" = "$g" ] && cl=
		g=${g%%:*}
		want=$(timeout 120 qemu-system-x86_64 -accel tcg -cpu max -display none -serial stdio -no-reboot \
			-device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$GUESTS/x86/$g.elf" ${cl:+-append "$cl"} 2>/dev/null) || true
		vm_new "$g" 16M
		vm_load "$g" "$g.elf" ${cl:+cmdline=$cl}
		while vm_run "$g"; do
			case $(rd "$MNT/$g/cpu/0/exit") in *reason=system_event*|*reason=shutdown*|*reason=internal*) break ;; esac
		done
		got=$(vm_console "$g")
		[ -n "$want" ] && [ "$want" = "$got" ] || bad+=" $g"
	done
	[ -z "$bad" ] || { echo "differ from QEMU:$bad"; false; }
}
