#!/usr/bin/env bash
# The exporters end to end on the namespace testbed, against real tools:
#  1. Prometheus: `promtool check metrics` accepts /metrics; a real
#     `prometheus` (own config, TSDB in $WORK, in the gateway's namespace)
#     scrapes it and its query API gives the totals of `iotrim flows --json`;
#     at most --metrics-top destination series per device, the rest "other".
#     IPFIX over UDP to nfcapd: `nfdump` has every flow and direction with
#     the packets and bytes of `iotrim flows --json`, and the device's MAC,
#     and for the test traffic those of tshark on a capture of the LAN.
#  2. IPFIX over TCP (nfcapd 1.7.1 has no TCP listener): the collector is
#     down when the controller starts, comes up later; tshark decodes the
#     byte stream it received (wrapped into packets by text2pcap): every
#     record iotrim sent, its totals per direction, payload class bytes and
#     DNS names equal iotrim's (the records queued during the outage arrive).
#  3. A dead collector (TCP to an unreachable address, UDP to a closed
#     port): harvests go on every second, the counts stay right, the
#     exports that cannot go are dropped and counted, stop is quick.
# Counting is frozen before each comparison by detaching the programs (the
# pinned maps stay), so the kernel, the history and the exporters all
# describe the same traffic.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/testbed.sh

tb_require "exporters: Prometheus and IPFIX"
for tool in prometheus promtool nfcapd nfdump tshark text2pcap tcpdump curl jq sqlite3; do
	if ! command -v "$tool" >/dev/null; then
		tap_skip "exporters: Prometheus and IPFIX" "$tool missing"
		tap_done
		exit
	fi
done

MPORT=9669
helper_pids=()
test_cleanup() {
	[ ${#helper_pids[@]} -gt 0 ] || return 0
	kill -TERM "${helper_pids[@]}" 2>/dev/null
	wait "${helper_pids[@]}" 2>/dev/null
	helper_pids=()
}

# gw_bg LOG CMD...: CMD in the gateway's namespace, in the background (nsenter execs it).
gw_bg() {
	local log=$1
	shift
	nsenter --net="/run/netns/${TB_PREFIX}_gw" "$@" >"$log" 2>&1 &
	helper_pids+=($!)
}

metrics() { gw curl -sf --max-time 5 "http://127.0.0.1:$MPORT/metrics"; }

# metric NAME-AND-LABELS: its value on /metrics (exact line match), or empty.
metric() { metrics | awk -v m="$1" '$1 == m { print $2 }'; }

# wait_for SECONDS CMD...: until CMD succeeds.
wait_for() {
	local n=$(($1 * 10))
	shift
	for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
	return 1
}

# Per device "MAC up-packets up-bytes down-packets down-bytes" from `iotrim flows --json`.
flows_by_device() {
	gw "$IOTRIM" flows --json | jq -r 'group_by(.device_mac)[] |
		"\(.[0].device_mac) \([.[].packets_up] | add) \([.[].bytes_up] | add) \([.[].packets_down] | add) \([.[].bytes_down] | add)"' | sort
}

# Per flow direction "MAC DEVICE-IP REMOTE-IP PROTO PORT DIR PACKETS BYTES" from `iotrim flows --json`.
flows_by_direction() {
	gw "$IOTRIM" flows --json | jq -r '.[] |
		(if .packets_up > 0 then "\(.device_mac) \(.device_ip) \(.remote_ip) \(.proto) \(.remote_port) up \(.packets_up) \(.bytes_up)" else empty end),
		(if .packets_down > 0 then "\(.device_mac) \(.device_ip) \(.remote_ip) \(.proto) \(.remote_port) down \(.packets_down) \(.bytes_down)" else empty end)' |
		awk '{ p = $4; if (p == "tcp") p = 6; else if (p == "udp") p = 17;
			else if (p == "icmp") p = 1; else if (p == "icmpv6") p = 58; $4 = p; print }' | sort
}

# The same from nfdump's records (deltas summed): up records have the device
# as source and its MAC as in-source MAC, down records the reverse.
nfdump_by_direction() {
	nfdump -R "$1" -o csv | awk -F, '
		NR > 1 && $12 ~ /^[0-9]+$/ {
			p = $8; if (p == "TCP") p = 6; else if (p == "UDP") p = 17;
			else if (p == "ICMP") p = 1; else if (p == "ICMP6") p = 58;
			if ($23 == 0) k = $28 " " $4 " " $5 " " p " " $7 " up";
			else k = $30 " " $5 " " $4 " " p " " $6 " down";
			pk[k] += $12; by[k] += $13
		}
		END { for (k in pk) print k, pk[k], by[k] }' | sort
}

# Prometheus query API: "LABEL-VALUES... VALUE" lines of an instant query, sorted.
prom_query() {
	gw curl -sf --max-time 5 "http://127.0.0.1:9090/api/v1/query" --data-urlencode "query=$1" |
		jq -r '.data.result[] | "\(.metric.device) \(.metric.direction) \(.value[1])"' | sort
}

# "MAC DIRECTION VALUE" lines of flows_by_device, for a field (packets or bytes).
expect_lines() {
	flows_by_device | awk -v f="$1" '{
		if (f == "packets") { print $1, "down", $4; print $1, "up", $2 }
		else { print $1, "down", $5; print $1, "up", $3 } }' | sort
}

