#!/usr/bin/env bash
# `iotrim audit tls` end to end on the namespace testbed (honours
# IOTRIM_TB_PREFIX and IOTRIM_TB_STATE), with real curl clients against the
# testbed's real nginx, iotrim attached and its controller running:
#   - dev1's curl trusts only the testbed CA: its connection is diverted, it
#     refuses the forged certificate, the verdict is validates (0 bytes);
#   - dev2's curl -k accepts it: accepts-forged with app_bytes equal to the
#     request size curl reports; an IPv6 address without SNI is named by the
#     original address;
#   - --destination: only that name is intercepted, dev1's other TLS (the
#     CDN) passes through to the real server; another device is never diverted;
#   - iotrim's programs go on counting the device's packets under their
#     original destination, and a deny entry still refuses its connection
#     before the divert (the interceptor never sees it); with generic XDP
#     instead of TC the divert works the same;
#   - when a run ends, the owner table is gone and the same curls reach the
#     real server (its certificate verifies against the testbed CA);
#   - an experiment file's [audit-tls] step gives the same verdict;
#   - kill -9 during a run: the kernel removes the divert; the time until
#     dev2's curl works again is measured.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/testbed.sh

D1=02:00:00:00:00:21
D2=02:00:00:00:00:22
API4=203.0.113.10
API6=2001:db8:100::10
CDN4A=203.0.113.20
audit_pid=

tb_require "audit tls end to end"

test_cleanup() {
	[ -n "$audit_pid" ] && kill -KILL "$audit_pid" 2>/dev/null
	[ -n "$audit_pid" ] && wait "$audit_pid" 2>/dev/null
}

# curl from a device: prints "exit-code request-bytes ssl-verify-result"
curl_from() {	# NODE CURL-ARGS...
	local node=$1
	shift
	$TB run "$node" curl -sS -o /dev/null -m 5 -w '%{exitcode} %{size_request} %{ssl_verify_result}\n' "$@" \
		2>/dev/null | tail -1
}
trusted() { curl_from "$1" --cacert "$TB_STATE/ca.crt" "${@:2}"; }
# works NODE URL...: the real server, its certificate verified by the testbed CA.
works() { [ "$(trusted "$@" | cut -d' ' -f1,3)" = "0 0" ]; }
divert_tables() { gw nft list tables 2>/dev/null | grep -c 'iotrim_audit_'; }

