#!/usr/bin/env bash
# End to end on the namespace testbed: real clients and servers talk through
# the gateway while iotrim classifies payload in the kernel (default
# sampling: the first 8 payload packets of each flow direction, then 1 in
# 64).  Each flow's shares of its classified payload bytes (both directions,
# from `iotrim flows --json`) must come out as the traffic is:
#
#   dev1  HTTPS download of big.bin (1 MiB)          >= 95% encrypted
#   dev1  MQTT over TLS (8883), a 200 KB publish     >= 95% encrypted
#   dev2  plain HTTP JSON (readings.json, 60 KB)     >= 95% text
#   dev2  MQTT on 1883, text messages                >= 95% text
#   dev3  gzip download (readings.json.gz, HTTP)     >= 90% compressed
#   dev3  JPEG download (photo.jpg, HTTP)            >= 90% media
#   dev3  XOR-obfuscated UDP protocol (port 9999)    >= 50% unknown
#
# (TLS handshakes with low entropy count as text, as METHODS 4 says: the
# HTTPS and MQTT-over-TLS flows carry enough data for the ClientHello to
# stay under 5%.)  Also: `iotrim set` shows and changes the sampling, the
# device totals add up, the text table has the share column.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/testbed.sh

dev() { local d=$1; shift; timeout 30 "$TB" run "$d" "$@"; }

tb_require "end-to-end payload classification"
tb_up "testbed up (offloads off)" --offloads off

