#!/usr/bin/env bats
# make run (tools/demo.sh): the demo boots its guest, and running it again
# reuses the vmmfs it mounted instead of starting one more daemon.

load lib/vmmfs

setup() {
	cd "$VMMFS_ROOT" || return 1
	need_guest demo.elf
	D=$(mktemp -d "$BATS_TEST_TMPDIR/demo.XXXXXX")
	MNT=$D/vmmfs-demo-$(id -u)
}

# The mountpoints of vmmfs mounts under $D.
demo_mounts() {
	awk -v d="$D/" 'index($5, d) == 1 { for (i = 7; $i != "-"; i++) ; if ($(i + 1) == "fuse.vmmfs") print $5 }' \
		/proc/self/mountinfo
}

teardown() {
	local m

	for m in $(demo_mounts); do
		timeout 5 fusermount3 -u "$m" 2>/dev/null || timeout 5 fusermount3 -uz "$m" 2>/dev/null || true
	done
	rm -rf "$D"
}

# demo: tools/demo.sh with its default mountpoint under $D.
demo() {
	XDG_RUNTIME_DIR=$D TMPDIR=$D timeout 120 tools/demo.sh
}

@test "demo: make run boots the guest and says how to unmount" {
	run demo
	assert_success
	assert_output --partial "fusermount3 -u $MNT"
	assert_output --partial "cat $MNT/log"
	[ "$(demo_mounts)" = "$MNT" ]
}

@test "demo: make run twice leaves one daemon mounted, reusing the first" {
	run demo
	assert_success
	before=$(pgrep -f -x "./vmmfs $MNT" || true)
	[ -n "$before" ]
	run demo
	assert_success
	[ "$(demo_mounts)" = "$MNT" ]
	[ "$(pgrep -f -x "./vmmfs $MNT" || true)" = "$before" ]
}

@test "demo: a vmmfs whose daemon died is unmounted and mounted anew" {
	run demo
	assert_success
	pid=$(pgrep -f -x "./vmmfs $MNT")
	kill -KILL "$pid"
	wait_until 5 sh -c "! kill -0 $pid 2>/dev/null"
	run demo
	assert_success
	assert_output --partial "does not answer: unmounting it"
	[ "$(demo_mounts)" = "$MNT" ]
	timeout 5 cat "$MNT/info" >/dev/null
}
