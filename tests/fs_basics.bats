#!/usr/bin/env bats
# The root of the mount, creating and destroying VMs, what a VM's directory
# holds, and who may see it.

load lib/vmmfs

setup() { vmmfs_setup; }
teardown() { vmmfs_teardown; }

@test "the root holds ctl, info and log; info names the version, x86 and the VM count" {
	run ls "$MNT"
	assert_success
	assert_output "$(printf 'ctl\ninfo\nlog')"
	run rd "$MNT/info"
	assert_success
	assert_line --regexp '^version=[0-9]+\.[0-9]+'
	assert_line --regexp '^archs=(.* )?x86( .*)?$'
	assert_line 'vms=0'
}

@test "create and destroy through the root ctl" {
	echo "create a mem=16M" >"$MNT/ctl"
	[ -d "$MNT/a" ]
	assert_file_line "$MNT/a/memslots" "slot=0 gpa=0x0 size=0x1000000 flags=none backing=anon"
	run rd "$MNT/info"
	assert_line 'vms=1'
	echo "destroy a" >"$MNT/ctl"
	[ ! -e "$MNT/a" ]
	run ls "$MNT"
	assert_output "$(printf 'ctl\ninfo\nlog')"
	run rd "$MNT/info"
	assert_line 'vms=0'
}

@test "mkdir creates a VM with defaults (x86, no memory, one cpu), rmdir destroys it" {
	mkdir "$MNT/b"
	run ls "$MNT"
	assert_line b
	run rd "$MNT/b/memslots"
	assert_success
	assert_output ''
	run ls "$MNT/b/cpu"
	assert_output 0
	assert_file_line "$MNT/b/ctl" "state=stopped"
	rmdir "$MNT/b"
	[ ! -e "$MNT/b" ]
	run rd "$MNT/info"
	assert_line 'vms=0'
}

@test "a VM's directory holds its files and one directory per vcpu" {
	echo "create c mem=1M cpus=3" >"$MNT/ctl"
	run ls "$MNT/c"
	for f in ctl memslots mem dirty_log console log stats regs events cpu; do
		assert_line "$f"
	done
	run ls "$MNT/c/cpu"
	assert_output "$(printf '0\n1\n2')"
	run ls "$MNT/c/cpu/1"
	for f in ctl exit regs events stats; do
		assert_line "$f"
	done
	run rd "$MNT/c/stats"
	assert_success
	assert_line 'instructions=0'
	assert_line --regexp '^exits=0$'
}

@test "several VMs live side by side, each in its directory" {
	for n in v1 v2 v3; do mkdir "$MNT/$n"; done
	echo "create v4" >"$MNT/ctl"
	run ls "$MNT"
	assert_output "$(printf 'ctl\ninfo\nlog\nv1\nv2\nv3\nv4')"
	run rd "$MNT/info"
	assert_line 'vms=4'
	rmdir "$MNT/v2"
	run ls "$MNT"
	assert_output "$(printf 'ctl\ninfo\nlog\nv1\nv3\nv4')"
}

@test "a duplicate create is EEXIST, logged in the root log" {
	mkdir "$MNT/d"
	write_fails EEXIST "$MNT/ctl" "create d"
	assert_regex "$LOGLINE" 'd'
	run mkdir "$MNT/d"
	assert_failure
	assert_output --partial 'File exists'
}

@test "bad VM names are EINVAL, each with a line in the root log" {
	for name in .hidden 'a*b' 'caf\xc3\xa9' ctl info log \
	    abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij1234; do
		write_fails EINVAL "$MNT/ctl" "create $(printf "$name")"
	done
	write_fails EINVAL "$MNT/ctl" "create name=x"
	run ls "$MNT"
	assert_output "$(printf 'ctl\ninfo\nlog')"
	# a 63-character name is the longest allowed
	echo "create abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij123" >"$MNT/ctl"
	[ -d "$MNT/abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij123" ]
}

