#!/bin/sh
# Install the Debian packages a make target needs, or say which are missing.
#   tools/deps.sh build|test|bench
# As root, missing packages are installed with apt-get; otherwise the
# command that would install them is printed and the script fails.
set -eu
build="gcc make pkg-config libfuse3-dev fuse3 libfdt-dev device-tree-compiler \
binutils-powerpc-linux-gnu gcc-powerpc-linux-gnu"
test="$build bats bats-assert bats-support qemu-system-x86 qemu-system-ppc util-linux"
bench="$test gnuplot-nox"
case "${1:-build}" in
build) want=$build ;;
test) want=$test ;;
bench) want=$bench ;;
*) echo "usage: $0 build|test|bench" >&2; exit 2 ;;
esac
missing=
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "vmmfs needs these Debian packages:$missing" >&2
	echo "install them with: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q $missing >/dev/null 2>&1 ||
	{ apt-get update -q >/dev/null && apt-get install -y -q $missing >/dev/null; }
