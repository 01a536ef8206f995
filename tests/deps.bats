#!/usr/bin/env bats
# scripts/deps.sh, the package installer behind make: it waits for a held
# dpkg lock and tries again, installs no recommends, and make -j runs one
# apt-get at a time.  apt-get, dpkg-query and id are stand-ins on PATH that
# record their calls, so no package is touched.

load lib/vmmfs

setup() {
	cd "$VMMFS_ROOT" || return 1
	STUB=$(mktemp -d "$BATS_TEST_TMPDIR/stub.XXXXXX")
	# every package is missing, and we are root
	printf '#!/bin/sh\nexit 1\n' >"$STUB/dpkg-query"
	printf '#!/bin/sh\necho 0\n' >"$STUB/id"
	chmod +x "$STUB/dpkg-query" "$STUB/id"
}

# apt_stub FAILURES: apt-get logs its arguments (and whether another one is
# running) to $STUB/calls and fails its first FAILURES installs as apt-get
# does when the dpkg lock stays held.
apt_stub() {
	cat >"$STUB/apt-get" <<EOF
#!/bin/sh
if ! mkdir "$STUB/running" 2>/dev/null; then echo "OVERLAP" >>"$STUB/calls"; fi
echo "\$*" >>"$STUB/calls"
sleep 0.3
rmdir "$STUB/running" 2>/dev/null
echo "done" >>"$STUB/calls"
case " \$* " in *" install "*) ;; *) exit 0 ;; esac
n=\$(cat "$STUB/n" 2>/dev/null || echo 0)
echo \$((n + 1)) >"$STUB/n"
if [ "\$n" -lt $1 ]; then
	echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 1 (apt-get)" >&2
	exit 100
fi
EOF
	chmod +x "$STUB/apt-get"
}

@test "deps: apt-get waits for the dpkg lock and installs no recommends" {
	apt_stub 0
	run env PATH="$STUB:$PATH" DEPS_LOCK_WAIT=7 scripts/deps.sh build
	assert_success
	run cat "$STUB/calls"
	assert_line --regexp "^-q -o DPkg::Lock::Timeout=7 install -y --no-install-recommends .*libfuse3-dev"
}

@test "deps: an install that fails on a held lock is tried again, and the lists refreshed once" {
	apt_stub 2
	run env PATH="$STUB:$PATH" DEPS_LOCK_WAIT=1 scripts/deps.sh build
	assert_success
	run grep -c " install " "$STUB/calls"
	assert_output 3
	run grep -c " update" "$STUB/calls"
	assert_output 1
}

@test "deps: it gives up after DEPS_TRIES failures, saying so" {
	apt_stub 99
	run env PATH="$STUB:$PATH" DEPS_LOCK_WAIT=1 DEPS_TRIES=2 scripts/deps.sh build
	assert_failure
	assert_output --partial "deps: could not install"
	run grep -c " install " "$STUB/calls"
	assert_output 2
}

@test "deps: make -j runs deps-build and deps-test one after the other" {
	apt_stub 0
	run env -u MAKEFLAGS -u MAKELEVEL PATH="$STUB:$PATH" timeout 60 make -j4 deps-build deps-test
	assert_success
	run cat "$STUB/calls"
	refute_line "OVERLAP"
	run grep -c " install " "$STUB/calls"
	assert_output 2
}

@test "deps: under make -j nothing compiles before the packages are in" {
	apt_stub 0
	printf '#!/bin/sh\necho cc >>"%s"\nexec gcc "$@"\n' "$STUB/calls" >"$STUB/cc"
	chmod +x "$STUB/cc"
	run env -u MAKEFLAGS -u MAKELEVEL PATH="$STUB:$PATH" timeout 120 \
		make -j4 BUILD="$STUB/build" CC="$STUB/cc" deps-build "$STUB/build/tests/lib/errno_write"
	assert_success
	[ -x "$STUB/build/tests/lib/errno_write" ]
	run cat "$STUB/calls"
	# the apt-get, its end, then the compiler
	assert_line --index 1 "done"
	assert_line --index 2 "cc"
}
