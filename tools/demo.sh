#!/bin/bash
# make run: mount vmmfs, boot the demo guest through the files, show what it did.
# MNT=DIR chooses the mountpoint (default: vmmfs-demo-UID in $XDG_RUNTIME_DIR,
# or in /tmp).  A vmmfs already mounted there is reused, so running it again
# starts no second daemon; unmount with fusermount3 -u DIR.
set -eu
cd "$(dirname "$0")/.."
MNT=${MNT:-${XDG_RUNTIME_DIR:-${TMPDIR:-/tmp}}/vmmfs-demo-$(id -u)}

# The filesystem type mounted at $MNT, from the mount table: a stat of a
# mount whose daemon died would fail, and one whose daemon hangs would hang.
mount_type() {
	awk -v m="$MNT" '$5 == m { for (i = 7; $i != "-"; i++) ; t = $(i + 1) } END { print t }' \
		/proc/self/mountinfo
}

case $(mount_type) in
fuse.vmmfs)
	# reuse it if its daemon answers; a dead one is unmounted and replaced
	if ! timeout 5 cat "$MNT/info" >/dev/null 2>&1; then
		echo "the vmmfs at $MNT does not answer: unmounting it"
		fusermount3 -uz "$MNT"
	fi
	;;
"") ;;
*)
	echo "$MNT has another filesystem mounted: choose another with MNT=DIR" >&2
	exit 1
	;;
esac
if [ "$(mount_type)" != fuse.vmmfs ]; then
	mkdir -p "$MNT"
	# in a shared /tmp another user could have made the directory first
	if [ -L "$MNT" ] || [ ! -O "$MNT" ]; then
		echo "$MNT is not a directory of yours: choose another with MNT=DIR" >&2
		exit 1
	fi
	./vmmfs "$MNT"
	for _ in $(seq 50); do [ "$(mount_type)" = fuse.vmmfs ] && break; sleep 0.1; done
fi
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say "echo 'create demo mem=16M' > $MNT/ctl"
rmdir "$MNT/demo" 2>/dev/null || true
echo "create demo mem=16M" >"$MNT/ctl"
say "ls $MNT/demo"
ls "$MNT/demo"
say "echo 'load tests/guests/x86/demo.elf' > $MNT/demo/ctl"
echo "load tests/guests/x86/demo.elf" >"$MNT/demo/ctl"
say "while echo run > $MNT/demo/cpu/0/ctl; do ...; done"
while timeout 20 sh -c "echo run > '$MNT/demo/cpu/0/ctl'"; do
	exit=$(cat "$MNT/demo/cpu/0/exit")
	echo "exit: $exit"
	case $exit in
	*reason=io*dir=in*) echo "data=0x0" >"$MNT/demo/cpu/0/exit" ;;
	*reason=io* | *reason=mmio*) ;;
	*) break ;;
	esac
done
say "cat $MNT/demo/console"
cat "$MNT/demo/console"
say "cat $MNT/demo/regs"
cat "$MNT/demo/regs"
say "grep -E 'instructions|exits=' $MNT/demo/stats"
grep -E '^(instructions|exits)=' "$MNT/demo/stats"
cat <<EOM

vmmfs stays mounted at $MNT: look around (cat, ls, echo; a refused write's
reason is in the log file beside it: cat $MNT/log, cat $MNT/demo/log).
make run again reuses it; unmount with
  fusermount3 -u $MNT
EOM
