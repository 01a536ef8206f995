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

# A root-only directory holding a world-readable file, and the daemon holding
# that file open as a root VM's slot.
root_secret() {
	SECRET_DIR=$VMMFS_MNT_BASE/rootonly
	mkdir -m 700 "$SECRET_DIR"
	cp tests/guests/x86/hello.elf "$SECRET_DIR/ram"
	truncate -s 1M "$SECRET_DIR/ram"
	chmod 644 "$SECRET_DIR/ram"
	vm_new rootvm
	echo "slot=1 gpa=16M size=1M file=$SECRET_DIR/ram" >"$MNT/rootvm/memslots"
	SECRET_FD=$(find "/proc/$VMMFS_PID/fd" -lname "$SECRET_DIR/ram" -printf '%f\n' | head -n 1)
	[ -n "$SECRET_FD" ] || fail "the daemon does not hold $SECRET_DIR/ram open"
}

# refused_as_nobody ERRNO FILE TEXT LOGPATTERN: nobody's write is refused
# with ERRNO and the VM's log says why in one new line.
refused_as_nobody() {
	local want=$1 file=$2 text=$3 pat=$4 log before

	log=$(log_of "$file")
	before=$(log_count "$log")
	assert_equal "$(cd "$VMMFS_MNT_BASE" && timeout 10 setpriv --reuid=nobody --regid=nogroup \
		--clear-groups -- "$VMMFS_MNT_BASE/errno_write" "$file" "$text")" "$want"
	assert_equal "$(log_count "$log")" $((before + 1))
	run rd "$log"
	assert_line --index "$before" --regexp "$pat"
}

@test "/proc magic links do not lend nobody the daemon's or root's rights" {
	root_secret
	as_nobody mkdir "$MNT/u"
	assert_equal "$(nobody_write "$MNT/u/memslots" "slot=0 gpa=0 size=16M")" OK
	run as_nobody cat "$SECRET_DIR/ram"
	assert_failure
	# the daemon's own fds, by its pid and as /proc/self
	for p in "/proc/self/fd/$SECRET_FD" "/proc/$VMMFS_PID/fd/$SECRET_FD" \
		 "/proc/thread-self/fd/$SECRET_FD"; do
		refused_as_nobody EACCES "$MNT/u/memslots" "slot=1 gpa=16M size=1M file=$p flags=readonly" \
			'^memslots: file=.*magic link'
		refused_as_nobody EACCES "$MNT/u/ctl" "load $p" '^ctl: load .*magic link'
	done
	# a root process's working directory
	(cd "$SECRET_DIR" && exec sleep 30) &
	rootpid=$!
	refused_as_nobody EACCES "$MNT/u/ctl" "load /proc/$rootpid/cwd/ram" "^ctl: load /proc/$rootpid/cwd/ram: "
	refused_as_nobody EACCES "$MNT/u/memslots" "slot=1 gpa=16M size=1M file=/proc/$rootpid/cwd/ram" \
		'^memslots: file='
	kill "$rootpid"
	# legitimate paths still work: absolute, relative to the writer's directory
	assert_equal "$(nobody_write "$MNT/u/ctl" "load $VMMFS_MNT_BASE/hello.elf")" OK
	assert_equal "$(cd "$VMMFS_MNT_BASE" && nobody_write "$MNT/u/ctl" "load ./hello.elf")" OK
	truncate -s 1M "$VMMFS_MNT_BASE/own"
	chown nobody "$VMMFS_MNT_BASE/own"
	assert_equal "$(cd "$VMMFS_MNT_BASE" && nobody_write "$MNT/u/memslots" "slot=2 gpa=32M size=1M file=own")" OK
	# and root's relative paths too
	(cd "$SECRET_DIR" && echo "load ram" >"$MNT/rootvm/ctl") || true
	run rd "$MNT/rootvm/log"
	refute_output --partial "working directory"
}

@test "the daemon runs without CAP_SYS_PTRACE in effect and with a reduced bounding set" {
	eff=$(awk '/^CapEff:/ { print $2 }' "/proc/$VMMFS_PID/status")
	bnd=$(awk '/^CapBnd:/ { print $2 }' "/proc/$VMMFS_PID/status")
	# CAP_SYS_PTRACE is bit 19
	assert_equal $(((0x$eff >> 19) & 1)) 0
	# CAP_NET_ADMIN (12), CAP_SYS_MODULE (16), CAP_SYS_RAWIO (17) are gone for good
	assert_equal $(((0x$bnd >> 12) & 1)) 0
	assert_equal $(((0x$bnd >> 16) & 1)) 0
	assert_equal $(((0x$bnd >> 17) & 1)) 0
}

