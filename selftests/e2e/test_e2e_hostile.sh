#!/usr/bin/env bash
# A hostile device on the namespace testbed (issue 12, "Done when"): while
# dev1 and dev2 do their normal traffic, dev3 sprays COUNT frames from new
# random source MACs, COUNT new flows and COUNT random DNS names
# (e2e/devices/hostile_spray.py; HOSTILE_COUNT, default 100000, over
# HOSTILE_SECONDS, default 20), with the controller harvesting every second.
# Then:
#   - dev1's and dev2's per-device totals (their delta over the test) equal
#     the witness (tcpdump + tshark alone), packets and L3 bytes each way, and
#     so does every one of their flows: none was evicted;
#   - their names are attributed (`destinations`);
#   - the database and the controller's peak RSS stay under README's bounds;
#   - every spoofed frame lan0 received is in a device entry or a named
#     counter, and the budgets' counters show the drops.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/testbed.sh

tb_require "a hostile device"

COUNT=${HOSTILE_COUNT:-100000}
SECONDS_=${HOSTILE_SECONDS:-20}
DB_BOUND_MB=16		# README "Bounds"
RSS_BOUND_KB=65536
GOOD='02:00:00:00:00:2[12]'
# shellcheck disable=SC2016 # an awk program
is_test_flow='$3 ~ /^203\.0\.113\./ || $3 ~ /^2001:db8:100:/ || $5 == 53'

tb_up "testbed up (offloads off)" --offloads off
sleep 2	# let address autoconfiguration settle: the devices are quiet now

devices_json() { gw "$IOTRIM" devices --json; }
# per-device "MAC up PACKETS BYTES" and "MAC down PACKETS BYTES" of dev1 and dev2
device_totals() {
	jq -r '.[] | "\(.device_mac) up \(.packets_up) \(.bytes_up)",
		"\(.device_mac) down \(.packets_down) \(.bytes_down)"' | grep -E "^$GOOD " | sort
}

expect_exit "iotrim attaches to the gateway's LAN" 0 "attached to lan0" gw "$IOTRIM" attach --lan lan0
start_controller --no-attach --interval 1
tap_check "controller collecting" controller_collecting
# the witness: everything dev1 and dev2 send or receive; and every spoofed frame
filter="ether host 02:00:00:00:00:21 or ether host 02:00:00:00:00:22"
start_capture "$WORK/in.pcap" -i lan0 -Q in -s 200 "$filter"
start_capture "$WORK/out.pcap" -i lan0 -Q out -s 200 "$filter"
start_capture "$WORK/spoofed.pcap" -i lan0 -Q in -s 64 -B 65536 "ether[6] == 0x06"
tap_check "captures listening on lan0" \
	wait_captures_ready "$WORK/in.pcap" "$WORK/out.pcap" "$WORK/spoofed.pcap"
devices_json | device_totals >"$WORK/before.txt"

$TB traffic $((SECONDS_ + 6)) >"$WORK/traffic.log" 2>&1 &
traffic_pid=$!
sleep 3
t0=$(date +%s)
sent=$($TB run dev3 /usr/bin/python3 selftests/e2e/devices/hostile_spray.py eth0 \
	02:00:00:00:00:23 192.0.2.23 02:00:00:00:00:01 192.0.2.250 "$COUNT" "$SECONDS_" 2>&1)
tap_check "dev3 sprayed within $((SECONDS_ + 30)) s: $sent" \
	bash -c '[ "$(( $(date +%s) - $1 ))" -le "$2" ] && grep -q "names=$3" <<<"$4"' _ \
	"$t0" $((SECONDS_ + 30)) "$COUNT" "$sent"
wait "$traffic_pid"
tap_check "dev1 and dev2 traffic ran" \
	bash -c '! grep -E "^(dev1|dev2) .* fail" "$1"' _ "$WORK/traffic.log"
sleep 1
devices_json >"$WORK/devices.json"
stop_captures

# --- the other devices' totals and flows equal the witness ---------------------
device_totals <"$WORK/devices.json" >"$WORK/after.txt"
# after - before; a device not seen before attach has no entry before
awk 'FILENAME == ARGV[1] { p[$1 "/" $2] = $3; b[$1 "/" $2] = $4; next }
	{ print $1 "/" $2, $3 - p[$1 "/" $2], $4 - b[$1 "/" $2] }' \
	"$WORK/before.txt" "$WORK/after.txt" | sort >"$WORK/iotrim_totals.txt"
selftests/e2e/witness/flows_from_pcap.sh "$WORK/in.pcap" "$WORK/out.pcap" >"$WORK/witness.txt"
awk '{ k = $1 "/" $6; p[k] += $7; b[k] += $8 } END { for (k in p) print k, p[k], b[k] }' \
	"$WORK/witness.txt" | grep -E "^$GOOD/" | sort >"$WORK/witness_totals.txt"