prom_equals_iotrim() {	# prom_equals_iotrim QUERY FIELD
	[ "$(prom_query "$1")" = "$(expect_lines "$2")" ]
}

# --- 1. Prometheus and IPFIX over UDP ---------------------------------------------
tb_up "testbed up (offloads off)" --offloads off
gw ip link set lo up
mkdir -p "$WORK/nf" "$WORK/tsdb"
gw_bg "$WORK/nfcapd.log" nfcapd -b 127.0.0.1 -p 4739 -w "$WORK/nf" -t 3600
cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: iotrim
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
EOF
gw_bg "$WORK/prometheus.log" prometheus --config.file="$WORK/prometheus.yml" \
	--storage.tsdb.path="$WORK/tsdb" --web.listen-address=127.0.0.1:9090
start_lan_capture in "$WORK/in.pcap"
start_lan_capture out "$WORK/out.pcap"
tap_check "captures listening on lan0" wait_captures_ready "$WORK/in.pcap" "$WORK/out.pcap"
expect_exit "iotrim attaches to the gateway's LAN" 0 "attached to lan0" gw "$IOTRIM" attach --lan lan0
start_controller --no-attach --interval 1 --metrics-listen "127.0.0.1:$MPORT" --metrics-top 3 \
	--ipfix-collector 127.0.0.1:4739
tap_check "controller collecting with both exporters" controller_collecting
$TB traffic 8 >"$WORK/traffic.log" 2>&1
tap_check "device traffic ran" test $? -eq 0
gw "$IOTRIM" detach >/dev/null
# Two harvests after the freeze: the last one has everything.
sleep 2.5
stop_captures

metrics >"$WORK/metrics.txt"
if out=$(promtool check metrics <"$WORK/metrics.txt" 2>&1); then
	tap_ok "promtool check metrics accepts /metrics ($(grep -vc '^#' "$WORK/metrics.txt") samples)"
else
	tap_not_ok "promtool check metrics accepts /metrics" "$out"
fi
expect_lines bytes >"$WORK/want_bytes.txt"
awk '$1 ~ /^iotrim_device_bytes_total/ { match($1, /device="[^"]*"/); d = substr($1, RSTART + 8, 17);
	match($1, /direction="[a-z]*"/); r = substr($1, RSTART + 11, RLENGTH - 12); print d, r, $2 }' \
	"$WORK/metrics.txt" | sort >"$WORK/page_bytes.txt"