# ---- content the servers hand out ---------------------------------------
www=$TB_STATE/www
cp selftests/data/photo.jpg "$www/photo.jpg"
{
	echo '['
	for ((i = 1; i < 1000; i++)); do
		echo "{\"t\":$((1700000000 + i * 30)),\"device\":\"plug-$((i % 7))\",\"power_w\":$((i * 37 % 2000)).$((i % 10)),\"state\":\"on\"},"
	done
	echo '{"t":0,"device":"plug-0","power_w":0,"state":"off"}]'
} >"$www/readings.json"
gzip -6 -n -c "$www/readings.json" >"$www/readings.json.gz"
chmod a+r "$www"/*
# The MQTT-over-TLS message: 200 KB of telemetry text.
for ((i = 0; i < 2600; i++)); do
	echo "sensor=$((i % 13)) t=$((1700000000 + i)) temp=2$((i % 10)).$((i % 7)) hum=$((40 + i % 20))"
done | head -c 200000 >"$WORK/telemetry.txt"

# XOR-obfuscated datagrams: JSON-ish text XOR a 4-byte key, 60-300 bytes.
make_xor_datagrams() {
	local -a key=(0x5a 0xc3 0x17 0x8e)
	local i k n msg esc c
	mkdir -p "$WORK/xor"
	for ((i = 0; i < 30; i++)); do
		msg="{\"id\":$((i * 7919 % 100000)),\"pw\":$((i * 31 % 100)),\"sw\":$((i % 2)),\"tmp\":$((200 + i)),\"hum\":$((40 + i % 9)),\"fw\":\"1.0.7\",\"seq\":$i}"
		while [ ${#msg} -lt $((60 + i * 8)) ]; do msg+=$msg; done
		n=$((60 + i * 8))
		esc=""
		for ((k = 0; k < n; k++)); do
			printf -v c '%d' "'${msg:k:1}"
			printf -v c '\\x%02x' $((c ^ key[k % 4]))
			esc+=$c
		done
		printf '%b' "$esc" >"$WORK/xor/$i.bin"
	done
}
make_xor_datagrams

# ---- attach and make the traffic ----------------------------------------
expect_exit "iotrim attaches to the gateway's LAN" 0 "attached to lan0" gw "$IOTRIM" attach --lan lan0
expect_exit "iotrim set shows the defaults" 0 '"sample_first":8,"sample_every":64,"sample_bytes":1024,"defaults":true' \
	gw "$IOTRIM" set --json

ca=$TB_STATE/ca.crt
API4=203.0.113.10 MQTT4=203.0.113.11 CDN4A=203.0.113.20 CDN4B=203.0.113.21
traffic_ok=0
dev dev1 curl -sS -f --max-time 20 -o /dev/null -4 --cacert "$ca" "https://api.vendor.example/big.bin" || traffic_ok=1
dev dev1 mosquitto_pub -h "$MQTT4" -p 8883 --cafile "$ca" -q 1 -i bulb-tls -t iot/bulb/telemetry \
	-f "$WORK/telemetry.txt" || traffic_ok=1
dev dev2 curl -sS -f --max-time 20 -o /dev/null -4 "http://$API4/readings.json" || traffic_ok=1
for ((i = 0; i < 5; i++)); do
	dev dev2 mosquitto_pub -h "$MQTT4" -p 1883 -q 1 -i "camera-$i" -t iot/camera/status \
		-m "{\"motion\":false,\"night_mode\":true,\"battery\":$((90 - i)),\"note\":\"all quiet in the hallway\"}" ||
		traffic_ok=1
done
dev dev3 curl -sS -f --max-time 20 -o /dev/null -4 "http://$CDN4A/readings.json.gz" || traffic_ok=1
dev dev3 curl -sS -f --max-time 20 -o /dev/null -4 "http://$CDN4B/photo.jpg" || traffic_ok=1
dev dev3 bash -c 'for f in "$1"/*.bin; do cat "$f" >/dev/udp/203.0.113.11/9999; done' _ "$WORK/xor" ||
	traffic_ok=1
tap_check "device traffic ran" test "$traffic_ok" -eq 0
sleep 0.5

gw "$IOTRIM" flows --json >"$WORK/flows.json" 2>"$WORK/flows.err"
tap_check "iotrim flows --json" test -s "$WORK/flows.json"

# share MAC REMOTE_IP PROTO PORT CLASS: that class's fraction of the flow's
# classified payload bytes (both directions), or -1 if the flow is missing.
share() {
	jq -r --arg mac "$1" --arg ip "$2" --arg proto "$3" --argjson port "$4" --arg class "$5" '
		[.[] | select(.device_mac == $mac and .remote_ip == $ip and .proto == $proto and
			      .remote_port == $port)] |
		if length == 0 then -1 else .[0] |
			(.payload_up.sampled - .payload_up.ignored + .payload_down.sampled -
			 .payload_down.ignored) as $all |
			if $all == 0 then 0 else
				(.payload_up[$class] + .payload_down[$class]) / $all end
		end' "$WORK/flows.json"
}

flow_detail() {
	jq -c --arg mac "$1" --arg ip "$2" --argjson port "$4" \
		'.[] | select(.device_mac == $mac and .remote_ip == $ip and .remote_port == $port) |
		 {payload_up, payload_down, payload_shares}' "$WORK/flows.json"
}

check_share() {	# NAME MAC IP PROTO PORT CLASS MIN
	local s
	s=$(share "$2" "$3" "$4" "$5" "$6")
	if awk -v s="$s" -v min="$7" 'BEGIN { exit !(s >= min) }'; then
		tap_ok "$1 ($6 $s)"
	else
		tap_not_ok "$1" "$6 share $s, want >= $7" "$(flow_detail "$2" "$3" "$4" "$5")"
	fi
}

DEV1=02:00:00:00:00:21 DEV2=02:00:00:00:00:22 DEV3=02:00:00:00:00:23
check_share "HTTPS download is encrypted" $DEV1 $API4 tcp 443 encrypted 0.95
check_share "MQTT over TLS is encrypted" $DEV1 $MQTT4 tcp 8883 encrypted 0.95
check_share "plain HTTP JSON is text" $DEV2 $API4 tcp 80 text 0.95
check_share "MQTT on 1883 with text payloads is text" $DEV2 $MQTT4 tcp 1883 text 0.95
check_share "gzip download is compressed" $DEV3 $CDN4A tcp 80 compressed 0.90
check_share "JPEG download is media" $DEV3 $CDN4B tcp 80 media 0.90
check_share "XOR-obfuscated UDP protocol is mostly unknown" $DEV3 $MQTT4 udp 9999 unknown 0.50

# The JSON objects are complete, and sampled is the sum of the classes.
bad=$(jq '[.[] | (.payload_up, .payload_down) |
	select(.sampled != .encrypted + .text + .compressed + .media + .unknown + .ignored)] |
	length' "$WORK/flows.json")
tap_check "every payload_up/down adds up to sampled" test "${bad:-x}" = 0

# Devices: the same counters, summed over their flows.
gw "$IOTRIM" devices --json >"$WORK/devices.json"
dev_vs_flows=$(jq -n --slurpfile d "$WORK/devices.json" --slurpfile f "$WORK/flows.json" '
	[$d[0][] as $dev | ["sampled","encrypted","text","compressed","media","unknown","ignored"][] as $k |
	 ($dev.payload_up[$k] + $dev.payload_down[$k]) as $dv |
	 ([$f[0][] | select(.device_mac == $dev.device_mac) | .payload_up[$k] + .payload_down[$k]] | add // 0) as $fv |
	 select($dv != $fv)] | length')
tap_check "device payload counters equal the sum of their flows" test "${dev_vs_flows:-x}" = 0

out=$(gw "$IOTRIM" flows --device $DEV1 2>&1)
if grep -q "ENC/UNENC/UNK%" <<<"$out" && grep -qE "203\.0\.113\.10 .* (9[5-9]|100)/[0-9]+/[0-9]+ " <<<"$out"; then
	tap_ok "iotrim flows shows the share column"
else
	tap_not_ok "iotrim flows shows the share column" "$out"
fi

# Settings change at run time, and off means nothing more is sampled.
expect_exit "iotrim set changes the sampling" 0 '"sample_first":0,"sample_every":0,"sample_bytes":1024,"defaults":false' \
	gw "$IOTRIM" set --sample-first 0 --sample-every 0 --json
before=$(gw "$IOTRIM" devices --json | jq "[.[] | .payload_up.sampled + .payload_down.sampled] | add")
dev dev2 curl -sS -f --max-time 20 -o /dev/null -4 "http://$API4/readings.json"
after=$(gw "$IOTRIM" devices --json | jq "[.[] | .payload_up.sampled + .payload_down.sampled] | add")
tap_check "with K=0 N=0 nothing more is sampled ($before -> $after)" test "$before" = "$after"
expect_exit "iotrim set --defaults" 0 "sample-first 8  sample-every 64  sample-bytes 1024  \(defaults\)" \
	gw "$IOTRIM" set --defaults
expect_exit "iotrim set rejects a bad size" 2 "sample-bytes must be" gw "$IOTRIM" set --sample-bytes 9000

expect_exit "iotrim detach --purge" 0 "removed pinned maps" gw "$IOTRIM" detach --purge
tap_done
