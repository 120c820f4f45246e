#!/usr/bin/env bash
# End to end on the namespace testbed: real clients talk through the
# gateway while iotrim counts on its LAN interface and tcpdump captures the
# same interface.  For every flow of the test traffic iotrim's packets and
# layer-3 bytes in each direction must equal the capture's, exactly.
# Then, with segmentation offloads on, iotrim's packet counts must equal the
# TCP segments the senders' stacks produced (OutSegs + RetransSegs): the
# device's up, the server's down.  (The device's TcpInSegs is no witness: GSO aggregates
# cross the veths whole and count there as one segment each.)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/testbed.sh

tb_require "end-to-end counts"

# --- exact match with offloads off ----------------------------------------
tb_up "testbed up (offloads off)" --offloads off

start_lan_capture in "$WORK/in.pcap"
start_lan_capture out "$WORK/out.pcap"
tap_check "captures listening on lan0" wait_captures_ready "$WORK/in.pcap" "$WORK/out.pcap"
expect_exit "iotrim attaches to the gateway's LAN" 0 "attached to lan0" gw "$IOTRIM" attach --lan lan0
$TB traffic 12 >"$WORK/traffic.log" 2>&1
tap_check "device traffic ran" test $? -eq 0
sleep 1
stop_captures

iotrim_flow_lines >"$WORK/iotrim.txt"
selftests/e2e/witness/flows_from_pcap.sh "$WORK/in.pcap" "$WORK/out.pcap" |
	awk "$is_test_flow" | sort >"$WORK/witness.txt"
nflows=$(wc -l <"$WORK/witness.txt")
tap_check "the capture saw test traffic ($nflows flow directions)" test "$nflows" -ge 10
for dir in up down; do
	for fam in 4 6; do
		want=$(awk -v d=$dir -v f=$fam '$6 == d && (f == 6) == ($2 ~ /:/)' "$WORK/witness.txt" | wc -l)
		tap_check "witness has IPv$fam $dir flows ($want)" test "$want" -gt 0
	done
done
if diff_out=$(diff "$WORK/witness.txt" "$WORK/iotrim.txt"); then
	tap_ok "iotrim equals tcpdump for every flow and direction (packets and L3 bytes)"
else
	tap_not_ok "iotrim equals tcpdump for every flow and direction (packets and L3 bytes)" \
		"< witness  > iotrim" "$diff_out"
fi
errors=$(gw "$IOTRIM" status --json | jq '[.counters | to_entries[] | select(.key | test("^(truncated|bad|too_many)")) | .value] | add')
tap_check "no parse errors on real traffic" test "$errors" -eq 0
gw "$IOTRIM" detach --purge >/dev/null
$TB down >/dev/null 2>&1

# --- segmentation offloads on: count wire packets, not aggregates -----------
tcp_segs() {	# NS -> "InSegs SentSegs": sent = OutSegs + RetransSegs
	# shellcheck disable=SC2016 # an awk program
	ip netns exec "$1" awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) col[$i] = i; h = 1 }
		else print $col["InSegs"], $col["OutSegs"] + $col["RetransSegs"] }' /proc/net/snmp
}
tb_up "testbed up (offloads on)" --offloads on
gw "$IOTRIM" attach --lan lan0 >/dev/null
read -r _ dev_out0 < <(tcp_segs "${TB_PREFIX}_dev2")
read -r _ srv_out0 < <(tcp_segs "${TB_PREFIX}_inet")
for url in http://203.0.113.10/big.bin "http://[2001:db8:100::10]/big.bin"; do
	$TB run dev2 curl -sS -o /dev/null --max-time 20 "$url"
done
sleep 0.5
read -r _ dev_out1 < <(tcp_segs "${TB_PREFIX}_dev2")
read -r _ srv_out1 < <(tcp_segs "${TB_PREFIX}_inet")
read -r up down < <(gw "$IOTRIM" flows --json --device 02:00:00:00:00:22 |
	jq -r '[.[] | select(.proto == "tcp")] | "\([.[].packets_up] | add) \([.[].packets_down] | add)"')
tap_check "offloads on: TCP packets up = segments the device sent ($up vs $((dev_out1 - dev_out0)))" \
	test "$up" -eq $((dev_out1 - dev_out0))
tap_check "offloads on: TCP packets down = segments the server sent ($down vs $((srv_out1 - srv_out0)))" \
	test "$down" -eq $((srv_out1 - srv_out0))
tap_check "offloads on: a 1 MiB download is many wire packets ($down)" test "$down" -gt 700

tap_done
