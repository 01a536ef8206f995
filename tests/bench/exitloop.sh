#!/bin/bash
# exitloop.sh VMDIR: exitloop (exitloop.c) as a shell loop, for contrast:
# the same answers to the exit-heavy guest, with bash builtins only (no
# process per exit), so what it costs beyond the C loop is the shell's own
# open/close per redirection and its parsing.
#
#   $ tests/bench/exitloop.sh /vms/b
#   exits=2000 total_ns=... per_exit_ns=...
set -u
vm=$1
last=0
n=0
ex=
t0=$EPOCHREALTIME
while echo run >"$vm/cpu/0/ctl"; do
	read -r ex <"$vm/cpu/0/exit"
	case $ex in
	*reason=system_event*) break ;;
	"reason=io dir=out port=0xe0 "*)
		d=${ex##*data=}
		last=$((${d%% *}))
		;;
	"reason=io dir=in port=0xe0 "*)
		printf 'data=0x%x' $(((last * 2 + 1) & 0xffffffff)) >"$vm/cpu/0/exit" || exit 1
		;;
	*)
		echo "exitloop.sh: unexpected exit: $ex" >&2
		exit 1
		;;
	esac
	n=$((n + 1))
done
case $ex in *reason=system_event*) ;; *) echo "exitloop.sh: run failed" >&2; exit 1 ;; esac
t1=$EPOCHREALTIME
total=$(((${t1/./} - ${t0/./}) * 1000))
[ "$n" -gt 0 ] || { echo "exitloop.sh: the guest made no exits" >&2; exit 1; }
echo "exits=$n total_ns=$total per_exit_ns=$((total / n))"
