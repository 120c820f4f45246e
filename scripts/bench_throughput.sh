#!/usr/bin/env bash
# TCP throughput device <-> Internet through the testbed gateway: without
# any program on the gateway's LAN interface, with a trivial XDP_PASS
# program, and with iotrim, taking turns so that machine noise hits all
# alike.  Prints the ratios (target >= 0.95).
#
# The trivial program matters on veth: any native XDP program makes the
# peer veth segment its TSO sends, so uploads cross as wire-sized packets
# instead of 64 KiB aggregates.  That cost belongs to XDP on veth (a real
# NIC receives wire-sized packets anyway), not to iotrim's counting.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECONDS:-5}
export IOTRIM_TB_PREFIX=${IOTRIM_TB_PREFIX:-itbench}
export IOTRIM_TB_STATE=${IOTRIM_TB_STATE:-/run/iotrim-tb-bench}
export IOTRIM_PIN_DIR=/sys/fs/bpf/iotrim-bench-$$
IOTRIM=$PWD/build/iotrim
TB=scripts/testbed.sh
gw() { nsenter --net="/run/netns/${IOTRIM_TB_PREFIX}_gw" "$@"; }

cleanup() {
	gw "$IOTRIM" detach --purge >/dev/null 2>&1 || true
	$TB down >/dev/null 2>&1 || true
}
trap cleanup EXIT

$TB up >/dev/null

# Mbit/s of one iperf3 run (extra iperf3 flags: -R for download); the
# server handles one client then exits, so it is started for each run.
mbps() {
	$TB run inet timeout $((SECS + 10)) iperf3 -s -B 203.0.113.10 -1 >/dev/null 2>&1 &
	local server=$!
	sleep 0.3
	$TB run dev1 timeout $((SECS + 10)) iperf3 -c 203.0.113.10 -t "$SECS" -J "$@" |
		jq '.end.sum_received.bits_per_second / 1e6'
	wait "$server" || true
}
mean() { printf '%s\n' "$@" | awk '{ s += $1 } END { printf "%.0f", s / NR }'; }

for direction in upload download; do
	flags=()
	[ "$direction" = download ] && flags=(-R)
	without=() trivial=() with=()
	for r in $(seq "$ROUNDS"); do
		without+=("$(mbps "${flags[@]}")")
		# A private bpffs for iproute2's own state, so none is left behind.
		gw unshare -m sh -c "mount -t bpf bpf /sys/fs/bpf &&
			ip link set dev lan0 xdpdrv obj build/selftests/bpf/progs/xdp_pass.bpf.o sec xdp"
		trivial+=("$(mbps "${flags[@]}")")
		gw ip link set dev lan0 xdpdrv off
		gw "$IOTRIM" attach --lan lan0 >/dev/null
		with+=("$(mbps "${flags[@]}")")
		gw "$IOTRIM" detach --purge >/dev/null
		printf '%s round %d: no program %.0f, trivial XDP %.0f, iotrim %.0f Mbit/s\n' \
			"$direction" "$r" "${without[-1]}" "${trivial[-1]}" "${with[-1]}"
	done
	a=$(mean "${without[@]}") t=$(mean "${trivial[@]}") b=$(mean "${with[@]}")
	awk -v d="$direction" -v a="$a" -v t="$t" -v b="$b" 'BEGIN {
		printf "iperf3 TCP %s: no program %d, trivial XDP %d, iotrim %d Mbit/s; iotrim/no program %.3f, iotrim/trivial XDP %.3f (target >= 0.95)\n",
			d, a, t, b, b / a, b / t }'
done
