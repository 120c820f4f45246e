#!/usr/bin/env bash
# Runs the tests of every level, each printing TAP lines, and adds up the
# results.  A level is a folder of selftests/: its test programs are built
# into build/selftests/LEVEL/test_*, its test scripts are
# selftests/LEVEL/test_*.sh.  Levels run cheapest first:
#   bpf   the BPF programs, through BPF_PROG_TEST_RUN (root)
#   unit  the controller's code, and the tree's layout
#   cli   the iotrim command, on throw-away namespaces and pins
#   e2e   end to end on the namespace testbed (scripts/testbed.sh)
# then any other folder that has tests.  Prints "N passed, N failed" last;
# exits non-zero if anything failed.
#
#   selftests/run.sh [--list] [FILTER...]
#
# A FILTER is a level (bpf, unit, cli, e2e) or part of a test's LEVEL/NAME
# (block, cli/test_block, test_bpf_parse); a test runs when any filter
# matches, every test without one.  --list names the tests instead.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

list=0
if [ "${1:-}" = --list ]; then
	list=1
	shift
fi
filters=("$@")

levels=(bpf unit cli e2e)
for dir in selftests/*/; do
	dir=${dir%/}
	dir=${dir#selftests/}
	[[ " ${levels[*]} " == *" $dir "* ]] || levels+=("$dir")
done

is_level() {
	local l
	for l in "${levels[@]}"; do [ "$l" = "$1" ] && return 0; done
	return 1
}

# selected LEVEL ID: no filter, or one naming the level or part of the ID.
selected() {
	local f
	[ ${#filters[@]} -eq 0 ] && return 0
	for f in "${filters[@]}"; do
		if is_level "$f"; then
			[ "$f" = "$1" ] && return 0
		elif [[ "$2" == *"$f"* ]]; then
			return 0
		fi
	done
	return 1
}

passed=0 failed=0 skipped=0 ran=0
failed_names=()

run_one() {
	local name=$1; shift
	local log rc start
	log=$(mktemp)
	echo "== $name"
	start=$SECONDS
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	# A TAP comment, so the suite's slow tests can be found in any CI log.
	echo "# $name took $((SECONDS - start)) s"
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

for level in "${levels[@]}"; do
	for t in "build/selftests/$level"/test_* "selftests/$level"/test_*.sh; do
		[[ -f $t && -x $t ]] || continue
		id=$level/${t##*/}
		selected "$level" "$id" || continue
		ran=$((ran + 1))
		if [ "$list" = 1 ]; then
			echo "$id"
		else
			run_one "$id" "$t"
		fi
	done
done
[ "$list" = 1 ] && exit 0

echo
[ "$ran" -eq 0 ] && echo "no test matches: ${filters[*]} (selftests/run.sh --list)"
[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]}"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$ran" -gt 0 ]
