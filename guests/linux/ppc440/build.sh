#!/bin/bash
# Linux 6.1 for the PowerPC 440 Bamboo board, with init.c as its built-in
# initramfs: the real guest that tests/linux440.bats boots under vmmfs.
#
#   build.sh OUTDIR [--pv-fix] [--dry-run]
#
#   OUTDIR/vmlinux   the kernel (ELF, entry at physical 0), as vmmfs and
#                    qemu-system-ppc -M bamboo -kernel both load it
#   --pv-fix         apply kvm-selftest.patch: the kernel's KVM guest code
#                    then goes on to patch itself once the magic page is
#                    mapped (stock 6.1 never does on 32-bit)
#   --dry-run        say whether OUTDIR's kernel is current or would be
#                    built, and with which key; install and build nothing
#   INIT=FILE.c      (environment) another /init source instead of init.c
#
# The source is Debian's linux-source-6.1 package, so the build needs no
# network beyond the Debian mirror: scripts/deps.sh linux installs it and
# the cross tools.  About 6 minutes on 2 cores.  OUTDIR keeps the key of
# what it was built from (this file, the init, the patch); a kernel whose
# key still matches is reused, any change to them rebuilds it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
usage="usage: build.sh OUTDIR [--pv-fix] [--dry-run]"
out=${1:?$usage}
shift
fix=
dry=
for a in "$@"; do
	case $a in
	--pv-fix) fix=1 ;;
	--dry-run) dry=1 ;;
	*) echo "$usage" >&2; exit 2 ;;
	esac
done
init_src=${INIT:-$here/init.c}
patch=$here/kvm-selftest.patch

key=$(cat "$here/build.sh" "$init_src" ${fix:+"$patch"} | sha256sum | cut -c1-16)
if [ -f "$out/vmlinux" ] && [ "$(cat "$out/.key" 2>/dev/null)" = "$key" ]; then
	echo "$out/vmlinux is current (key $key)"
	exit 0
fi
if [ -n "$dry" ]; then
	echo "would build $out/vmlinux from $here (key $key${fix:+, with kvm-selftest.patch})"
	exit 0
fi

"$root/scripts/deps.sh" linux
mkdir -p "$out"
out=$(cd "$out" && pwd)
export ARCH=powerpc CROSS_COMPILE=powerpc-linux-gnu-

# A tree of its own per OUTDIR: the patched and the stock kernel differ in
# their source, and a stale patched tree must not leak into a stock build.
src=$out/linux-source-6.1
[ -d "$src" ] || tar -C "$out" -xf /usr/src/linux-source-6.1.tar.xz
if [ -n "$fix" ] && ! grep -q get_kernel_nofault "$src/arch/powerpc/kernel/kvm.c"; then
	patch -d "$src" -p1 <"$patch"
fi

# /init is a static glibc program: no shared libraries to put in the
# initramfs, and glibc's first stfd exercises the FP-unavailable path.
powerpc-linux-gnu-gcc -static -O2 -Wall -o "$out/init" "$init_src"
# /dev/console must exist before devtmpfs is mounted, or the kernel starts
# init with no stdin/stdout; /proc and /sys are its mount points.
cat >"$out/initramfs.list" <<LIST
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /proc 0555 0 0
dir /sys 0555 0 0
dir /root 0700 0 0
file /init $out/init 0755 0 0
LIST

# bamboo_defconfig, trimmed to what a boot to init needs: no modules,
# network, block layer or debug info (each only costs build time and boot
# time), an uncompressed built-in initramfs (no decompressor to run), the
# KVM and ePAPR guest code on (the paravirtual interface), the 16550 on
# the OPB as the console, printk times (the timings in doc/linux440.md),
# and an empty built-in command line so that `load ... cmdline=` decides.
b=$out/build
make -s -C "$src" O="$b" 44x/bamboo_defconfig
"$src/scripts/config" --file "$b/.config" \
	-d MODULES -d NET -d NETDEVICES -d IBM_EMAC -d IP_PNP -d NFS_FS -d ROOT_NFS -d CONNECTOR \
	-d BLK_DEV_RAM -d CRAMFS -d EXT2_FS -d DEBUG_FS -d CRYPTO -d PROC_KCORE -d DETECT_HUNG_TASK \
	-d SYSVIPC -d POSIX_MQUEUE -d THERMAL -d BLOCK \
	-e KVM_GUEST -e EPAPR_PARAVIRT \
	-e DEVTMPFS -e DEVTMPFS_MOUNT \
	-e BLK_DEV_INITRD --set-str INITRAMFS_SOURCE "$out/initramfs.list" \
	-e INITRAMFS_COMPRESSION_NONE -d RD_GZIP -d RD_BZIP2 -d RD_LZMA -d RD_XZ -d RD_LZO -d RD_LZ4 -d RD_ZSTD \
	-e PRINTK_TIME -e PROC_FS -e SYSFS -e TMPFS -e SERIAL_8250 -e SERIAL_8250_CONSOLE -e SERIAL_OF_PLATFORM \
	--set-str CMDLINE "" -d KALLSYMS_ALL -d FTRACE -d DEBUG_INFO -e DEBUG_INFO_NONE \
	-d PPC_EARLY_DEBUG
make -s -C "$src" O="$b" olddefconfig
make -s -C "$b" -j"$(nproc)" vmlinux
cp "$b/vmlinux" "$out/vmlinux"
echo "$key" >"$out/.key"
echo "$out/vmlinux"