if diff_out=$(diff "$WORK/want_bytes.txt" "$WORK/page_bytes.txt"); then
	tap_ok "/metrics device bytes equal iotrim flows --json ($(wc -l <"$WORK/want_bytes.txt") series)"
else
	tap_not_ok "/metrics device bytes equal iotrim flows --json" "< flows  > metrics" "$diff_out"
fi
prom_scrapes() {
	[ "$(gw curl -sf "http://127.0.0.1:9090/api/v1/query?query=up" | jq -r '.data.result[0].value[1]')" = 1 ]
}
tap_check "Prometheus scrapes iotrim (up == 1)" wait_for 20 prom_scrapes
tap_check "Prometheus: sum by device of iotrim_device_bytes_total = flows --json" \
	wait_for 15 prom_equals_iotrim 'sum by (device, direction) (iotrim_device_bytes_total)' bytes
tap_check "Prometheus: iotrim_device_packets_total = flows --json" \
	wait_for 5 prom_equals_iotrim 'sum by (device, direction) (iotrim_device_packets_total)' packets
tap_check "Prometheus: destination series + other add up to the device bytes" \
	wait_for 5 prom_equals_iotrim 'sum by (device, direction) (iotrim_destination_bytes_total)' bytes
most=$(prom_query 'count by (device, direction) (iotrim_destination_bytes_total{other=""})' |
	awk '$3 > m { m = $3 } END { print m + 0 }')
others=$(prom_query 'iotrim_destination_bytes_total{other="true"} > 0' | wc -l)
tap_check "at most --metrics-top 3 destination series per device ($most), the rest in other ($others)" \
	test "$most" -le 3 -a "$most" -ge 1 -a "$others" -ge 1
harvested=$(metric iotrim_last_harvest_timestamp_seconds)
tap_check "last harvest time is recent ($harvested)" \
	awk -v t="$harvested" -v now="$(date +%s.%N)" 'BEGIN { exit !(now - t < 3) }'

stop_controller
tap_check "controller stopped cleanly" test "$run_rc" -eq 0
test_cleanup	# nfcapd writes its file on exit
flows_by_direction >"$WORK/iotrim.txt"
nfdump_by_direction "$WORK/nf" >"$WORK/nfdump.txt"
tap_check "nfdump has flows in both directions ($(wc -l <"$WORK/nfdump.txt"))" \
	test "$(grep -c ' down ' "$WORK/nfdump.txt")" -ge 5
if diff_out=$(diff "$WORK/iotrim.txt" "$WORK/nfdump.txt"); then
	tap_ok "nfdump (IPFIX over UDP) = flows --json per flow and direction, packets, bytes and MAC"
else
	tap_not_ok "nfdump (IPFIX over UDP) = flows --json per flow and direction" "< iotrim  > nfdump" "$diff_out"
fi
read -r np nb < <(nfdump -R "$WORK/nf" -o csv | awk -F, 'NR > 1 && $12 ~ /^[0-9]+$/ { p += $12; b += $13 } END { print p, b }')
read -r ip ib < <(gw "$IOTRIM" flows --json | jq -r '"\([.[] | .packets_up + .packets_down] | add) \([.[] | .bytes_up + .bytes_down] | add)"')
tap_check "nfdump totals $np packets, $nb bytes = iotrim's $ip, $ib" test "$np" = "$ip" -a "$nb" = "$ib"
# The test traffic (to the simulated Internet, DNS to the gateway) in the
# capture, by tshark alone: the collector has what went over the wire.
# shellcheck disable=SC2016 # an awk program
is_test_flow='$3 ~ /^203\.0\.113\./ || $3 ~ /^2001:db8:100:/ || $5 == 53'
selftests/e2e/witness/flows_from_pcap.sh "$WORK/in.pcap" "$WORK/out.pcap" |
	awk "$is_test_flow" | sort >"$WORK/witness.txt"
awk "$is_test_flow" "$WORK/nfdump.txt" >"$WORK/nfdump_test.txt"
tap_check "the capture saw test traffic ($(wc -l <"$WORK/witness.txt") flow directions)" \
	test "$(wc -l <"$WORK/witness.txt")" -ge 10
if diff_out=$(diff "$WORK/witness.txt" "$WORK/nfdump_test.txt"); then
	tap_ok "nfdump = tshark on the LAN capture for every test flow and direction"
else
	tap_not_ok "nfdump = tshark on the LAN capture for every test flow and direction" \
		"< tshark  > nfdump" "$diff_out"
fi
tap_check "nfcapd saw no sequence errors" grep -q "Sequence Errors: 0," "$WORK/nfcapd.log"

# --- 2. IPFIX over TCP, collector down at first -----------------------------------------
gw "$IOTRIM" detach --purge >/dev/null 2>&1
gw "$IOTRIM" attach --lan lan0 >/dev/null 2>&1
: >"$WORK/run.log"
start_controller --no-attach --interval 1 --db "$WORK/tcp.db" --metrics-listen "127.0.0.1:$MPORT" \
	--ipfix-collector 127.0.0.1:4740 --ipfix-transport tcp
controller_collecting
$TB traffic 4 >"$WORK/traffic2.log" 2>&1
tap_check "collector down: connections failed ($(metric iotrim_ipfix_connect_failures_total))" \
	test "$(metric iotrim_ipfix_connect_failures_total)" -ge 1
tap_check "collector down: records wait in the bounded queue ($(metric iotrim_ipfix_queue_bytes) bytes)" \
	test "$(metric iotrim_ipfix_queue_bytes)" -gt 0
# A collector that keeps the byte stream it receives; tshark decodes it.
gw_bg "$WORK/sink.log" /usr/bin/python3 -c '
import socket, sys
out = open(sys.argv[1], "ab", buffering=0)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 4740)); s.listen(4)
while True:
    c, _ = s.accept()
    while True:
        b = c.recv(65536)
        if not b:
            break
        out.write(b)
    c.close()' "$WORK/collector.bin"