@test "a file on this vmmfs mount cannot back a slot or be loaded (it would wait on itself)" {
	vm_new a
	vm_new b
	run timeout -k 2 10 "$ERRNO_WRITE" "$MNT/b/memslots" "slot=1 gpa=16M size=4K file=$MNT/a/mem"
	assert_output EINVAL
	run rd "$MNT/b/log"
	assert_line --regexp '^memslots: file=.*a file of this vmmfs mount'
	run timeout -k 2 10 "$ERRNO_WRITE" "$MNT/b/ctl" "load $MNT/a/mem"
	assert_output EINVAL
	run rd "$MNT/b/log"
	assert_line --regexp '^ctl: load .*a file of this vmmfs mount'
	# the VMs' files still answer
	run rd "$MNT/a/memslots" "$MNT/b/memslots"
	assert_success
}

@test "FIFOs, devices and directories are refused at once, as load and as file=" {
	vm_new a
	mkfifo "$VMMFS_MNT_BASE/fifo"
	for p in "$VMMFS_MNT_BASE/fifo" /dev/zero "$VMMFS_MNT_BASE"; do
		run timeout -k 2 10 "$ERRNO_WRITE" "$MNT/a/ctl" "load $p"
		assert_output EINVAL
		run timeout -k 2 10 "$ERRNO_WRITE" "$MNT/a/memslots" "slot=1 gpa=16M size=4K file=$p"
		assert_output EINVAL
		run timeout -k 2 10 "$ERRNO_WRITE" "$MNT/a/memslots" "slot=1 gpa=16M size=4K file=$p flags=readonly"
		assert_output EINVAL
	done
	run rd "$MNT/a/log"
	assert_line --regexp "^ctl: load $VMMFS_MNT_BASE/fifo: not a regular file \\(a FIFO\\)"
	assert_line --regexp '^ctl: load /dev/zero: not a regular file \(a device\)'
	assert_line --regexp "^memslots: file=$VMMFS_MNT_BASE: a directory"
	assert_equal "$(grep -c . <<<"$output")" 10	# created, and one line per refusal
}

@test "all of a caller's groups count, not only the first 64" {
	as_nobody mkdir "$MNT/g"
	assert_equal "$(nobody_write "$MNT/g/memslots" "slot=0 gpa=0 size=16M")" OK
	cp tests/guests/x86/hello.elf "$VMMFS_MNT_BASE/g100.elf"
	chown root:61100 "$VMMFS_MNT_BASE/g100.elf"
	chmod 640 "$VMMFS_MNT_BASE/g100.elf"
	groups=$(seq -s, 61001 61100)
	got=$(setpriv --reuid=nobody --regid=nogroup --groups="$groups" -- \
		"$VMMFS_MNT_BASE/errno_write" "$MNT/g/ctl" "load $VMMFS_MNT_BASE/g100.elf") || true
	assert_equal "$got" OK
	# and without the hundredth group, no
	got=$(setpriv --reuid=nobody --regid=nogroup --groups="${groups%,61100}" -- \
		"$VMMFS_MNT_BASE/errno_write" "$MNT/g/ctl" "load $VMMFS_MNT_BASE/g100.elf") || true
	assert_equal "$got" EACCES
}

@test "names, paths and commands reach the logs with control characters escaped, one line each" {
	run mkdir "$MNT/$(printf 'a\033[2Jb\nc')"
	assert_failure
	run rd "$MNT/log"
	assert_line --regexp '^mkdir a\\x1b\[2Jb\\x0ac: .* is not a VM name'
	vm_new t
	write_errno ENOENT "$MNT/t/ctl" "load /nonexistent/$(printf '\033]0;owned\007\302\233x\303\251')"
	run rd "$MNT/t/log"
	assert_line "ctl: load /nonexistent/\\x1b]0;owned\\x07\\xc2\\x9bxé: No such file or directory"
	write_errno EINVAL "$MNT/t/ctl" "$(printf 'bogus\033[31m \377')"
	for log in "$MNT/log" "$MNT/t/log"; do
		run grep -c $'[\x01-\x09\x0b-\x1f\x7f]' "$log"
		assert_output 0
	done
	run rd "$MNT/t/log"
	assert_line --regexp '\\x1b\[31m.*\\xff|\\xff.*\\x1b\[31m|bogus\\x1b\[31m'
}
