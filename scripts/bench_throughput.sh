#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# TCP throughput device <-> Internet through the testbed gateway, for each
# attach mode (native XDP, generic XDP, --mode tc) against no program at
# all, and beside two ways to count without iotrim (nftables and libpcap,
# scripts/bench_counters.sh), on two kinds of LAN interface: the veth lan0
# itself, and a bridge (brlan, with lan0 as its port, as on most home
# routers).  Modes and "no program" take turns within each round so that
# machine noise hits all alike.  Prints mode/no program per direction, the
# median of the rounds' ratios (target >= 0.95).
#
# On veth, any native XDP program makes the peer veth segment its TSO sends,
# so uploads cross as wire-sized packets instead of 64 KiB aggregates: that
# cost belongs to native XDP on veth, not to counting.  A bridge has no
# native XDP (the driver has none): only generic and tc are measured there.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${BENCH_ROUNDS:-5}
SECS=${BENCH_SECONDS:-5}
export IOTRIM_TB_PREFIX=${IOTRIM_TB_PREFIX:-itbench}
export IOTRIM_TB_STATE=${IOTRIM_TB_STATE:-/run/iotrim-tb-bench}
export IOTRIM_PIN_DIR=/sys/fs/bpf/iotrim-bench-$$
IOTRIM=$PWD/build/iotrim
TB=scripts/testbed.sh
# shellcheck source=bench_counters.sh
. scripts/bench_counters.sh

cleanup() {
	stop_any_counter
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
# Median of the per-round ratios mode/no program: a round's runs are
# seconds apart, so a slow round (other load) moves both.
median_ratio() {
	paste -d' ' <(printf '%s\n' $1) <(printf '%s\n' $2) |
		awk '{ print $1 / $2 }' | sort -g | awk '{ r[NR] = $1 } END { printf "%.3f", r[int((NR + 1) / 2)] }'
}

# The gateway's LAN addresses move from lan0 to a bridge with lan0 as its
# port; the bridge takes lan0's MAC, so the devices' neighbour entries hold.
bridge_lan() {
	local mac addrs
	mac=$(gw ip -o link show dev lan0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
	addrs=$(gw ip -o addr show dev lan0 scope global | awk '{ print $4 }')
	gw ip link add brlan address "$mac" type bridge stp_state 0 forward_delay 0
	gw ip addr flush dev lan0 scope global
	gw ip link set lan0 master brlan
	for a in $addrs; do
		case $a in
		*:*) gw ip addr add "$a" dev brlan nodad ;;
		*) gw ip addr add "$a" dev brlan ;;
		esac
	done
	gw ip link set brlan up
	sleep 1
}

# One LAN interface: every mode it has and the baselines, each beside no program.
measure_lan() {
	local lan=$1 direction flags mode r
	shift
	local modes=("$@")
	for direction in upload download; do
		flags=()
		[ "$direction" = download ] && flags=(-R)
		declare -A runs=()
		for r in $(seq "$ROUNDS"); do
			runs[none]+=" $(mbps "${flags[@]}")"
			for mode in "${modes[@]}"; do
				start_counter "$lan" "$mode"
				runs[$mode]+=" $(mbps "${flags[@]}")"
				stop_counter "$mode"
			done
		done
		# shellcheck disable=SC2086
		local none
		none=$(mean ${runs[none]})
		for mode in "${modes[@]}"; do
			# shellcheck disable=SC2086
			printf '%-6s %-8s %-8s %6d Mbit/s, no program %6d Mbit/s (means); median of the rounds: %s of no program%s\n' \
				"$lan" "$direction" "$mode" "$(mean ${runs[$mode]})" "$none" \
				"$(median_ratio "${runs[$mode]}" "${runs[none]}")" \
				"$(case $mode in nft | pcap) ;; *) echo " (target >= 0.95)" ;; esac)"
		done
		unset runs
	done
}

echo "iperf3 TCP through the gateway, $ROUNDS rounds of $SECS s per mode and direction (mean)"
echo "(nft and pcap are the baselines: per-flow nftables counters, tcpdump to /dev/null)"
measure_lan lan0 native generic tc nft pcap
bridge_lan
echo "brlan: a bridge has no native XDP (attach --mode native fails there)"
measure_lan brlan generic tc nft pcap
