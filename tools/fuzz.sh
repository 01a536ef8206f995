#!/bin/bash
# make fuzz: run each libFuzzer target for FUZZ_SECONDS (default 60) on both
# cores, growing its corpus in build/fuzz/corpus/NAME from the kept inputs in
# tests/fuzz/regress/NAME.  A crash is saved in tests/fuzz/regress/NAME/,
# where make check replays it from then on: fix it, keep the input.
set -u
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
status=0
for bin in "$@"; do
	name=$(basename "$bin")
	corpus=build/fuzz/corpus/$name
	keep=tests/fuzz/regress/$name
	mkdir -p "$corpus" "$keep"
	echo "== $name: ${secs}s"
	"$bin" -max_total_time="$secs" -jobs=2 -workers=2 -max_len=4096 -timeout=10 \
		-artifact_prefix="$keep/" -print_final_stats=1 "$corpus" "$keep" \
		>"build/fuzz/$name.log" 2>&1 || status=1
	grep -hE '^#[0-9]+.*(DONE|cov:)' build/fuzz/$name.log fuzz-*.log 2>/dev/null | tail -n 1
	grep -h 'stat::number_of_executed_units\|stat::average_exec_per_sec' build/fuzz/$name.log fuzz-*.log 2>/dev/null | tail -n 2
	rm -f fuzz-*.log
done
exit $status
