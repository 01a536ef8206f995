#!/usr/bin/env bats
# Linux 6.1 for the 440 (Bamboo) boots to its init and reboots, through the
# files: load with a command line, start, console, the exit in ctl, stats.
# Three ways: without the paravirtual interface, with it (the stock kernel
# maps the magic page but patches nothing), and with the kernel's
# self-test fixed (it patches itself and uses the magic page).
#
# The kernels are built by `make check-linux` (scripts/linux440.sh kernel);
# without them these tests are skipped.

load lib/vmmfs

setup() {
	vmmfs_setup
	cache=${VMMFS_LINUX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmmfs}
}
teardown() { vmmfs_teardown; }

# boot_linux KERNEL_DIR PV: boot it, wait for the reboot; OUT holds boot's report.
boot_linux() {
	local img=$cache/$1/vmlinux

	[ -f "$img" ] || skip "no kernel at $img: make check-linux builds it (needs linux-source-6.1)"
	OUT=$(timeout 120 scripts/linux440.sh boot "$MNT" "$img" "pv=$2")
	CONSOLE=$(rd "$MNT/linux/console")
}

stat_of() {
	echo "$OUT" | sed -n "s/^$1=//p"
}

assert_booted() {
	echo "$OUT" | grep -qx "state=exited reason=system_event type=reset code=3" ||
		fail "no reset through DBCR0: $(echo "$OUT" | grep '^state=')"
	grep -qF "=== ppc440 test init: hello from userspace (pid 1) ===" <<<"$CONSOLE" ||
		fail "no init banner in console"
	grep -qF "compute result=0x8a69d5be" <<<"$CONSOLE" || fail "wrong or no compute result"
	grep -qF "reboot: Restarting system" <<<"$CONSOLE" || fail "the kernel did not reboot"
	grep -qF "cpu		: 440EP Rev. B" <<<"$CONSOLE" || fail "/proc/cpuinfo does not show the 440EP"
}

@test "linux: boots to init and reboots without the paravirtual interface" {
	boot_linux linux440 off
	assert_booted
	grep -qF "HYPERVISOR-NODE: absent" <<<"$CONSOLE" || fail "the kernel saw a hypervisor node"
	[ "$(stat_of hcall_features)" = 0 ] && [ "$(stat_of hcall_map_magic_page)" = 0 ]
	[ "$(stat_of int_fp_unavailable)" -ge 1 ]	# glibc's first stfd
	[ "$(stat_of int_program)" -ge 1 ]		# user-mode mfspr PVR, emulated by the kernel
	[ "$(stat_of trap_wrteei)" -gt 1000 ]
}

@test "linux: with the paravirtual interface, the stock kernel makes its two hypercalls" {
	boot_linux linux440 on
	assert_booted
	grep -qF "HYPERVISOR-NODE: present" <<<"$CONSOLE" || fail "no /hypervisor seen by init"
	grep -qF 'compatible = "linux,kvm' <<<"$CONSOLE"
	[ "$(stat_of hcall_features)" = 1 ]
	[ "$(stat_of hcall_map_magic_page)" = 1 ]
	[ "$(stat_of hcall_unimplemented)" = 0 ]
	# its self-test rejects the magic page's address on 32-bit: nothing is patched
	! grep -qF "KVM: Live patching" <<<"$CONSOLE"
	[ "$(stat_of magic_read_fills)" = 0 ] && [ "$(stat_of magic_write_fills)" = 0 ]
}

@test "linux: with the self-test fixed, the kernel patches itself and runs on the magic page" {
	boot_linux linux440-pvfix on
	assert_booted
	grep -qF "KVM: Live patching for a fast VM" <<<"$CONSOLE" || fail "the kernel did not patch itself"
	[ "$(stat_of hcall_map_magic_page)" = 1 ]
	# counted per soft-TLB fill, not per access
	[ "$(stat_of magic_read_fills)" -gt 100 ]
	[ "$(stat_of magic_write_fills)" -gt 100 ]
	# the patched mfmsr sites now read the magic page instead of trapping
	[ "$(stat_of trap_mfmsr)" -lt 20000 ]
}

@test "linux: after it reboots, a machine reset boots it again from the kept image" {
	local state n
	boot_linux linux440 off
	assert_booted
	# the first boot overwrote the image's first words: only placing the
	# image again (not jumping back into RAM as it is) boots a second time
	echo reset >"$MNT/linux/ctl"
	echo start >"$MNT/linux/ctl"
	for _ in $(seq 600); do
		state=$(rd "$MNT/linux/ctl")
		case $state in state=running* | state=halted*) sleep 0.1 ;; *) break ;; esac
	done
	[[ $state == *"reason=system_event type=reset code=3"* ]] || fail "second boot ended: $state"
	n=$(grep -cF "=== ppc440 test init: hello from userspace (pid 1) ===" "$MNT/linux/console")
	[ "$n" -eq 2 ] || fail "the init banner appeared $n times"
}
