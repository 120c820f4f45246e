#!/usr/bin/env bash
# The service on the testbed: the controller starts on the gateway with only
# --config FILE (LAN, database, a harvest period longer than the test,
# classification off).  A SIGHUP after the file turns classification on
# changes the pinned settings map, and the programs then sample the same
# flow; a SIGTERM harvests once more, so the SQLite history alone equals
# tshark's count of the same link for every flow and direction.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/testbed.sh

tb_require "the service from its config file"
tb_up "testbed up (prefix $TB_PREFIX)" --offloads off

CONF=$WORK/iotrim.conf
cat >"$CONF" <<CONF
[iotrim]
lan = lan0
database = $WORK/service.db
# Longer than the test: what SQLite holds at the end is SIGTERM's harvest.
interval = 600
[sampling]
first = 0
every = 0
[history]
retention = 30
CONF
# The database comes from the file, not from the runner's IOTRIM_DB.
export IOTRIM_DB=$WORK/service.db

start_lan_capture in "$WORK/in.pcap"
start_lan_capture out "$WORK/out.pcap"
wait_captures_ready "$WORK/in.pcap" "$WORK/out.pcap"

start_controller --config "$CONF"
tap_check "the controller runs from the config file alone" controller_collecting
tap_check "... on lan0 with the file's database and interval" \
	grep -q "collecting: names and history into $WORK/service.db (harvest every 600 s)" "$WORK/run.log"
gw "$IOTRIM" set --json >"$WORK/set1.json"
tap_check "the file turned classification off in the settings map" test \
	"$(jq -c '[.sample_first, .sample_every, .defaults]' "$WORK/set1.json")" = '[0,0,false]'

big() { timeout 20 $TB run dev2 curl -sS -o /dev/null --max-time 15 http://203.0.113.10/big.bin; }
sampled() {	# the download flow's sampled payload bytes, both directions
	gw "$IOTRIM" flows --json --device 02:00:00:00:00:22 |
		jq '[.[] | select(.remote_ip == "203.0.113.10" and .remote_port == 80)
			| .payload_up.sampled + .payload_down.sampled] | add // 0'
}
big
timeout 5 $TB run dev1 curl -sS -o /dev/null --max-time 4 http://api.vendor.example/page.html
timeout 3 $TB run dev1 dig +short +time=1 +tries=1 api.vendor.example A >/dev/null
before=$(sampled)
tap_check "nothing sampled while classification is off ($before bytes)" test "$before" -eq 0

sed -i 's/^first = 0/first = 8/; s/^every = 0/every = 1/' "$CONF"
stop_check() { grep -q 'sampling: first 8, every 1, 1024 bytes' "$WORK/run.log"; }
kill -HUP "$run_pid"
for _ in $(seq 50); do stop_check && break; sleep 0.1; done
tap_check "SIGHUP: the controller applies the new sampling" stop_check
gw "$IOTRIM" set --json >"$WORK/set2.json"
tap_check "SIGHUP: the pinned settings map has it" test \
	"$(jq -c '[.sample_first, .sample_every]' "$WORK/set2.json")" = '[8,1]'
big
after=$(sampled)
tap_check "SIGHUP: the programs sample the same flow now ($after bytes)" test "$after" -gt 100000

in_db=$(gw "$IOTRIM" export --json --no-live | jq '[.flows[].bytes_down] | add // 0')
sleep 1
stop_captures
stop_controller TERM
tap_check "SIGTERM stops it with status 0 ($run_rc)" test "$run_rc" -eq 0
history_directions "$WORK/history.txt"
witness_directions "$WORK/in.pcap" "$WORK/out.pcap" "$WORK/witness.txt"
n=$(wc -l <"$WORK/witness.txt")
tap_check "the capture saw the traffic ($n flow directions)" test "$n" -ge 4
tap_check "before SIGTERM the history lacked the downloads ($in_db bytes down)" \
	test "${in_db:-0}" -lt 2000000
if d=$(diff "$WORK/witness.txt" "$WORK/history.txt"); then
	tap_ok "after SIGTERM, SQLite totals equal tshark's for every flow and direction"
else
	tap_not_ok "after SIGTERM, SQLite totals equal tshark's for every flow and direction" \
		"< witness  > history" "$d"
fi
gw "$IOTRIM" status --json >"$WORK/status.json"
tap_check "status --json shows the database, its size and oldest row" test \
	"$(jq -r '.database | "\(.path) \(.bytes > 0) \(.flow_rows > 0) \(.oldest != null)"' "$WORK/status.json")" = \
	"$WORK/service.db true true true"
tap_done
