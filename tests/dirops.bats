#!/usr/bin/env bats
# What the tree does not support answers as sysfs and procfs do (the VFS's
# errnos for a directory without the operation), with one log line each;
# mv of a VM's directory renames the VM.

load lib/vmmfs

setup() {
	vmmfs_setup
	export LC_ALL=C
	mkdir "$MNT/a"
}
teardown() { vmmfs_teardown; }

# refused ERRNO_TEXT LOG CMD...: CMD fails, saying strerror(ERRNO), and adds
# exactly one line to LOG (left in LOGLINE).
refused() {
	local want=$1 log=$2 before
	shift 2
	before=$(log_count "$log")
	run timeout 10 "$@"
	assert_failure
	assert_output --partial "$want"
	LOGLINE=$(rd "$log" | tail -n +$((before + 1)))
	[ "$(log_count "$log")" -eq $((before + 1)) ] ||
		fail "$* added $(($(log_count "$log") - before)) lines to ${log#"$MNT"/}, not 1: $LOGLINE"
}

@test "dirops: touch of a new file is EACCES, in the root and in a VM" {
	refused "Permission denied" "$MNT/log" touch "$MNT/new"
	[[ $LOGLINE == "create new: "* ]]
	refused "Permission denied" "$MNT/a/log" touch "$MNT/a/new"
	refused "Permission denied" "$MNT/a/log" touch "$MNT/a/cpu/new"
	[ ! -e "$MNT/a/new" ]
	# touching a file that exists still works
	timeout 10 touch "$MNT/a/ctl"
}

@test "dirops: rm of a file is EPERM and the file stays" {
	refused "Operation not permitted" "$MNT/a/log" rm -f "$MNT/a/ctl"
	[[ $LOGLINE == "unlink ctl: "*"rmdir removes a VM" ]]
	refused "Operation not permitted" "$MNT/log" rm -f "$MNT/info"
	[ -f "$MNT/a/ctl" ] && [ -f "$MNT/info" ]
}

@test "dirops: ln -s, ln and mknod are EPERM" {
	refused "Operation not permitted" "$MNT/a/log" ln -s ctl "$MNT/a/l"
	[[ $LOGLINE == "symlink l: "* ]]
	refused "Operation not permitted" "$MNT/a/log" ln "$MNT/a/ctl" "$MNT/a/l"
	[[ $LOGLINE == "link l: "* ]]
	refused "Operation not permitted" "$MNT/a/log" mknod "$MNT/a/p" p
	[[ $LOGLINE == "mknod p: "* ]]
	refused "Operation not permitted" "$MNT/log" mknod "$MNT/p" p
	[ ! -e "$MNT/a/l" ] && [ ! -e "$MNT/a/p" ] && [ ! -e "$MNT/p" ]
}

@test "dirops: mv of a file is EPERM, in a VM and in the root" {
	refused "Operation not permitted" "$MNT/a/log" mv "$MNT/a/ctl" "$MNT/a/ctl2"
	[[ $LOGLINE == "rename ctl: only a VM's directory can be renamed"* ]]
	refused "Operation not permitted" "$MNT/log" mv "$MNT/ctl" "$MNT/ctl2"
	mkdir "$MNT/b"
	# a VM's directory moved into another VM's
	refused "Operation not permitted" "$MNT/log" mv "$MNT/a" "$MNT/b/"
	[ -f "$MNT/a/ctl" ] && [ -f "$MNT/ctl" ] && [ -d "$MNT/a" ]
}

@test "dirops: mv of a VM's directory renames the VM, state and all" {
	echo "slot=0 gpa=0 size=1M" >"$MNT/a/memslots"
	echo "rax=0x1234" >"$MNT/a/regs"
	timeout 10 mv "$MNT/a" "$MNT/renamed"
	[ ! -e "$MNT/a" ]
	run ls "$MNT"
	assert_output "$(printf 'ctl\ninfo\nlog\nrenamed')"
	assert_file_line "$MNT/renamed/memslots" "slot=0 gpa=0x0 size=0x100000 flags=none backing=anon"
	run rd "$MNT/renamed/regs"
	assert_line "rax=0x1234"
	run rd "$MNT/renamed/log"
	assert_line "renamed: a -> renamed"
	# the old name is free again, the new one is taken
	mkdir "$MNT/a"
	write_fails EEXIST "$MNT/ctl" "create renamed"
	echo "destroy renamed" >"$MNT/ctl"
	[ ! -e "$MNT/renamed" ]
}

@test "dirops: renaming a VM onto a taken name is EEXIST, onto a bad name EINVAL" {
	mkdir "$MNT/b"
	refused "File exists" "$MNT/log" mv -T "$MNT/a" "$MNT/b"
	[[ $LOGLINE == "rename a to b: a VM named 'b' exists" ]]
	# (mv reads EINVAL from rename(2) as a move into the directory itself)
	run timeout 10 mv -T "$MNT/a" "$MNT/bad:name"
	assert_failure
	run rd "$MNT/log"
	assert_line --partial "rename a to bad:name: 'bad:name' is not a VM name"
	run timeout 10 mv -T "$MNT/a" "$MNT/info"
	assert_failure
	[ -d "$MNT/a" ] && [ -d "$MNT/b" ]
}
