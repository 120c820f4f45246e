#!/usr/bin/env bash
# Lifecycle phases live on the testbed (METHODS 5), against tshark: a device
# is marked `setup`, makes its setup traffic, is marked `interaction`, makes
# other traffic, and is marked `none`; each period has its own capture of
# the gateway's LAN side.  `iotrim phase list` and `iotrim report --phase`
# must give each phase exactly the bytes tshark saw in its period, for the
# device and per destination; bytes outside any phase are in no phase; a
# device without marks has no phases.  The marks are set while the device is
# quiet, as an operator does between two steps.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/testbed.sh

dev() { local d=$1; shift; timeout 20 "$TB" run "$d" "$@" >>"$WORK/traffic.log" 2>&1; }
check_eq() {	# NAME WANT GOT
	if [ "$2" = "$3" ]; then tap_ok "$1"; else tap_not_ok "$1" "want: $2" "got:  $3"; fi
}
capture() {	# PERIOD: both directions of lan0 into $WORK/PERIOD-{in,out}.pcap
	start_lan_capture in "$WORK/$1-in.pcap"
	start_lan_capture out "$WORK/$1-out.pcap"
	wait_captures_ready "$WORK/$1-in.pcap" "$WORK/$1-out.pcap"
}
# witness PERIOD MAC [REMOTE PROTO PORT]: "bytes_up bytes_down" by tshark.
witness() {
	selftests/e2e/witness/flows_from_pcap.sh "$WORK/$1-in.pcap" "$WORK/$1-out.pcap" |
		awk -v m="$2" -v r="${3:-}" -v p="${4:-}" -v port="${5:-}" '
		$1 == m && (r == "" || ($3 == r && $4 == p && $5 == port)) {
			if ($6 == "up") bu += $8; else bd += $8 }
		END { print bu + 0, bd + 0 }'
}
mark() {	# MAC PHASE
	gw "$IOTRIM" phase mark "$1" "$2" >>"$WORK/marks.log" 2>&1
}

D1=02:00:00:00:00:21 D2=02:00:00:00:00:22
API4=203.0.113.10 MQTT4=203.0.113.11

tb_require "lifecycle phases live, against tshark"
tb_up "testbed up (offloads off)" --offloads off
start_controller --lan lan0 --interval 3600
tap_check "iotrim run attaches and collects" controller_collecting

# Before any mark: in no phase (the setup check below leaves it out).
dev dev1 curl -4 -sS -f --max-time 5 -o /dev/null "http://$API4/index.html"
sleep 0.5

capture p1
tap_check "mark dev1 setup" mark $D1 setup
dev dev1 curl -4 -sS -f --max-time 5 -o /dev/null "http://$API4/index.html"
dev dev1 mosquitto_pub -h $MQTT4 -p 1883 -q 1 -i phase-setup -t iot/setup -m '{"paired":true}'
dev dev2 curl -4 -sS -f --max-time 5 -o /dev/null "http://$API4/index.html"
sleep 0.5
stop_captures

capture p2
tap_check "mark dev1 interaction" mark $D1 interaction
dev dev1 curl -4 -sS -f --max-time 5 -o /dev/null --cacert "$TB_STATE/ca.crt" "https://api.vendor.example/big.bin"
dev dev1 curl -4 -sS -f --max-time 5 -o /dev/null "http://$API4/index.html"
sleep 0.5
stop_captures
tap_check "mark dev1 none" mark $D1 none

# After the phase ended: in no phase again.
dev dev1 curl -4 -sS -f --max-time 5 -o /dev/null "http://$API4/index.html"
sleep 0.5
stop_controller
tap_check "controller stopped cleanly (exit $run_rc)" test "$run_rc" -eq 0

gw "$IOTRIM" phase list --json >"$WORK/phases.json" 2>>"$WORK/marks.log"
phase_bytes() {	# MAC PHASE: "bytes_up bytes_down" of its interval(s)
	jq -r --arg m "$1" --arg p "$2" '[.[] | select(.device_mac == $m and .phase == $p)] |
		"\(map(.bytes_up) | add // 0) \(map(.bytes_down) | add // 0)"' "$WORK/phases.json"
}
check_eq "setup: dev1's bytes equal tshark's in the setup period" "$(witness p1 $D1)" "$(phase_bytes $D1 setup)"
check_eq "interaction: dev1's bytes equal tshark's in the interaction period" \
	"$(witness p2 $D1)" "$(phase_bytes $D1 interaction)"
tap_check "the interaction carried the 1 MiB download" \
	test "$(phase_bytes $D1 interaction | cut -d' ' -f2)" -gt 1000000
check_eq "none: the bytes after the phase ended are in no phase" "0 0" "$(phase_bytes $D1 none)"
check_eq "a device without marks has no phases" "0" \
	"$(jq --arg m $D2 '[.[] | select(.device_mac == $m)] | length' "$WORK/phases.json")"

# The report, per phase: device totals and one destination.
report() {	# PHASE
	gw "$IOTRIM" report --phase "$1" --format json --providers /dev/null 2>/dev/null
}
report setup >"$WORK/setup.json"
report interaction >"$WORK/interaction.json"
dev_bytes() {	# FILE MAC
	jq -r --arg m "$2" '.devices[] | select(.device_mac == $m) | "\(.bytes_up) \(.bytes_down)"' "$1"
}
dest_bytes() {	# FILE MAC IP PORT
	jq -r --arg m "$2" --arg ip "$3" --argjson port "$4" '.devices[] | select(.device_mac == $m) |
		[.destinations[] | select(.ip == $ip and .port == $port)] |
		"\(map(.bytes_up) | add // 0) \(map(.bytes_down) | add // 0)"' "$1"
}
check_eq "report --phase setup: dev1's totals equal tshark's" "$(witness p1 $D1)" "$(dev_bytes "$WORK/setup.json" $D1)"
check_eq "report --phase setup: MQTT destination equals tshark's" \
	"$(witness p1 $D1 $MQTT4 6 1883)" "$(dest_bytes "$WORK/setup.json" $D1 $MQTT4 1883)"
check_eq "report --phase interaction: dev1's totals equal tshark's" \
	"$(witness p2 $D1)" "$(dev_bytes "$WORK/interaction.json" $D1)"
check_eq "report --phase setup: dev2 (no marks) is not in it" "" "$(dev_bytes "$WORK/setup.json" $D2)"
tap_done
