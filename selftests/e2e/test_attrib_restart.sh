#!/usr/bin/env bash
# History survives a controller killed with SIGKILL: devices keep talking
# while `iotrim run` (harvesting every second) is killed -9 twice and
# restarted on the same database.  After the last controller stops, the
# flow totals in SQLite alone (export --no-live) must equal tshark's on the
# same link for every flow and direction: nothing lost, nothing twice.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/testbed.sh

traffic_pid=
test_cleanup() {
	[ -n "$traffic_pid" ] && kill "$traffic_pid" 2>/dev/null && wait "$traffic_pid" 2>/dev/null
}

tb_require "kill -9 and restart"
tb_up "testbed up (prefix $TB_PREFIX)" --offloads off

start_lan_capture in "$WORK/in.pcap"
start_lan_capture out "$WORK/out.pcap"
wait_captures_ready "$WORK/in.pcap" "$WORK/out.pcap"

start_controller --lan lan0 --interval 1
tap_check "the controller runs" controller_collecting

# Traffic for about 9 s: downloads, HTTPS, DNS from two devices.
(
	end=$((SECONDS + 9))
	while [ $SECONDS -lt $end ]; do
		timeout 5 $TB run dev2 curl -sS -o /dev/null --max-time 4 http://203.0.113.10/big.bin
		timeout 5 $TB run dev1 curl -sS -o /dev/null --max-time 4 http://api.vendor.example/page.html
		timeout 5 $TB run dev2 curl -sS -6 -o /dev/null --max-time 4 http://api.vendor.example/image.jpg
		timeout 3 $TB run dev1 dig +short +time=1 +tries=1 cdn.example A
	done
) >"$WORK/traffic.log" 2>&1 &
traffic_pid=$!

kills=0
for at in 2.5 3; do
	sleep "$at"
	if [ -n "$run_pid" ] && kill -0 "$run_pid" 2>/dev/null; then
		stop_controller KILL 2>/dev/null
		[ "$run_rc" -eq 137 ] && kills=$((kills + 1))
	fi
	sleep 0.7
	start_controller --lan lan0 --interval 1
done
wait "$traffic_pid"
traffic_pid=
tap_check "killed with SIGKILL twice during traffic ($kills)" test "$kills" -eq 2
sleep 1.5
stop_captures
stop_controller TERM
tap_check "the restarted controller stops on SIGTERM with status 0 ($run_rc)" test "$run_rc" -eq 0

history_directions "$WORK/history.txt"
witness_directions "$WORK/in.pcap" "$WORK/out.pcap" "$WORK/witness.txt"
n=$(wc -l <"$WORK/witness.txt")
tap_check "the capture saw the traffic ($n flow directions)" test "$n" -ge 6
big=$(awk '$6 == "down" && $8 > 3000000' "$WORK/witness.txt" | wc -l)
tap_check "megabytes moved while the controller was down and up ($big)" test "$big" -ge 1
if d=$(diff "$WORK/witness.txt" "$WORK/history.txt"); then
	tap_ok "SQLite totals equal tshark's for every flow and direction: no loss, no double count"
else
	tap_not_ok "SQLite totals equal tshark's for every flow and direction: no loss, no double count" \
		"< witness  > history" "$d"
fi
tap_done