# start_audit NAME ARGS...: iotrim audit tls ARGS in the background
# (nsenter execs iotrim: $audit_pid is iotrim), JSON to $WORK/NAME.json;
# waits until its owner table is there.
start_audit() {
	local name=$1
	shift
	nsenter --net="/run/netns/${TB_PREFIX}_gw" "$IOTRIM" audit tls --json "$@" \
		>"$WORK/$name.json" 2>"$WORK/$name.log" &
	audit_pid=$!
	for _ in $(seq 50); do
		gw nft list table inet "iotrim_audit_$audit_pid" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
wait_audit() {	# -> $audit_rc
	wait "$audit_pid"
	audit_rc=$?
	audit_pid=
}
verdict() {	# NAME-OF-RUN DEST PORT -> "verdict app_bytes"
	jq -r --arg n "$2" --argjson p "$3" \
		'.[] | select(.name == $n and .port == $p) | "\(.verdict) \(.app_bytes)"' "$WORK/$1.json"
}
json_keys_exact() {
	jq -e 'length > 0 and all(.[]; (keys | sort) == ["app_bytes", "name", "port", "verdict"])' \
		"$WORK/$1.json" >/dev/null
}

tb_up "testbed up"
expect_exit "iotrim attaches to the gateway's LAN" 0 "attached to lan0" gw "$IOTRIM" attach --lan lan0
start_controller --no-attach --interval 1
tap_check "the controller collects" controller_collecting

# --- before: everything reaches the real servers ---------------------------------
tap_check "dev1 reaches api.vendor.example (before)" works dev1 https://api.vendor.example/status.json
tap_check "dev2 reaches api.vendor.example (before)" works dev2 https://api.vendor.example/status.json
tap_check "dev1 reaches cdn.example (before)" works dev1 https://cdn.example/

# --- dev1 validates -------------------------------------------------------------
expect_exit "a block rule refuses dev1's TLS to $CDN4A" 0 "rule" gw "$IOTRIM" block add --device $D1 \
	--proto tcp --port 443 --action reject $CDN4A/32
if start_audit dev1 --device $D1 --duration 6; then
	tap_ok "dev1's divert is in place (owner table iotrim_audit_$audit_pid)"
	out=$(gw nft list table inet "iotrim_audit_$audit_pid")
	tap_check "the table is an owner table matching dev1's MAC" \
		grep -q "flags owner" <<<"$out"
	tap_check "... and redirects its TLS ports" grep -q "ether saddr $D1 .*dport { 443, .*redirect to :" <<<"$out"
	r=$(trusted dev1 https://api.vendor.example/status.json)
	tap_check "dev1's curl refuses the forged certificate (exit 60: $r)" [ "${r%% *}" = 60 ]
	r=$(trusted dev1 --resolve cdn.example:443:$CDN4A https://cdn.example/)
	tap_check "the deny entry still refuses dev1's connection first (exit 7: $r)" [ "${r%% *}" = 7 ]
	tap_check "another device is not diverted (dev2 reaches the real server)" \
		works dev2 https://api.vendor.example/status.json
	wait_audit
	tap_check "audit of dev1 exits 0 (got $audit_rc)" [ "$audit_rc" = 0 ]
	tap_check "--json has exactly name, port, verdict, app_bytes" json_keys_exact dev1
	v=$(verdict dev1 api.vendor.example 443)
	tap_check "api.vendor.example:443 validates, 0 bytes (got '$v')" [ "$v" = "validates 0" ]
	v=$(jq -r '.[] | select(.name == "cdn.example" and .verdict != "not-seen") | .name' "$WORK/dev1.json")
	tap_check "the blocked connection never reached the interceptor ('$v')" [ -z "$v" ]
else
	tap_not_ok "dev1's divert is in place" "$(cat "$WORK/dev1.log")"
fi
tap_check "after the run: no divert left" [ "$(divert_tables)" = 0 ]
tap_check "after the run: dev1 reaches api.vendor.example, real certificate" \
	works dev1 https://api.vendor.example/status.json
ruleid=$(gw "$IOTRIM" block list --json | jq '.[0].id')
gw "$IOTRIM" block del "$ruleid" >/dev/null 2>&1 || gw "$IOTRIM" block delete "$ruleid" >/dev/null 2>&1

# iotrim's counters saw dev1's diverted packets under the original destination.
flows=$(gw "$IOTRIM" flows --device $D1 --json)
up=$(jq "[.[] | select((.remote_ip == \"$API4\" or .remote_ip == \"$API6\") and .remote_port == 443) | .packets_up] | add // 0" <<<"$flows")
tap_check "iotrim counted dev1's packets to api.vendor.example:443 ($up up)" [ "${up:-0}" -gt 0 ]
gwflows=$(jq '[.[] | select((.remote_ip == "192.0.2.1" or .remote_ip == "2001:db8:1::1") and .proto == "tcp" and .remote_port != 53)] | length' <<<"$flows")
tap_check "... and none to the interceptor's address ($gwflows)" [ "$gwflows" = 0 ]

# --- dev2 accepts forged certificates ---------------------------------------------
if start_audit dev2 --device $D2 --duration 6; then
	tap_ok "dev2's divert is in place"
	r=$(curl_from dev2 -k -4 https://api.vendor.example/status.json)
	req=$(cut -d' ' -f2 <<<"$r")
	tap_check "dev2's curl -k (IPv4) sends its request over the forged session ($r)" [ "${req:-0}" -gt 0 ]
	r6=$(curl_from dev2 -k -6 "https://[$API6]/status.json")
	wait_audit
	v=$(verdict dev2 api.vendor.example 443)
	tap_check "api.vendor.example:443 accepts-forged, app_bytes = the request's $req bytes (got '$v')" \
		[ "$v" = "accepts-forged $req" ]
	req6=$(cut -d' ' -f2 <<<"$r6")
	v=$(verdict dev2 "$API6" 443)
	tap_check "IPv6, no SNI: $API6:443 accepts-forged with its $req6 bytes (got '$v')" \
		[ "$v" = "accepts-forged $req6" ]
	n=$(sqlite3 "$IOTRIM_DB" "SELECT count(*) FROM tls_audit WHERE device_mac = '$D2' AND verdict = 'accepts-forged'")
	tap_check "the verdicts are in the database ($n rows)" [ "$n" = 2 ]
else
	tap_not_ok "dev2's divert is in place" "$(cat "$WORK/dev2.log")"
fi
tap_check "after the run: dev2 reaches api.vendor.example, real certificate" \
	works dev2 https://api.vendor.example/status.json
tap_check "after the run: dev2's curl -k reaches it too" \
	[ "$(curl_from dev2 -k https://api.vendor.example/status.json | cut -d' ' -f1)" = 0 ]

# --- the report's security section ---------------------------------------------------
rep=$(gw "$IOTRIM" report --format json 2>/dev/null)
v=$(jq -r --arg m $D2 '.devices[] | select(.device_mac == $m) | .security.tls_validation[]
	| select(.name == "api.vendor.example") | "\(.verdict) \(.app_bytes)"' <<<"$rep")
tap_check "report --format json: dev2's api.vendor.example accepts-forged ('$v')" \
	[ "$v" = "accepts-forged $req" ]
v=$(jq -r --arg m $D1 '.devices[] | select(.device_mac == $m) | .security.tls_validation[]
	| select(.name == "api.vendor.example") | .verdict' <<<"$rep")
tap_check "report --format json: dev1's api.vendor.example validates ('$v')" [ "$v" = validates ]
html=$(gw "$IOTRIM" report --format html 2>/dev/null)
tap_check "report (HTML): the TLS validation table" \
	grep -q '<td>api.vendor.example</td><td>443</td><td class="verdict-accepts-forged">' <<<"$html"
tap_check "report (text): the security lines" bash -c "nsenter --net=/run/netns/${TB_PREFIX}_gw \
	'$IOTRIM' report | grep -q 'api.vendor.example:443 accepts-forged ($req application bytes exposed)'"

# --- one destination only ----------------------------------------------------------
if start_audit one --device $D1 --destination API.vendor.example:443 --duration 5; then
	r=$(trusted dev1 https://api.vendor.example/status.json)
	tap_check "--destination: dev1's connection to it is intercepted (exit 60: $r)" [ "${r%% *}" = 60 ]
	tap_check "--destination: dev1's other TLS passes through to the real server" \
		works dev1 https://cdn.example/
	wait_audit
	v=$(jq -r '[.[] | "\(.name):\(.port) \(.verdict)"] | join(", ")' "$WORK/one.json")
	tap_check "--destination: one row, api.vendor.example:443 validates (got '$v')" \
		[ "$v" = "api.vendor.example:443 validates" ]
else
	tap_not_ok "--destination: the divert is in place" "$(cat "$WORK/one.log")"
fi
if start_audit unseen --device $D1 --destination time.example:8443 --duration 1; then
	wait_audit
	v=$(verdict unseen time.example 8443)
	tap_check "a destination without a connection is not-seen (got '$v')" [ "$v" = "not-seen 0" ]
else
	tap_not_ok "not-seen: the divert is in place" "$(cat "$WORK/unseen.log")"
fi

# --- with XDP (generic) on the LAN instead of TC ------------------------------------------
gw "$IOTRIM" detach >/dev/null 2>&1
expect_exit "iotrim attaches with generic XDP" 0 "attached to lan0" gw "$IOTRIM" attach --lan lan0 --mode generic
if start_audit xdp --device $D2 --duration 3; then
	r=$(curl_from dev2 -k https://api.vendor.example/status.json)
	wait_audit
	v=$(verdict xdp api.vendor.example 443)
	tap_check "generic XDP: the divert still works (got '$v')" [ "$v" = "accepts-forged $(cut -d' ' -f2 <<<"$r")" ]
else
	tap_not_ok "generic XDP: the divert is in place" "$(cat "$WORK/xdp.log")"
fi
tap_check "generic XDP: after the run dev2 reaches the real server" works dev2 https://api.vendor.example/status.json
gw "$IOTRIM" detach >/dev/null 2>&1
expect_exit "iotrim attaches with TC again" 0 "attached to lan0" gw "$IOTRIM" attach --lan lan0

# --- an experiment's [audit-tls] step ---------------------------------------------------
cat >"$WORK/dev2.ini" <<EOT
[device]
mac = $D2
[run]
repetitions = 1
strategy = single
settle = 0
timeout = 8
[function status]
check = $PWD/$TB run dev2 curl -k -sS -m 4 -o /dev/null https://api.vendor.example/status.json
[audit-tls]
duration = 2
EOT
before=$(sqlite3 "$IOTRIM_DB" "SELECT count(*) FROM tls_audit WHERE device_mac = '$D2'")
gw "$IOTRIM" experiment run "$WORK/dev2.ini" >"$WORK/exp.out" 2>"$WORK/exp.log"
rc=$?
tap_check "experiment with [audit-tls] runs to the end (exit $rc)" [ $rc = 0 ]
tap_check "its [audit-tls] step: api.vendor.example:443 accepts-forged" \
	grep -q "^\[audit-tls\] api.vendor.example:443 accepts-forged ([1-9]" "$WORK/exp.log"
after=$(sqlite3 "$IOTRIM_DB" "SELECT count(*) FROM tls_audit WHERE device_mac = '$D2'")
tap_check "... and stored its verdict ($before -> $after rows)" [ "$after" -gt "$before" ]
tap_check "after the experiment: no divert left" \
	bash -c "[ \"\$(nsenter --net=/run/netns/${TB_PREFIX}_gw nft list tables | grep -c iotrim_audit_)\" = 0 ]"
tap_check "after the experiment: dev2 reaches the real server" works dev2 https://api.vendor.example/status.json

# --- kill -9 -------------------------------------------------------------------------
if start_audit killed --device $D2 --duration 60; then
	r=$(curl_from dev2 -k https://api.vendor.example/status.json)
	t0=$(date +%s.%N)
	kill -KILL "$audit_pid"
	wait_audit 2>/dev/null
	for _ in $(seq 100); do [ "$(divert_tables)" = 0 ] && break; sleep 0.01; done
	t1=$(date +%s.%N)
	tap_check "kill -9: no divert left ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') s)" \
		[ "$(divert_tables)" = 0 ]
	ok=1
	for _ in $(seq 50); do works dev2 https://api.vendor.example/status.json && ok=0 && break; sleep 0.1; done
	t2=$(date +%s.%N)
	tap_check "kill -9: dev2 reaches the real server again after $(awk -v a="$t0" -v b="$t2" 'BEGIN { printf "%.3f", b - a }') s" \
		[ "$ok" = 0 ]
	tap_check "kill -9: nft list ruleset shows no iotrim table" \
		bash -c "! nsenter --net=/run/netns/${TB_PREFIX}_gw nft list ruleset | grep -q iotrim_audit"
else
	tap_not_ok "kill -9: the divert is in place" "$(cat "$WORK/killed.log")"
fi
tap_done
