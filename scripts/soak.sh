#!/usr/bin/env bash
# make soak: a long load through the testbed gateway (not part of make check).
# For SOAK_SECONDS (default 600), with segmentation offloads on and the
# controller harvesting every 5 s: iperf3 at full rate both ways between
# dev2 and the simulated Internet, and dev1 opening short HTTP connections
# one after another (thousands).  Then, TAP:
#   - iotrim's TCP packets up equal the devices' own OutSegs + RetransSegs,
#     and down the server's (its only peers are the devices);
#   - iotrim's bytes of the iperf3 flow are the payload iperf3 says it
#     moved plus headers (between 0 and 5 % more), each way;
#   - no counter of lost events or failed updates grew;
#   - the controller's RSS is flat (the last sample within 4 MiB of the
#     first after a minute of warm-up).
# IOTRIM_TB_PREFIX as for the tests.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
source selftests/lib/testbed.sh

SECS=${SOAK_SECONDS:-600}
tb_require "soak"
tb_up "testbed up (offloads on)" --offloads on

tcp_out() {	# NS -> OutSegs + RetransSegs
	# shellcheck disable=SC2016 # an awk program
	ip netns exec "$1" awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) col[$i] = i; h = 1 }
		else print $col["OutSegs"] + $col["RetransSegs"] }' /proc/net/snmp
}
counters() { gw "$IOTRIM" status --json | jq -c '.counters'; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$run_pid/status"; }

expect_exit "attach" 0 "attached to lan0" gw "$IOTRIM" attach --lan lan0
start_controller --no-attach --interval 5
tap_check "controller collecting" controller_collecting
c0=$(counters)
declare -A out0
for ns in dev1 dev2 dev3 inet; do out0[$ns]=$(tcp_out "${TB_PREFIX}_$ns"); done

$TB run inet timeout $((SECS + 30)) iperf3 -s -B 203.0.113.10 -1 >"$WORK/iperf_s.log" 2>&1 &
sleep 1
$TB run dev2 timeout $((SECS + 30)) iperf3 -c 203.0.113.10 -t "$SECS" --bidir -J \
	>"$WORK/iperf.json" 2>&1 &
iperf_pid=$!
end=$(($(date +%s) + SECS))
(
	n=0
	while [ "$(date +%s)" -lt "$end" ]; do
		$TB run dev1 curl -s -o /dev/null --max-time 5 http://203.0.113.10/page.html && n=$((n + 1))
	done
	echo "$n" >"$WORK/short.count"
) &
short_pid=$!
rss=()
while [ "$(date +%s)" -lt "$end" ]; do
	sleep 30
	rss+=("$(rss_kb)")
done
wait "$iperf_pid" "$short_pid"
sleep 6	# one more harvest after the last packet

declare -A out1
for ns in dev1 dev2 dev3 inet; do out1[$ns]=$(tcp_out "${TB_PREFIX}_$ns"); done
dev_sent=0
for ns in dev1 dev2 dev3; do dev_sent=$((dev_sent + out1[$ns] - out0[$ns])); done
srv_sent=$((out1[inet] - out0[inet]))
read -r up down < <(gw "$IOTRIM" flows --json |
	jq -r '[.[] | select(.proto == "tcp")] | "\([.[].packets_up] | add) \([.[].packets_down] | add)"')
tap_check "short connections ran: $(cat "$WORK/short.count" 2>/dev/null) of them" \
	test "$(cat "$WORK/short.count" 2>/dev/null || echo 0)" -ge 1000
tap_check "TCP packets up = the devices' own segments sent ($up vs $dev_sent)" test "$up" -eq "$dev_sent"
tap_check "TCP packets down = the server's segments sent ($down vs $srv_sent)" test "$down" -eq "$srv_sent"

read -r moved_up moved_down < <(jq -r '"\(.end.sum_sent.bytes) \(.end.sum_sent_bidir_reverse.bytes)"' \
	"$WORK/iperf.json")
read -r b_up b_down < <(gw "$IOTRIM" flows --json --device 02:00:00:00:00:22 |
	jq -r '[.[] | select(.proto == "tcp" and .remote_port == 5201)] |
		"\([.[].bytes_up] | add) \([.[].bytes_down] | add)"')
# L3 bytes = payload + 52 bytes of IP/TCP headers per 1448: 3.6 % more; at most 5 %
for way in up down; do
	if [ $way = up ]; then b=${b_up:-0} m=${moved_up:-1}; else b=${b_down:-0} m=${moved_down:-1}; fi
	tap_check "iperf3 $way: iotrim's L3 bytes are iperf3's payload plus headers ($b vs $m)" \
		test "$b" -ge "$m" -a "$((b / 105))" -le "$((m / 100))"
done

c1=$(counters)
for k in event_ringbuf_full flow_update_failed device_table_full event_rate_limited flow_quota \
	device_insert_limited; do
	a=$(jq -r --arg k "$k" '.[$k]' <<<"$c0") b=$(jq -r --arg k "$k" '.[$k]' <<<"$c1")
	tap_check "$k did not grow ($a -> $b)" test "$b" -eq "$a"
done
first=${rss[2]:-${rss[0]}} last=${rss[-1]}
tap_check "controller RSS flat: ${rss[*]} kB (first after warm-up $first, last $last)" \
	test "$last" -le $((first + 4096))
stop_controller
tap_check "controller stopped cleanly (exit $run_rc)" test "$run_rc" -eq 0
tap_done