ipfix_drained() {
	[ "$(metric iotrim_ipfix_connected)" = 1 ] && [ "$(metric iotrim_ipfix_queue_bytes)" = 0 ]
}
tap_check "collector up: the controller reconnects (backoff) and the queue drains" \
	wait_for 40 ipfix_drained
$TB run dev2 curl -sS -o /dev/null --max-time 10 http://203.0.113.10/big.bin
gw "$IOTRIM" detach >/dev/null
sleep 2.5
sent=$(metric 'iotrim_ipfix_records_total{result="sent"}')
dropped=$(metric 'iotrim_ipfix_records_total{result="dropped"}')
stop_controller
sleep 0.5
test_cleanup
# What the collector received, as TCP packets for tshark (a capture on the
# busy loopback can miss a segment; the stream the collector read cannot).
split -b 30000 -d "$WORK/collector.bin" "$WORK/stream_"
for part in "$WORK"/stream_*; do od -Ax -tx1 -v "$part"; done |
	text2pcap -q -T 50000,4740 - "$WORK/ipfix_tcp.pcap"
decoded=$(tshark -r "$WORK/ipfix_tcp.pcap" -d tcp.port==4740,cflow -T fields -E aggregator=' ' \
	-e cflow.octets 2>/dev/null | awk '{ n += NF } END { print n + 0 }')
tap_check "tshark decodes every record iotrim sent ($decoded of $sent, $dropped dropped)" \
	test "$decoded" = "$sent" -a "$dropped" = 0
