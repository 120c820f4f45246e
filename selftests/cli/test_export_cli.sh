#!/usr/bin/env bash
# `iotrim run` exporter options: bad values (exit 2), an address in use, the
# /metrics endpoint (404, 405, content type), counters that start from the
# history's totals, and device-supplied names with quotes, backslashes,
# newlines and non-ASCII bytes that `promtool check metrics` still accepts,
# escaped as the exposition format says.  On a veth in a throw-away namespace.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/lib.sh

if ! command -v promtool >/dev/null || ! command -v sqlite3 >/dev/null; then
	tap_skip "exporter options" "promtool or sqlite3 missing"
	tap_done
	exit
fi

NS=itc_export_$$
WORK=$(mktemp -d)
DB=$WORK/iotrim.db
run_pid=
cleanup() {
	[ -n "$run_pid" ] && kill -TERM "$run_pid" 2>/dev/null && wait "$run_pid" 2>/dev/null
	in_netns "$NS" "$IOTRIM" detach --purge >/dev/null 2>&1
	ip netns del "$NS" 2>/dev/null
	rm -rf "$IOTRIM_PIN_DIR" "$WORK" 2>/dev/null
}
trap cleanup EXIT
make_veth_netns "$NS"
run() { in_netns "$NS" "$IOTRIM" "$@"; }

# --- bad values -----------------------------------------------------------
expect_exit "--metrics-listen without a port" 2 "--metrics-listen takes ADDR:PORT" \
	run run --no-attach --metrics-listen 127.0.0.1
expect_exit "--metrics-listen with port 0" 2 "--metrics-listen takes ADDR:PORT" \
	run run --no-attach --metrics-listen 127.0.0.1:0
expect_exit "--metrics-listen bare IPv6" 2 "--metrics-listen takes ADDR:PORT or \[IPv6\]:PORT" \
	run run --no-attach --metrics-listen ::1:9669
expect_exit "--metrics-top 0" 2 "--metrics-top takes 1 to 1000" \
	run run --no-attach --metrics-top 0
expect_exit "--metrics-top too big" 2 "--metrics-top takes 1 to 1000" \
	run run --no-attach --metrics-top 1001
expect_exit "--ipfix-collector without a port" 2 "--ipfix-collector takes HOST:PORT" \
	run run --no-attach --ipfix-collector collector.example
expect_exit "--ipfix-transport sctp" 2 "--ipfix-transport must be udp or tcp, not 'sctp'" \
	run run --no-attach --ipfix-transport sctp

# --- runtime errors --------------------------------------------------------
expect_exit "attach" 0 "attached to lan0" run attach --lan lan0
expect_exit "an unknown collector host" 1 "IPFIX collector \"no-such-host.invalid:4739\": no such host" \
	run run --no-attach --db "$DB" --duration 1 --ipfix-collector no-such-host.invalid:4739
in_netns "$NS" /usr/bin/python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 9670)); s.listen(1); time.sleep(30)' &
busy_pid=$!
sleep 0.5
expect_exit "an address in use" 1 "metrics: cannot listen on 127.0.0.1:9670" \
	run run --no-attach --db "$DB" --duration 1 --metrics-listen 127.0.0.1:9670
kill "$busy_pid" 2>/dev/null
wait "$busy_pid" 2>/dev/null

# --- names from devices, escaped --------------------------------------------
# The history before this run: a DNS name with a quote and an escaped
# backslash (as the DNS parser writes it), one with a newline and one with
# UTF-8, all the same device.
sqlite3 "$DB" "INSERT INTO flow_history (device_mac, device_ip, remote_ip, proto, remote_port, name,
	packets_up, bytes_up, packets_down, bytes_down, first_seen_ms, last_seen_ms) VALUES
	('02:00:00:00:00:21', '192.0.2.21', '203.0.113.10', 6, 443, 'evil\"name\\092x.example', 1, 100, 2, 2000, 1, 2),
	('02:00:00:00:00:21', '192.0.2.21', '203.0.113.11', 6, 443, 'new' || char(10) || 'line.example', 1, 10, 1, 20, 1, 2),
	('02:00:00:00:00:21', '192.0.2.21', '203.0.113.12', 17, 53, 'caf' || char(233) || '.example', 1, 1, 1, 2, 1, 2);"
tap_check "history rows with hostile names" test $? -eq 0
# nsenter execs iotrim: $run_pid is the controller, and signals reach it.
nsenter --net="/run/netns/$NS" "$IOTRIM" run --no-attach --db "$DB" --interval 1 --metrics-listen 127.0.0.1:9669 \
	--metrics-top 2 >"$WORK/run.log" 2>&1 &
run_pid=$!
page() { in_netns "$NS" curl -s --max-time 5 "$@"; }
for _ in $(seq 50); do page -f http://127.0.0.1:9669/metrics >/dev/null && break; sleep 0.1; done
page -f http://127.0.0.1:9669/metrics >"$WORK/metrics.txt"
if out=$(promtool check metrics <"$WORK/metrics.txt" 2>&1); then
	tap_ok "promtool check metrics accepts the page with hostile names"
else
	tap_not_ok "promtool check metrics accepts the page with hostile names" "$out"
fi
tap_check "quote and backslash escaped" grep -qF \
	'iotrim_destination_bytes_total{device="02:00:00:00:00:21",destination="evil\"name\\092x.example",proto="tcp",port="443",direction="down"} 2000' \
	"$WORK/metrics.txt"
tap_check "newline escaped" grep -qF 'destination="new\nline.example"' "$WORK/metrics.txt"
tap_check "at most --metrics-top 2 destination series, the third in other" grep -qF \
	'iotrim_destination_bytes_total{device="02:00:00:00:00:21",other="true",direction="up"} 1' \
	"$WORK/metrics.txt"
tap_check "device totals start from the history" grep -qF \
	'iotrim_device_bytes_total{device="02:00:00:00:00:21",direction="down"} 2022' "$WORK/metrics.txt"
expect_exit "content type of the text format" 0 "Content-Type: text/plain; version=0.0.4" \
	page -sS -D - -o /dev/null http://127.0.0.1:9669/metrics
expect_exit "another path is 404" 0 "^404$" page -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9669/
expect_exit "POST is 405" 0 "^405$" page -s -o /dev/null -w '%{http_code}' -d x http://127.0.0.1:9669/metrics
kill -TERM "$run_pid"
wait "$run_pid"
tap_check "the controller stops cleanly" test $? -eq 0
run_pid=

# IPv6: [addr]:port.
nsenter --net="/run/netns/$NS" "$IOTRIM" run --no-attach --db "$DB" --interval 1 \
	--metrics-listen '[::1]:9671' >"$WORK/run6.log" 2>&1 &
run_pid=$!
for _ in $(seq 50); do page -gf 'http://[::1]:9671/metrics' >/dev/null && break; sleep 0.1; done
expect_exit "/metrics over IPv6" 0 "^iotrim_device_bytes_total\{device=\"02:00:00:00:00:21\",direction=\"up\"\} 111$" \
	page -gf 'http://[::1]:9671/metrics'
kill -TERM "$run_pid"
wait "$run_pid"
run_pid=

tap_done
