#!/bin/bash
# make run: mount vmmfs, boot the demo guest through the files, show what it did.
# MNT=DIR chooses the mountpoint (default: a new temporary directory).
set -eu
cd "$(dirname "$0")/.."
MNT=${MNT:-$(mktemp -d "${TMPDIR:-/tmp}/vms.XXXXXX")}
mkdir -p "$MNT"
if ! mountpoint -q "$MNT"; then
	./vmmfs "$MNT"
	for _ in $(seq 50); do mountpoint -q "$MNT" && break; sleep 0.1; done
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

vmmfs stays mounted at $MNT: look around (cat, ls, echo), then unmount with
  fusermount3 -u $MNT
EOM
