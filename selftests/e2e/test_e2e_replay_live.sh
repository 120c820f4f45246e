#!/usr/bin/env bash
# Live and replay are one code path: real clients talk through the testbed
# gateway while iotrim counts and classifies them live and tcpdump records
# the LAN side; `iotrim replay` of that recording must then give, flow by
# flow, the same packets, bytes, payload classes (every class's sampled
# bytes, both directions) and names as the live programs did.  A researcher
# who analyses a capture gets exactly what the gateway would have shown.
#
# Offloads are off so that the capture holds the frames the programs saw;
# only the flows of this test's traffic (the simulated Internet's servers)
# are compared, so background frames before the capture started don't count.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/testbed.sh

dev() { local d=$1; shift; timeout 30 "$TB" run "$d" "$@"; }

tb_require "live counting and replay of its capture agree"
tb_up "testbed up (offloads off)" --offloads off

www=$TB_STATE/www
cp selftests/data/photo.jpg "$www/photo.jpg"
for ((i = 0; i < 800; i++)); do
	echo "{\"t\":$((1700000000 + i * 30)),\"power_w\":$((i * 37 % 2000)),\"state\":\"on\"},"
done >"$www/live.json"
gzip -6 -n -c "$www/live.json" >"$www/live.json.gz"
chmod a+r "$www"/*

expect_exit "iotrim attaches to the gateway's LAN" 0 "attached to lan0" gw "$IOTRIM" attach --lan lan0
start_controller --no-attach --interval 1
tap_check "controller collecting" controller_collecting
# The whole frames (replay classifies payload), both directions.
start_capture "$WORK/lan.pcap" -i lan0 -s 0
tap_check "capture listening" wait_captures_ready "$WORK/lan.pcap"

ca=$TB_STATE/ca.crt
traffic_ok=0
dev dev1 curl -sS -f --max-time 20 -o /dev/null --cacert "$ca" "https://api.vendor.example/big.bin" || traffic_ok=1
dev dev1 mosquitto_pub -h mqtt.vendor.example -p 8883 --cafile "$ca" -q 1 -i live-tls -t iot/live \
	-f "$www/live.json" || traffic_ok=1
dev dev2 curl -sS -f --max-time 20 -o /dev/null "http://api.vendor.example/live.json" || traffic_ok=1
dev dev2 mosquitto_pub -h mqtt.vendor.example -p 1883 -q 1 -i live-plain -t iot/live -m '{"motion":false}' ||
	traffic_ok=1
dev dev3 curl -sS -f --max-time 20 -o /dev/null "http://api.vendor.example/live.json.gz" || traffic_ok=1
dev dev3 curl -sS -f --max-time 20 -o /dev/null "http://203.0.113.21/photo.jpg" || traffic_ok=1
tap_check "device traffic ran" test "$traffic_ok" -eq 0
sleep 1
stop_captures
stop_controller
tap_check "controller stopped cleanly (exit $run_rc)" test "$run_rc" -eq 0

gw "$IOTRIM" flows --json >"$WORK/live.json"
tap_check "live flows" test -s "$WORK/live.json"
gw "$IOTRIM" destinations --json >"$WORK/live_dest.json"
lan_mac=$(gw ip -br link show lan0 | awk '{print $3}')
IOTRIM_DB=$WORK/replay.db "$IOTRIM" replay --lan-mac "$lan_mac" --json "$WORK/lan.pcap" \
	>"$WORK/replay.json" 2>"$WORK/replay.err"
tap_check "replay of the capture" test -s "$WORK/replay.json"
"$IOTRIM" destinations --db "$WORK/replay.db" --json >"$WORK/replay_dest.json"

# The simulated Internet's servers, IPv4 and IPv6 (the devices ask for both).
INTERNET='def internet: startswith("203.0.113.") or startswith("2001:db8:100:");'
# One line per flow of the simulated Internet: key, counts, payload classes.
flow_lines() {
	jq -r "$INTERNET"'.[] | select(.remote_ip | internet) |
		[.device_mac, .device_ip, .remote_ip, .proto, .remote_port,
		 .packets_up, .bytes_up, .packets_down, .bytes_down,
		 (.payload_up | .sampled, .encrypted, .text, .compressed, .media, .unknown, .ignored),
		 (.payload_down | .sampled, .encrypted, .text, .compressed, .media, .unknown, .ignored)] |
		map(tostring) | join(" ")' "$1" | sort
}
flow_lines "$WORK/live.json" >"$WORK/live.lines"
flow_lines "$WORK/replay.json" >"$WORK/replay.lines"
n=$(wc -l <"$WORK/live.lines")
tap_check "live counted the test's flows ($n)" test "$n" -ge 6
if diff -u "$WORK/live.lines" "$WORK/replay.lines" >"$WORK/diff"; then
	tap_ok "replay equals live: packets, bytes and payload classes of every flow"
else
	tap_not_ok "replay equals live: packets, bytes and payload classes of every flow" "$(cat "$WORK/diff")"
fi

# Every class that the traffic should show is there (the comparison above
# would also pass if both sides classified nothing).
for class in encrypted text compressed media; do
	sum=$(jq "[.[] | .payload_up.$class + .payload_down.$class] | add // 0" "$WORK/replay.json")
	tap_check "replay sampled $class bytes ($sum)" test "$sum" -gt 0
done

# Names: the same destination names per device, address and port.
names() {
	jq -r "$INTERNET"'.[] | select(any(.ips[]; internet)) |
		"\(.device_mac) \(.proto) \(.port) \(.name // "-") \(.ips | sort | join(","))"' "$1" | sort -u
}
names "$WORK/live_dest.json" >"$WORK/live.names"
names "$WORK/replay_dest.json" >"$WORK/replay.names"
if grep -q ' api.vendor.example ' "$WORK/live.names" && diff -u "$WORK/live.names" "$WORK/replay.names" >"$WORK/ndiff"; then
	tap_ok "replay names the destinations as live did"
else
	tap_not_ok "replay names the destinations as live did" "$(cat "$WORK/ndiff" "$WORK/live.names" 2>/dev/null)"
fi
tap_done
