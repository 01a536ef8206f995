#!/bin/bash
# make check: run the unit test binaries given as arguments, then every
# tests/*.bats file, count what passed and failed across all of them, show
# the output of each failure, and end with the line "N passed, N failed".
#
#   scripts/check.sh build/tests/unit/test_*        (what make check runs)
#   BATS_FILES="tests/run.bats" scripts/check.sh    (only some bats files)
#
# Each unit binary and each bats file runs under a timeout, so one hung test
# costs its own budget and not the whole run.  A binary or file that dies
# early counts the tests it never reported as failed.
set -u
cd "$(dirname "$0")/.."

UNIT_TIMEOUT=${UNIT_TIMEOUT:-120}
BATS_FILE_TIMEOUT=${BATS_FILE_TIMEOUT:-300}
passed=0
failed=0
skipped=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# Print each failed check's "not ok" line and the comment lines under it.
show_failures() {
	awk -v pat="$1" '
		$0 ~ pat { show = 1; print "  " $0; next }
		/^(ok|not ok) / { show = 0 }
		show { print "  " $0 }
	' "$out"
}

run_unit() {
	local bin=$1 rc ok bad

	if [ ! -x "$bin" ]; then
		echo "$bin: missing (make unit)"
		failed=$((failed + 1))
		return
	fi
	timeout -k 5 "$UNIT_TIMEOUT" "$bin" >"$out" 2>&1
	rc=$?
	ok=$(grep -c '^ok - ' "$out")
	bad=$(grep -c '^not ok - ' "$out")
	passed=$((passed + ok))
	failed=$((failed + bad))
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		# it crashed, hung or failed without saying which check
		failed=$((failed + 1))
		echo "$bin: exited with status $rc after $ok checks$([ "$rc" -eq 124 ] && echo ' (timed out)'); its last output:"
		tail -n 20 "$out" | sed 's/^/  /'
	elif [ "$bad" -ne 0 ]; then
		echo "$bin: $ok passed, $bad failed"
		show_failures '^not ok - '
	else
		echo "$bin: $ok passed"
	fi
}

run_bats_file() {
	local f=$1 rc ok bad skip plan seen start

	start=$SECONDS
	timeout -k 10 "$BATS_FILE_TIMEOUT" bats --tap "$f" >"$out" 2>&1
	rc=$?
	skip=$(grep -cE '^ok [0-9]+ .*# ?skip' "$out")
	ok=$(grep -cE '^ok [0-9]+' "$out")
	ok=$((ok - skip))
	bad=$(grep -cE '^not ok [0-9]+' "$out")
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$out" | head -n 1)
	seen=$((ok + skip + bad))
	passed=$((passed + ok))
	failed=$((failed + bad))
	skipped=$((skipped + skip))
	echo "$f: $ok passed, $bad failed$([ "$skip" -ne 0 ] && echo ", $skip skipped") ($((SECONDS - start)) s)"
	[ "$bad" -eq 0 ] || show_failures '^not ok [0-9]+'
	if [ -n "$plan" ] && [ "$seen" -lt "$plan" ]; then
		failed=$((failed + plan - seen))
		echo "  $((plan - seen)) of its $plan tests never finished$([ "$rc" -eq 124 ] && echo " within ${BATS_FILE_TIMEOUT} s"); its last output:"
		tail -n 20 "$out" | sed 's/^/  /'
	elif [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		failed=$((failed + 1))
		echo "  bats exited with status $rc; its output:"
		tail -n 20 "$out" | sed 's/^/  /'
	fi
}

for bin in "$@"; do
	run_unit "$bin"
done

if ! command -v bats >/dev/null; then
	echo "bats is not installed (scripts/deps.sh test)"
	failed=$((failed + 1))
else
	for f in ${BATS_FILES:-tests/*.bats}; do
		[ -f "$f" ] && run_bats_file "$f"
	done
fi

[ "$skipped" -eq 0 ] || echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
