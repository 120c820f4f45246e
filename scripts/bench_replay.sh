#!/usr/bin/env bash
# Replay rate beside tshark on the same file in the same run:
#   iotrim replay FILE        (every frame through BPF_PROG_TEST_RUN, history into SQLite)
#   tshark -q -z conv,ip -r FILE
# FILE: gen_pcap bench, N frames (default 1000000) of 256 flows, both ways.
# Also the rate after the start-up (loading and verifying the programs),
# from the replay's own summary; the floor under it, one
# BPF_PROG_TEST_RUN call per frame, is bench_test_run's.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
build/selftests/lib/gen_pcap bench "$work/bench.pcap" "$N"

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
t0=$(date +%s%N)
build/iotrim replay "$work/bench.pcap" --db "$work/r.db" --lan-mac 02:00:00:00:00:01 >"$work/out" 2>&1
replay_ms=$(ms "$t0")
t0=$(date +%s%N)
tshark -q -z conv,ip -r "$work/bench.pcap" >/dev/null 2>&1
tshark_ms=$(ms "$t0")
# "replayed N frames (B bytes) of 1 file in S s (R frames/s), ..."
frames_s=$(sed -n 's/^replayed .* in [0-9.]* s (\([0-9]*\) frames\/s).*/\1/p' "$work/out")
awk -v n="$N" -v r="$replay_ms" -v t="$tshark_ms" -v f="$frames_s" 'BEGIN {
	printf "%d frames: iotrim replay %d ms (%.0f packets/s), tshark -q -z conv,ip %d ms (%.0f packets/s): replay %.1fx tshark\n",
		n, r, n * 1000 / r, t, n * 1000 / t, t / r
	printf "after the start-up (loading and verifying the programs, %.0f ms): %d packets/s\n",
		r - n * 1000 / f, f }'
