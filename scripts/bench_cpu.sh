#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# CPU time per forwarded packet, for each way to count on the gateway's LAN
# interface, at one fixed offered load: iperf3 UDP from dev1 to the
# Internet server, BENCH_PPS packets/s of 64-byte payloads for
# BENCH_SECONDS s (106-byte frames on the LAN).  Candidates, in turns within
# each round (the order rotates each round) so that machine noise hits all
# alike: no program (the floor), iotrim --mode tc (the default), native XDP,
# generic XDP, and the anchors' ways (scripts/bench_counters.sh): nftables
# per-destination counters and a libpcap loop (tcpdump to /dev/null).
#
# CPU time of a run = the time all CPUs spent in the NET_RX softirq while
# the load ran (build/selftests/bench/netrx_clock), where on veth every hop
# of the packet and every counter runs, plus for pcap the tcpdump process's
# own run time (/proc/PID/schedstat).  The iperf3 sender and receiver are
# not counted (the same for every candidate); both run on CPU 0, so that
# every run takes one path: the packet's whole softirq chain and the
# receiver's wake-up on one CPU (with the receiver on the other CPU, the
# wake-up's IPI added ~3 us/packet, and unpinned runs took either path).
# Packets = what the gateway sent out of wan0 during the run (ip -s link),
# printed beside what the iperf3 receiver got.  The NET_RX clock also sees
# the rest of the machine's traffic: an idle window of the same length,
# timed each round, shows how much.  Prints per candidate over the rounds: packets, the median CPU
# ns/packet and its range, and the added ns/packet over no program (the
# median and quartiles of each round's difference).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${BENCH_ROUNDS:-9}
SECS=${BENCH_SECONDS:-3}
PPS=${BENCH_PPS:-20000}
PAYLOAD=64
CANDIDATES=(none tc native generic nft pcap)
export IOTRIM_TB_PREFIX=${IOTRIM_TB_PREFIX:-itbcpu}
export IOTRIM_TB_STATE=${IOTRIM_TB_STATE:-/run/iotrim-tb-bcpu}
export IOTRIM_PIN_DIR=/sys/fs/bpf/iotrim-bcpu-$$
IOTRIM=$PWD/build/iotrim
CLOCK=$PWD/build/selftests/bench/netrx_clock
TB=scripts/testbed.sh
# shellcheck source=bench_counters.sh
. scripts/bench_counters.sh

[ -x "$CLOCK" ] || {
	echo "bench_cpu: $CLOCK is missing (make all)" >&2
	exit 1
}
work=$(mktemp -d)
cleanup() {
	stop_any_counter
	$TB down >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

$TB up >/dev/null

wan_tx_packets() { gw ip -s -j link show wan0 | jq '.[0].stats64.tx.packets'; }
# ns the process $1 has run (0 when there is none).
run_ns() {
	if [ -n "$1" ]; then awk '{ print $1 }' "/proc/$1/schedstat"; else echo 0; fi
}

# One run of the fixed load under the NET_RX clock.  Prints
# "CPU_NS PACKETS RECEIVED": CPU_NS adds the counter process's run time.
offer_load() {
	local server tx0 tx1 proc0 proc1
	$TB run inet taskset -c 0 timeout $((SECS + 10)) iperf3 -s -B 203.0.113.10 -1 >/dev/null 2>&1 &
	server=$!
	sleep 0.3
	tx0=$(wan_tx_packets)
	proc0=$(run_ns "$counter_pid")
	"$CLOCK" -o "$work/clock" $TB run dev1 taskset -c 0 timeout $((SECS + 10)) \
		iperf3 -c 203.0.113.10 -u -l "$PAYLOAD" -b $((PPS * PAYLOAD * 8)) -t "$SECS" -J >"$work/iperf.json" ||
		return 1
	proc1=$(run_ns "$counter_pid")
	tx1=$(wan_tx_packets)
	wait "$server" || true
	echo "$(($(cut -d' ' -f1 "$work/clock") + proc1 - proc0)) $((tx1 - tx0))" \
		"$(jq ".end.sum_received.bytes / $PAYLOAD" "$work/iperf.json")"
}

# "MEDIAN MIN Q1 Q3 MAX" of the numbers given (quartiles by nearest rank).
stats() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		printf "%.0f %.0f %.0f %.0f %.0f\n", v[int((NR + 1) / 2)], v[1],
			v[int((NR + 3) / 4)], v[int((3 * NR + 3) / 4)], v[NR] }'
}
median() { stats "$@" | cut -d' ' -f1; }

declare -A ns_pkt=() added=() packets=() received=()
idle=()
echo "CPU per forwarded packet: iperf3 UDP dev1 -> Internet, $PPS packets/s of $PAYLOAD-byte payloads" \
	"for $SECS s per run, $ROUNDS rounds"
for r in $(seq "$ROUNDS"); do
	"$CLOCK" -o "$work/clock" sleep "$SECS"
	idle+=("$(cut -d' ' -f1 "$work/clock")")
	declare -A this=()
	for i in "${!CANDIDATES[@]}"; do
		c=${CANDIDATES[(i + r - 1) % ${#CANDIDATES[@]}]}
		# (not attach's note, once per run, that on a veth reject replies leave from TC)
		start_counter lan0 "$c" 2> >(grep -v 'reject replies' >&2)
		run=$(offer_load)
		read -r cpu pkts got <<<"$run"
		stop_counter "$c"
		[ "$pkts" -gt 0 ] || {
			echo "bench_cpu: no packet crossed the gateway ($c, round $r)" >&2
			exit 1
		}
		this[$c]=$(awk -v c="$cpu" -v p="$pkts" 'BEGIN { printf "%.1f", c / p }')
		packets[$c]+=" $pkts"
		received[$c]+=" $got"
		ns_pkt[$c]+=" ${this[$c]}"
	done
	for c in "${CANDIDATES[@]}"; do
		added[$c]+=" $(awk -v a="${this[$c]}" -v b="${this[none]}" 'BEGIN { printf "%.1f", a - b }')"
	done
	unset this
done

# shellcheck disable=SC2086 # the lists are space-separated numbers
{
	printf '%-9s %8s %8s | %-31s | %s\n' candidate packets received \
		"CPU ns/packet: median (min-max)" "added over none: median [quartiles]"
	for c in "${CANDIDATES[@]}"; do
		read -r med min _ _ max < <(stats ${ns_pkt[$c]})
		if [ "$c" = none ]; then
			diff=-
		else
			read -r dmed _ dq1 dq3 _ < <(stats ${added[$c]})
			diff=$(printf '%+d [%+d, %+d]' "$dmed" "$dq1" "$dq3")
		fi
		printf '%-9s %8s %8s | %6s (%s-%s)%*s | %s\n' "$c" "$(median ${packets[$c]})" \
			"$(median ${received[$c]})" "$med" "$min" "$max" \
			$((21 - ${#min} - ${#max})) "" "$diff"
	done
	echo "(packets: out of the gateway's wan0, received: by the iperf3 server, medians;" \
		"added: each round's difference to no program)"
	read -r med min _ _ max < <(stats "${idle[@]}")
	echo "NET_RX of the rest of the machine in a window as long, without the load:" \
		"median $((med / 1000000)) ms (min-max $((min / 1000000))-$((max / 1000000)) ms)"
}
