#!/bin/sh
# Install the Debian packages a make target needs, or say which are missing.
#   scripts/deps.sh build|test|bench|linux
# As root, missing packages are installed with apt-get (no recommends: only
# what is named here); otherwise the command that would install them is
# printed and the script fails.
#
# Another apt or dpkg may hold the dpkg lock (unattended-upgrades right
# after boot, a second make): apt-get waits for it up to DEPS_LOCK_WAIT
# seconds (default 600), and an install that still fails is tried again,
# DEPS_TRIES times in all, after refreshing the package lists once.
set -eu
build="gcc make pkg-config libfuse3-dev fuse3 libfdt-dev device-tree-compiler \
binutils-powerpc-linux-gnu gcc-powerpc-linux-gnu"
test="$build bats bats-assert bats-support qemu-system-x86 qemu-system-ppc util-linux"
bench="$test gnuplot-nox"
# guests/linux/ppc440/build.sh: the kernel source and what building it takes
linux="make linux-source-6.1 gcc-powerpc-linux-gnu libc6-dev-powerpc-cross flex bison bc \
libssl-dev libelf-dev cpio xz-utils patch"
case "${1:-build}" in
build) want=$build ;;
test) want=$test ;;
bench) want=$bench ;;
linux) want=$linux ;;
*) echo "usage: $0 build|test|bench|linux" >&2; exit 2 ;;
esac
missing=
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "vmmfs needs these Debian packages:$missing" >&2
	echo "install them with: sudo apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt() {
	apt-get -q -o DPkg::Lock::Timeout="${DEPS_LOCK_WAIT:-600}" "$@" >/dev/null
}
tries=${DEPS_TRIES:-3}
n=1
updated=
until apt install -y --no-install-recommends $missing; do
	if [ "$n" -ge "$tries" ]; then
		echo "deps: could not install$missing (apt-get failed $n times)" >&2
		exit 1
	fi
	n=$((n + 1))
	# stale package lists are the other common cause: refresh them once
	if [ -z "$updated" ]; then
		apt update || true
		updated=1
	else
		sleep 5
	fi
done
