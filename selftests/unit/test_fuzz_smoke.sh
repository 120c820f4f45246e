#!/usr/bin/env bash
# A short, bounded libFuzzer run of the DNS, TLS and certificate handlers, the pcap
# reader, the plaintext scanner, the TLS audit's interceptor, the dashboard's
# request parsers and the operator's files (make fuzz builds them with ASan and
# UBSan): no crash, leak or undefined behaviour in 200000 runs each (fewer for
# pcap, cert, audit and config) from the seed corpora.  Longer runs: see README.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/lib.sh

RUNS=${IOTRIM_FUZZ_RUNS:-200000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! make -s fuzz >"$work/build.log" 2>&1; then
	if grep -q 'fsanitize=fuzzer' "$work/build.log" && ! clang -fsanitize=fuzzer -x c /dev/null -o /dev/null 2>/dev/null; then
		tap_skip "fuzz targets build" "clang has no libFuzzer here"
		tap_done
		exit
	fi
	tap_not_ok "fuzz targets build" "$(tail -20 "$work/build.log")"
	tap_done
	exit
fi
tap_ok "fuzz targets build"

for t in dns tls pcap cert plaintext audit web config; do
	mkdir -p "$work/$t"
	# The audit's interceptor starts from the TLS hellos.
	cp build/fuzz/corpus/"${t/audit/tls}"/* "$work/$t/"
	runs=$RUNS max_len=1600
	# The pcap reader: fewer, larger inputs; its warnings go nowhere (-close_fd_mask=2).
	[ $t = pcap ] && runs=$((RUNS / 10)) max_len=16384
	# Flights: a chain and its records outgrow one event.
	[ $t = cert ] && runs=$((RUNS / 4)) max_len=20000
	# The interceptor: a TLS handshake per input.
	[ $t = audit ] && runs=$((RUNS / 10))
	# The operator's files (fuzz_config): each run writes and parses a file.
	[ $t = config ] && runs=$((RUNS / 20)) max_len=8192
	if timeout 300 "build/fuzz/fuzz_$t" -runs="$runs" -max_len=$max_len -seed=1 -close_fd_mask=2 \
		"$work/$t" >"$work/$t.log" 2>&1; then
		tap_ok "fuzz_$t: $runs runs, no crash ($(grep -o 'Done [0-9]* runs in [0-9]* second' "$work/$t.log"))"
	else
		tap_not_ok "fuzz_$t: $runs runs, no crash" "$(grep -E 'ERROR|SUMMARY|Test unit' "$work/$t.log" | head -5)"
	fi
done
tap_done