read -r tp_up tb_up_ tp_down tb_down < <(tshark -r "$WORK/ipfix_tcp.pcap" -d tcp.port==4740,cflow \
	-T fields -E aggregator=' ' -e cflow.direction -e cflow.packets -e cflow.octets 2>/dev/null |
	awk '{ n = NF / 3; for (i = 1; i <= n; i++) { d = $i; p[d] += $(i + n); b[d] += $(i + 2 * n) } }
		END { print p[0] + 0, b[0] + 0, p[1] + 0, b[1] + 0 }')
read -r ip_up ib_up ip_down ib_down < <(gw "$IOTRIM" flows --json |
	jq -r '"\([.[].packets_up] | add) \([.[].bytes_up] | add) \([.[].packets_down] | add) \([.[].bytes_down] | add)"')
tap_check "tshark (IPFIX over TCP): up $tp_up packets, $tb_up_ bytes = iotrim's $ip_up, $ib_up" \
	test "$tp_up" = "$ip_up" -a "$tb_up_" = "$ib_up"
tap_check "tshark (IPFIX over TCP): down $tp_down packets, $tb_down bytes = iotrim's $ip_down, $ib_down" \
	test "$tp_down" = "$ip_down" -a "$tb_down" = "$ib_down"
tap_check "a 1 MiB download is in it ($tb_down bytes down)" test "$tb_down" -gt 1000000
# iotrim's own elements (PEN 32473), as tshark shows them (type, hex value):
# the payload class sums (types 2..8) and the DNS names (type 1).
tshark -r "$WORK/ipfix_tcp.pcap" -d tcp.port==4740,cflow -T pdml 2>/dev/null | awk -F'"' '
	function hexval(s,   i, v) {
		v = 0
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	/name="cflow.enterprise_private_entry"/ {
		for (i = 1; i < NF; i++) {
			if ($i ~ / showname=$/) label = $(i + 1)
			if ($i ~ / value=$/) value = $(i + 1)
		}
		if (label !~ /\(32473\)|Documentation/) next
		match(label, /Type [0-9]+:/)
		t = substr(label, RSTART + 5, RLENGTH - 6)
		if (t == 1) {
			name = ""
			for (i = 1; i < length(value); i += 2)
				name = name sprintf("%c", hexval(substr(value, i, 2)))
			print "name " name
		} else {
			sum[t] += hexval(value)
		}
	}
	END { printf "payload"; for (t = 2; t <= 8; t++) printf " %d", sum[t]; printf "\n" }' |
	sort -u >"$WORK/pie.txt"
gw "$IOTRIM" flows --json | jq -r '"payload " + ([.[] | [.payload_up.sampled + .payload_down.sampled,
	.payload_up.encrypted + .payload_down.encrypted, .payload_up.text + .payload_down.text,
	.payload_up.compressed + .payload_down.compressed, .payload_up.media + .payload_down.media,
	.payload_up.unknown + .payload_down.unknown, .payload_up.ignored + .payload_down.ignored]] |
	transpose | map(add) | map(tostring) | join(" "))' >"$WORK/payload_want.txt"
sqlite3 "$WORK/tcp.db" "SELECT 'payload', sum(sampled), sum(encrypted), sum(text), sum(compressed),
	sum(media), sum(unknown), sum(ignored) FROM payload_history" | tr '|' ' ' >"$WORK/payload_db.txt"
tap_check "IPFIX payload class bytes (iotrim elements 2..8) = flows --json: $(grep payload "$WORK/pie.txt") vs $(cat "$WORK/payload_want.txt"), db $(cat "$WORK/payload_db.txt")" \
	test "$(grep payload "$WORK/pie.txt")" = "$(cat "$WORK/payload_want.txt")"
sqlite3 "$WORK/tcp.db" "SELECT DISTINCT 'name ' || name FROM flow_history WHERE name <> ''" |
	sort >"$WORK/names_want.txt"
if diff_out=$(diff "$WORK/names_want.txt" <(grep '^name ' "$WORK/pie.txt")); then
	tap_ok "IPFIX DNS names (iotrim element 1) = the history's names ($(wc -l <"$WORK/names_want.txt"))"