tap_check "the witness saw dev1 and dev2 both ways ($(wc -l <"$WORK/witness_totals.txt") of 4)" \
	test "$(wc -l <"$WORK/witness_totals.txt")" -eq 4
if d=$(diff "$WORK/witness_totals.txt" "$WORK/iotrim_totals.txt"); then
	tap_ok "dev1's and dev2's device totals equal the witness (packets, L3 bytes, each way)"
else
	tap_not_ok "dev1's and dev2's device totals equal the witness (packets, L3 bytes, each way)" \
		"< witness  > iotrim" "$d"
fi
gw "$IOTRIM" flows --json | jq -r '.[] |
	(if .packets_up > 0 then "\(.device_mac) \(.device_ip) \(.remote_ip) \(.proto) \(.remote_port) up \(.packets_up) \(.bytes_up)" else empty end),
	(if .packets_down > 0 then "\(.device_mac) \(.device_ip) \(.remote_ip) \(.proto) \(.remote_port) down \(.packets_down) \(.bytes_down)" else empty end)' |
	awk '{ p = $4; if (p == "tcp") p = 6; else if (p == "udp") p = 17;
		else if (p == "icmp") p = 1; else if (p == "icmpv6") p = 58; $4 = p; print }' |
	grep -E "^$GOOD " | awk "$is_test_flow" | sort >"$WORK/iotrim_flows.txt"
grep -E "^$GOOD " "$WORK/witness.txt" | awk "$is_test_flow" | sort >"$WORK/witness_flows.txt"
if d=$(diff "$WORK/witness_flows.txt" "$WORK/iotrim_flows.txt"); then
	tap_ok "each of their $(wc -l <"$WORK/witness_flows.txt") flow directions equals the witness: none evicted"
else
	tap_not_ok "each of their flow directions equals the witness: none evicted" "< witness  > iotrim" "$d"
fi

# --- names, database, controller ------------------------------------------------
sleep 2	# one more harvest
for mac_name in 02:00:00:00:00:21/api.vendor.example 02:00:00:00:00:21/log.vendor.example \
	02:00:00:00:00:22/api.vendor.example; do
	mac=${mac_name%/*} name=${mac_name#*/}
	names=$("$IOTRIM" destinations --device "$mac" --json |
		jq -r '[.[] | select(.bytes_up > 0) | .names[]] | unique | join(" ")')
	tap_check "$mac's $name is attributed (names: $names)" grep -qw -- "$name" <<<"$names"
done
rss=$(awk '/^VmHWM/ { print $2 }' "/proc/$run_pid/status")
tap_check "controller peak RSS ${rss} kB <= $RSS_BOUND_KB kB" test "${rss:-999999999}" -le "$RSS_BOUND_KB"
stop_controller
db_kb=$(du -ck "$IOTRIM_DB"* | tail -1 | cut -f1)
tap_check "database ${db_kb} kB <= $DB_BOUND_MB MB" test "$db_kb" -le $((DB_BOUND_MB * 1024))
rows=$(sqlite3 "$IOTRIM_DB" "SELECT (SELECT count(*) FROM dns_queries) || ' dns_queries, ' ||
	(SELECT count(*) FROM flow_history) || ' flow_history rows'")
tap_ok "database: $rows"

# --- every spoofed frame accounted for ------------------------------------------
counters=$(gw "$IOTRIM" status --json | jq -c .counters)
c() { jq -r --arg k "$1" '.[$k]' <<<"$counters"; }
spoofed_seen=$(tshark -r "$WORK/spoofed.pcap" -q -z io,stat,0 2>/dev/null |
	awk -F'|' '/<>/ { gsub(/ /, "", $3); print $3 }')
capture_drops=$(grep -oE '[0-9]+ packets dropped by kernel' "$WORK/spoofed.pcap.log" | cut -d' ' -f1)
in_entries=$(jq '[.[] | select(.device_mac | startswith("06:")) | .packets_up] | add // 0' \
	"$WORK/devices.json")
accounted=$((in_entries + $(c device_insert_limited) + $(c device_table_full)))
tap_check "the capture of spoofed frames lost none (${capture_drops:-?} dropped)" \
	test "${capture_drops:-1}" -eq 0
tap_check "every spoofed frame lan0 received is counted: $in_entries in device entries + $(c device_insert_limited) device_insert_limited + $(c device_table_full) device_table_full = $accounted of $spoofed_seen" \
	test "$accounted" -eq "${spoofed_seen:-0}"
tap_check "new-flow budget spent and counted (flow_quota $(c flow_quota))" test "$(c flow_quota)" -gt 0
tap_check "event budget spent and counted (event_rate_limited $(c event_rate_limited))" \
	test "$(c event_rate_limited)" -gt 0
tap_check "no event lost to a full ring (event_ringbuf_full $(c event_ringbuf_full))" \
	test "$(c event_ringbuf_full)" -eq 0
tap_done
