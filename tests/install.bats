#!/usr/bin/env bats
# Set-up as a new user meets it: make install and uninstall, and mounting the
# installed daemon the way mount(8) and fstab do it.  mount(8) hands a
# fuse.vmmfs mount to mount.fuse3, which runs `vmmfs SOURCE DIR -o OPTS` from
# mount's own PATH (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:...):
# the real mounts run in a private mount namespace with the temporary
# install bound over /usr/local/bin, so the system's own stays untouched.

load lib/vmmfs

setup() {
	cd "$VMMFS_ROOT" || return 1
	TMP=$(mktemp -d "$BATS_TEST_TMPDIR/install.XXXXXX")
}

teardown() {
	rm -rf "$TMP"
}

# make_install ARGS...: make install as a user types it, outside any make
# that runs this test.
make_install() {
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS timeout 300 make -s --no-print-directory "$@"
}

@test "install: make install DESTDIR PREFIX=/usr installs vmmfs, make uninstall removes it" {
	run make_install install DESTDIR="$TMP" PREFIX=/usr
	assert_success
	[ -x "$TMP/usr/bin/vmmfs" ]
	cmp "$TMP/usr/bin/vmmfs" vmmfs
	# nothing else lands outside the prefix
	[ "$(cd "$TMP" && find . -type f)" = "./usr/bin/vmmfs" ]
	run "$TMP/usr/bin/vmmfs" --version
	assert_success
	assert_output --partial "vmmfs "
	run make_install uninstall DESTDIR="$TMP" PREFIX=/usr
	assert_success
	[ ! -e "$TMP/usr/bin/vmmfs" ]
}

@test "install: the default PREFIX is /usr/local; a PREFIX off mount's PATH is pointed out" {
	run make_install install DESTDIR="$TMP"
	assert_success
	refute_output --partial "mount(8)"
	[ -x "$TMP/usr/local/bin/vmmfs" ]
	run make_install install DESTDIR="$TMP" PREFIX=/opt/vmmfs
	assert_success
	assert_output --partial "/opt/vmmfs/bin is not on mount(8)'s PATH"
}

# ns_prepare: install into $TMP/usr/local and make $MNT, a fresh directory.
ns_prepare() {
	[ "$(id -u)" = 0 ] || skip "mount(8) of a FUSE type needs root"
	command -v unshare >/dev/null || skip "no unshare (util-linux)"
	make_install install DESTDIR="$TMP" >/dev/null
	MNT=$(mktemp -d "$TMP/mnt.XXXXXX")
}

# in_ns SCRIPT: run SCRIPT under sh in a private mount namespace in which
# the install in $TMP/usr/local/bin is /usr/local/bin, from $TMP (mount(8)
# would take a SOURCE that names a file in the working directory, such as
# the repository's ./vmmfs, for that file's path).  The script unmounts on
# any exit, so no daemon outlives it.
in_ns() {
	(cd "$TMP" && timeout 60 unshare -m --propagation private sh -euc '
		mount --bind "$1/usr/local/bin" /usr/local/bin
		MNT=$2
		trap "fusermount3 -u \"\$MNT\" 2>/dev/null || umount -l \"\$MNT\" 2>/dev/null || true" EXIT
		'"$1" sh "$TMP" "$MNT")
}

@test "install: mount -t fuse.vmmfs vmmfs DIR mounts the installed daemon" {
	ns_prepare
	run in_ns '
		mount -t fuse.vmmfs vmmfs "$MNT"
		grep " $MNT " /proc/self/mounts
		echo "create t mem=1M" >"$MNT/ctl"
		cat "$MNT/t/ctl"
		umount "$MNT"
		grep -c " $MNT " /proc/self/mounts || true'
	assert_success
	assert_line --regexp "^vmmfs $MNT fuse\.vmmfs rw,"
	assert_line "state=stopped"
	# unmounted again
	assert_line "0"
}

@test "install: an fstab line 'vmmfs DIR fuse.vmmfs allow_other 0 0' mounts it" {
	ns_prepare
	run in_ns '
		echo "vmmfs $MNT fuse.vmmfs allow_other 0 0" >"$MNT.fstab"
		mount -T "$MNT.fstab" "$MNT"
		grep " $MNT " /proc/self/mounts
		mkdir "$MNT/v"
		ls "$MNT"
		umount "$MNT"'
	assert_success
	assert_line --regexp "^vmmfs $MNT fuse\.vmmfs rw,.*allow_other"
	assert_line "v"
}

@test "install: the daemon takes mount.fuse3's form: SOURCE MOUNTPOINT -o rw,dev,suid,..." {
	# what mount.fuse3 passes, with options of mount(8)'s own that mean
	# nothing to the daemon (the daemon goes to the background once mounted)
	MNT=$(mktemp -d "$BATS_TEST_TMPDIR/mnt.XXXXXX")
	timeout 10 "$VMMFS_BIN" vmmfsdemo "$MNT" -o rw,dev,suid,noatime,nofail,x-systemd.automount
	run grep " $MNT " /proc/self/mounts
	timeout 5 fusermount3 -u "$MNT"
	assert_output --regexp "^vmmfsdemo $MNT fuse\.vmmfs rw,.*noatime"
	rmdir "$MNT"
}

@test "install: mount options that contradict vmmfs are refused with the reason" {
	MNT=$(mktemp -d "$BATS_TEST_TMPDIR/mnt.XXXXXX")
	for o in ro uid=1000 umask=022 allow_root; do
		run timeout 10 "$VMMFS_BIN" vmmfs "$MNT" -o "rw,$o"
		assert_failure
		assert_output --partial "vmmfs: mount option '$o' refused: "
	done
	run timeout 10 "$VMMFS_BIN" vmmfs "$MNT" -o bogus
	assert_failure
	assert_output --partial "bogus"
	run timeout 10 "$VMMFS_BIN" a b "$MNT"
	assert_failure
	assert_output --partial "one more argument than [SOURCE] MOUNTPOINT"
	# none of them mounted anything
	run grep -c " $MNT " /proc/self/mounts
	assert_output 0
	rmdir "$MNT"
}