else
	tap_not_ok "IPFIX DNS names (iotrim element 1) = the history's names" "< history  > IPFIX" "$diff_out"
fi

# --- 3. A dead collector costs a counter only --------------------------------------------
dead_collector() {	# dead_collector NAME TRANSPORT COLLECTOR
	local name=$1 t0 h0 h1 dur dropped stop_start stop_s
	gw "$IOTRIM" detach --purge >/dev/null 2>&1
	gw "$IOTRIM" attach --lan lan0 >/dev/null 2>&1
	: >"$WORK/run.log"
	start_controller --no-attach --interval 1 --db "$WORK/dead-$2.db" \
		--metrics-listen "127.0.0.1:$MPORT" --ipfix-collector "$3" --ipfix-transport "$2"
	controller_collecting
	h0=$(metric iotrim_harvests_total)
	t0=$(date +%s.%N)
	$TB traffic 5 >"$WORK/traffic-$2.log" 2>&1
	h1=$(metric iotrim_harvests_total)
	dur=$(metric iotrim_last_harvest_duration_seconds)
	tap_check "$name: harvests every second ($((h1 - h0)) in $(awk -v t="$t0" -v now="$(date +%s.%N)" 'BEGIN { printf "%.1f", now - t }') s), the last in $dur s" \
		awk -v n=$((h1 - h0)) -v t="$t0" -v now="$(date +%s.%N)" -v d="$dur" \
		'BEGIN { exit !(n >= int(now - t) - 1 && d < 0.5) }'
	gw "$IOTRIM" detach >/dev/null
	sleep 2.5
	expect_lines bytes >"$WORK/want_dead.txt"
	metrics | awk '$1 ~ /^iotrim_device_bytes_total/ { match($1, /device="[^"]*"/); d = substr($1, RSTART + 8, 17);
		match($1, /direction="[a-z]*"/); r = substr($1, RSTART + 11, RLENGTH - 12); print d, r, $2 }' |
		sort >"$WORK/page_dead.txt"
	tap_check "$name: the counts stay right (/metrics = flows --json)" \
		diff -q "$WORK/want_dead.txt" "$WORK/page_dead.txt"
	dropped=$(metric 'iotrim_ipfix_records_total{result="dropped"}')
	stop_start=$(date +%s.%N)
	stop_controller
	stop_s=$(awk -v t="$stop_start" -v now="$(date +%s.%N)" 'BEGIN { printf "%.1f", now - t }')
	tap_check "$name: stops in $stop_s s with its final harvest" \
		awk -v s="$stop_s" -v rc="$run_rc" 'BEGIN { exit !(s < 5 && rc == 0) }'
	tap_check "$name: what could not go is counted and said (metric at the last scrape: $dropped)" \
		grep -qE "IPFIX: [0-9]+ records (sent, [1-9][0-9]* dropped|dropped)" "$WORK/run.log"
}
# Unanswered SYNs (the simulated Internet swallows them): the connect
# waits in the sender thread, never in the harvest.
in_netns "${TB_PREFIX}_inet" nft add table inet iotrim_dead
in_netns "${TB_PREFIX}_inet" nft add chain inet iotrim_dead pre \
	'{ type filter hook prerouting priority -300; }'
in_netns "${TB_PREFIX}_inet" nft add rule inet iotrim_dead pre ip daddr 198.18.0.1 drop
dead_collector "TCP to an unreachable collector" tcp 198.18.0.1:4739
tap_check "TCP unreachable: nothing sent, everything dropped at stop" \
	grep -qE "IPFIX: 0 records sent, [1-9][0-9]* dropped" "$WORK/run.log"
dead_collector "UDP to a closed port" udp 127.0.0.1:4741
dropped=$(grep -oE '[0-9]+ records dropped \(collector' "$WORK/run.log" | head -1)
tap_check "UDP closed port: drops said while running ($dropped)" test -n "$dropped"

tap_done
