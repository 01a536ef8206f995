#!/usr/bin/env bats
# Who can do what: with -o allow_other a VM belongs to its creator, and paths
# given in writes are opened with the writer's rights.  The other user is
# `nobody`, run through setpriv.

load lib/vmmfs

setup() {
	cd "$VMMFS_ROOT" || return 1
	ERRNO_WRITE=$(errno_write_bin) || return 1
	# a mountpoint and a guest copy that `nobody` can reach
	VMMFS_MNT_BASE=$(mktemp -d /tmp/vmmfs-users.XXXXXX)
	chmod 755 "$VMMFS_MNT_BASE"
	cp "$ERRNO_WRITE" "$VMMFS_MNT_BASE/errno_write"
	cp tests/guests/x86/hello.elf "$VMMFS_MNT_BASE/hello.elf"
	chmod 755 "$VMMFS_MNT_BASE/errno_write"
	chmod 644 "$VMMFS_MNT_BASE/hello.elf"
	vmmfs_mount -o allow_other
}

teardown() {
	local base=$VMMFS_MNT_BASE

	vmmfs_teardown
	rm -rf "$base"
}

as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
}

# errno of one write by nobody
nobody_write() {
	as_nobody "$VMMFS_MNT_BASE/errno_write" "$@" || true
}

@test "another user cannot list, read, write or destroy a VM it does not own" {
	vm_new mine
	run as_nobody ls "$MNT/mine"
	assert_failure
	assert_output --partial "Permission denied"
	run as_nobody cat "$MNT/mine/regs"
	assert_failure
	assert_equal "$(nobody_write "$MNT/mine/ctl" stop)" EACCES
	assert_equal "$(nobody_write "$MNT/ctl" "destroy mine")" EACCES
	run as_nobody rmdir "$MNT/mine"
	assert_failure
	assert [ -d "$MNT/mine" ]
	# nor take its name
	assert_equal "$(nobody_write "$MNT/ctl" "create mine")" EEXIST
	run as_nobody mkdir "$MNT/mine"
	assert_failure
}

@test "a user's own VM is theirs: created, run and destroyed without root" {
	as_nobody mkdir "$MNT/theirs"
	assert_equal "$(stat -c %u:%a "$MNT/theirs")" "65534:700"
	assert_equal "$(nobody_write "$MNT/theirs/memslots" "slot=0 gpa=0 size=16M")" OK
	assert_equal "$(cd "$VMMFS_MNT_BASE" && nobody_write "$MNT/theirs/ctl" "load hello.elf")" OK
	assert_equal "$(nobody_write "$MNT/theirs/cpu/0/ctl" run)" OK
	run as_nobody cat "$MNT/theirs/console"
	assert_output "Hello from vmmfs"
	run as_nobody rmdir "$MNT/theirs"
	assert_success
	assert [ ! -e "$MNT/theirs" ]
}

@test "load and file= open paths with the writer's rights, not the daemon's" {
	as_nobody mkdir "$MNT/u"
	assert_equal "$(nobody_write "$MNT/u/memslots" "slot=0 gpa=0 size=16M")" OK
	secret=$VMMFS_MNT_BASE/secret.elf
	cp tests/guests/x86/hello.elf "$secret"
	chmod 600 "$secret"			# root's alone
	assert_equal "$(nobody_write "$MNT/u/ctl" "load $secret")" EACCES
	run rd "$MNT/u/log"
	assert_output --partial "Permission denied"
	truncate -s 1M "$VMMFS_MNT_BASE/ram"
	chmod 600 "$VMMFS_MNT_BASE/ram"
	assert_equal "$(nobody_write "$MNT/u/memslots" "slot=1 gpa=0x2000000 size=1M file=$VMMFS_MNT_BASE/ram")" EACCES
	# root, the file's owner, may
	echo "slot=1 gpa=0x2000000 size=1M file=$VMMFS_MNT_BASE/ram" >"$MNT/u/memslots"
	run rd "$MNT/u/memslots"
	assert_line "slot=1 gpa=0x2000000 size=0x100000 flags=none backing=file file=$VMMFS_MNT_BASE/ram"
}
