#!/usr/bin/env bash
# make bench: every benchmark, each printing its numbers side by side with
# the baseline measured in the same run.  Not a test: no pass/fail.
set -euo pipefail
cd "$(dirname "$0")/.."

for b in build/selftests/bench/bench_*; do
	[ -x "$b" ] || continue
	echo "== $(basename "$b")"
	"$b"
	echo
done

echo "== geolocation start-up"
t0=$(date +%s%N)
build/iotrim geo 8.8.8.8 >/dev/null
echo "iotrim geo 8.8.8.8 (loads the country database and the ASN tables): $(( ($(date +%s%N) - t0) / 1000000 )) ms"
echo

echo "== healing after kill -9 of an experiment"
scripts/bench_experiment_kill.sh
echo

echo "== time to refusal of a rejected connect, per attach mode"
scripts/bench_reject.sh
echo

echo "== replay rate beside tshark"
scripts/bench_replay.sh
echo

echo "== iperf3 throughput through the gateway"
scripts/bench_throughput.sh
echo

echo "== CPU per forwarded packet, iotrim beside nftables counters and a libpcap loop"
scripts/bench_cpu.sh
