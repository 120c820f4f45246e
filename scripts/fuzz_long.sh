#!/usr/bin/env bash
# make fuzz-long: every libFuzzer target (build/fuzz/fuzz_*, ASan + UBSan)
# for FUZZ_SECONDS (default 600) each, from a copy of its seed corpus, on
# FUZZ_JOBS cores at once (default 1); prints one line per target with its
# executions, and the crash if there is one.  Exit 1 if any target failed.
set -uo pipefail
cd "$(dirname "$0")/.."

SECONDS_EACH=${FUZZ_SECONDS:-600}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

for bin in build/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	t=${bin##*/fuzz_}
	# The TLS audit's interceptor starts from the TLS hellos.
	seeds=build/fuzz/corpus/${t/audit/tls}
	[ -d "$seeds" ] || continue
	mkdir -p "$work/$t"
	cp "$seeds"/* "$work/$t/"
	max_len=1600
	[ "$t" = pcap ] && max_len=16384
	[ "$t" = cert ] && max_len=20000
	[ "$t" = config ] && max_len=8192
	"$bin" -max_total_time="$SECONDS_EACH" -max_len=$max_len -close_fd_mask=3 \
		-artifact_prefix="$work/" "$work/$t" >"$work/$t.log" 2>&1
	rc=$?
	done_line=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$work/$t.log" | tail -1)
	if [ "$rc" -eq 0 ]; then
		printf 'fuzz_%-7s %s (%s corpus entries)\n' "$t" "$done_line" "$(ls "$work/$t" | wc -l)"
	else
		failed=1
		printf 'fuzz_%-7s FAILED (exit %d):\n' "$t" "$rc"
		grep -E 'ERROR|SUMMARY|Test unit' "$work/$t.log" | head -5 | sed 's/^/    /'
		for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
			[ -e "$a" ] && cp "$a" build/fuzz/ && echo "    reproducer: build/fuzz/${a##*/}"
		done
	fi
done
exit $failed