@test "mkdir with a bad name fails and says why in the root log" {
	run mkdir "$MNT/a b"
	assert_failure
	run mkdir "$MNT/.dot"
	assert_failure
	run rd "$MNT/log"
	assert_line --partial 'a b'
	assert_line --partial '.dot'
	run ls "$MNT"
	assert_output "$(printf 'ctl\ninfo\nlog')"
}

@test "an unknown arch is EINVAL with a log line that names the known ones" {
	write_fails EINVAL "$MNT/ctl" "create e arch=vax"
	assert_regex "$LOGLINE" 'vax'
	assert_regex "$LOGLINE" 'x86'
	[ ! -e "$MNT/e" ]
}

@test "bad create options and bad root commands are refused and logged" {
	write_fails EINVAL "$MNT/ctl" "create f mem=12345"
	write_fails EINVAL "$MNT/ctl" "create f mem=lots"
	write_fails ERANGE "$MNT/ctl" "create f cpus=1000"
	write_fails EINVAL "$MNT/ctl" "create f cpus=0x"
	write_fails EINVAL "$MNT/ctl" "create f bogus=1"
	write_fails EINVAL "$MNT/ctl" "frobnicate f"
	assert_regex "$LOGLINE" 'create'
	write_fails EINVAL "$MNT/ctl" "create"
	write_fails ENOENT "$MNT/ctl" "destroy nosuchvm"
	[ ! -e "$MNT/f" ]
	run rd "$MNT/info"
	assert_line 'vms=0'
}

@test "rmdir of a missing VM is ENOENT; destroying twice fails the second time" {
	run rmdir "$MNT/nope"
	assert_failure
	assert_output --partial 'No such file'
	mkdir "$MNT/g"
	echo "destroy g" >"$MNT/ctl"
	write_fails ENOENT "$MNT/ctl" "destroy g"
}

@test "a destroyed VM's name can be used again, and the new VM starts empty" {
	vm_new h 1M
	echo "destroy h" >"$MNT/ctl"
	mkdir "$MNT/h"
	run rd "$MNT/h/memslots"
	assert_output ''
}

@test "a VM's directory is mode 0700 and owned by its creator" {
	mkdir "$MNT/i"
	run stat -c '%a %u %g' "$MNT/i"
	assert_output "700 $(id -u) $(id -g)"
	run stat -c '%u' "$MNT/i/ctl" "$MNT/i/mem" "$MNT/i/cpu/0/ctl"
	assert_output "$(printf '%s\n%s\n%s' "$(id -u)" "$(id -u)" "$(id -u)")"
}

@test "with allow_other, another user's mkdir makes a VM that user owns, and cannot enter mine" {
	[ "$(id -u)" = 0 ] || skip "needs root to act as another user"
	command -v setpriv >/dev/null || skip "needs setpriv"
	vmmfs_unmount
	VMMFS_MNT_BASE=$(mktemp -d "${TMPDIR:-/tmp}/vmmfs-shared.XXXXXX")
	chmod 755 "$VMMFS_MNT_BASE"
	VMMFS_MNT_BASE=$VMMFS_MNT_BASE vmmfs_mount -o allow_other
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	mkdir "$MNT/mine"
	as_nobody mkdir "$MNT/theirs"
	run stat -c '%a %u' "$MNT/theirs"
	assert_output "700 65534"
	run as_nobody ls "$MNT/mine"
	assert_failure
	assert_output --partial 'Permission denied'
	run as_nobody sh -c "echo 'slot=0 gpa=0 size=4K' > '$MNT/mine/memslots'"
	assert_failure
	run as_nobody sh -c "echo 'destroy mine' > '$MNT/ctl'"
	assert_failure
	[ -d "$MNT/mine" ]
	as_nobody sh -c "echo 'slot=0 gpa=0 size=4K' > '$MNT/theirs/memslots'"
	run rd "$MNT/theirs/memslots"
	assert_output --partial 'size=0x1000'
}
