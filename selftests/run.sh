#!/usr/bin/env bash
# Runs every test program (build/selftests/test_*) and test script
# (selftests/test_*.sh), each printing TAP lines, and adds up the results.
# Prints "N passed, N failed" last; exits non-zero if anything failed.
#   selftests/run.sh [NAME-FILTER]
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

filter=${1:-}
passed=0 failed=0 skipped=0
failed_names=()

run_one() {
	local name=$1; shift
	local log rc
	log=$(mktemp)
	echo "== $name"
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	local p f s
	p=$(grep -cE '^ok [0-9]+' "$log" | tr -d ' ')
	s=$(grep -cE '^ok [0-9]+.*# SKIP' "$log" | tr -d ' ')
	f=$(grep -cE '^not ok [0-9]+' "$log" | tr -d ' ')
	p=$((p - s))
	# A test program that dies without reporting still counts as a failure.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc"
		f=1
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	[ "$f" -gt 0 ] && failed_names+=("$name")
	rm -f "$log"
}

for t in build/selftests/test_* selftests/test_*.sh; do
	[ -e "$t" ] || continue
	case "$t" in *.d|*.o) continue ;; esac
	[ -n "$filter" ] && [[ "$t" != *"$filter"* ]] && continue
	run_one "$(basename "$t")" "$t"
done

echo
[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]}"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
