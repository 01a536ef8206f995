#!/bin/bash
# make fuzz: run each libFuzzer target for FUZZ_SECONDS (default 60) on one
# core, growing its corpus in build/fuzz/corpus/NAME from the kept inputs in
# tests/fuzz/regress/NAME, with tests/fuzz/NAME.dict as its dictionary if
# there is one.  FUZZ_ARCH=x86|ppc440 keeps a target to one architecture;
# FUZZ_OPTS adds libFuzzer flags (e.g. -len_control=0).
# A crash or a hang is saved in tests/fuzz/regress/NAME/, where make check
# replays it from then on: fix it, keep the input.
set -u
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
status=0
for bin in "$@"; do
	name=$(basename "$bin")
	corpus=build/fuzz/corpus/$name
	keep=tests/fuzz/regress/$name
	dict=()
	[ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
	log=build/fuzz/$name${FUZZ_ARCH:+-$FUZZ_ARCH}.log
	mkdir -p "$corpus" "$keep"
	echo "== $name${FUZZ_ARCH:+ ($FUZZ_ARCH)}: ${secs}s"
	# shellcheck disable=SC2086 # FUZZ_OPTS: more libFuzzer flags, split on spaces
	"$bin" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=4096 "${dict[@]}" ${FUZZ_OPTS:-} \
		-artifact_prefix="$keep/" -print_final_stats=1 "$corpus" "$keep" >"$log" 2>&1 || status=1
	grep -hE '^#[0-9]+.*(DONE|cov:)' "$log" | tail -n 1
	grep -h 'stat::number_of_executed_units\|stat::average_exec_per_sec' "$log" | tail -n 2
	grep -hE '^==[0-9]+==ERROR|runtime error|ALARM|Test unit written' "$log" | head -n 3
done
exit $status
