#!/usr/bin/env bash
# Block rules end to end on the namespace testbed (honours IOTRIM_TB_PREFIX
# and IOTRIM_TB_STATE):
#   - a name rule for dev1: its dig gets NXDOMAIN (UDP and TCP) and its curl fails, with
#     the addresses it resolved before blocked too (bound IP rules), while
#     dev2 still resolves and connects; tshark on the gateway's WAN side
#     sees no packet to the name's addresses while only dev1 tries;
#   - dev3 uses two names of the same addresses: blocking one must not cut
#     off the other;
#   - CNAME targets: a rule for cloud.vendor.example NXDOMAINs dev1's query for
#     alias.other.example (a CNAME of it; dig and dig +tcp), binds the
#     addresses dev1 reached through the chain, and block list shows the chain;
#   - prefix and IPv6 rules: reject fails dev1's TCP connect in under 100 ms
#     (RST) and its DNS query at once (ICMP), drop makes it time out; hit
#     counters equal the packets dev1 sent;
#   - a 2 s lease ends by itself with no iotrim process left;
#   - rules survive detach + attach, a controller restart and a purge;
#   - generic XDP and --mode tc (reject answers there too: RST, ICMP).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/testbed.sh

D1=02:00:00:00:00:21
D3=02:00:00:00:00:23
API4=203.0.113.10
API6=2001:db8:100::10
CLOUD4=203.0.113.14
CLOUD6=2001:db8:100::14
blk() { gw "$IOTRIM" block "$@"; }

tb_require "block end to end"

# curl from a device: prints "exit-code seconds"
curl_from() {	# NODE CURL-ARGS...
	local node=$1
	shift
	$TB run "$node" curl -sS -o /dev/null --cacert "$TB_STATE/ca.crt" -w '%{exitcode} %{time_total}\n' "$@" 2>/dev/null |
		tail -1
}
works() { [ "$(curl_from "$@" | cut -d' ' -f1)" = 0 ]; }
dig_status() {	# NODE NAME [TYPE [@SERVER]]
	$TB run "$1" dig +tries=1 +time=2 ${4:+"$4"} "$2" "${3:-A}" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'
}
dig_tcp() {	# NODE NAME TYPE [@SERVER]: dig +tcp's whole output
	$TB run "$1" dig +tcp +tries=1 +time=2 ${4:+"$4"} "$2" "$3" 2>&1
}
nxdomain_tcp() {	# the rewritten answer parses: NXDOMAIN, no warning
	local out
	out=$(dig_tcp "$@")
	grep -q "status: NXDOMAIN" <<<"$out" && ! grep -qi "warning\|malformed" <<<"$out"
}
rule_id() { sed -n 's/^rule \([0-9]*\):.*/\1/p' <<<"$1" | head -1; }
hits() { blk list --json | jq ".[] | select(.id == $1) | .$2"; }
pings() { $TB run "$1" ping -n -c "$2" -i 0.2 -W 1 "$3" 2>/dev/null | awk '/received/ { print $4 }'; }
blocked_ping() { [ "$(pings dev1 1 "$1")" = 0 ]; }
reaches_ping() { [ "$(pings dev1 1 "$1")" = 1 ]; }
map_has_rule() {
	bpftool map dump pinned "$IOTRIM_PIN_DIR/deny_ip" -j |
		jq -e "[.[].formatted.value.rules[] | select(.id == $1)] | length > 0" >/dev/null
}
under_100ms() { awk -v t="$1" 'BEGIN { exit !(t < 0.1) }'; }
refused_fast() { [ "${1%% *}" = 7 ] && under_100ms "${1#* }"; }	# "exit seconds" of curl_from
timed_out() { [ "${1%% *}" = 28 ] && awk -v t="${1#* }" -v s="$2" 'BEGIN { exit !(t >= s) }'; }
list_says() { blk list | grep -qF -- "$1"; }

tb_up "testbed up"
expect_exit "iotrim attaches to the gateway's LAN (native XDP)" 0 "attached to lan0 \(native" gw "$IOTRIM" attach --lan lan0 --mode native
start_controller --no-attach --interval 1

# --- name rules -------------------------------------------------------------------
tap_check "dev1 reaches api.vendor.example (IPv4)" works dev1 -4 https://api.vendor.example/status.json
tap_check "dev1 reaches api.vendor.example (IPv6)" works dev1 -6 https://api.vendor.example/status.json
tap_check "dev3 reaches api.vendor.example over HTTPS" works dev3 https://api.vendor.example/status.json
tap_check "dev3 reaches status.vendor.example (same addresses, no CNAME) over HTTP" works dev3 http://status.vendor.example/page.html
names_known() {
	[ "$(sqlite3 "$IOTRIM_DB" "SELECT count(*) FROM dns_names WHERE device_mac = '$D1' AND name = 'api.vendor.example'" 2>/dev/null)" -ge 2 ] &&
		[ "$(sqlite3 "$IOTRIM_DB" "SELECT count(*) FROM flow_history WHERE device_mac = '$D3' AND name != ''" 2>/dev/null)" -ge 2 ]
}
for _ in $(seq 50); do names_known && break; sleep 0.2; done
tap_check "the controller recorded the names and flows" names_known

out=$(blk add --device $D1 api.vendor.example 2>&1)
name_id=$(rule_id "$out")
tap_check "block add --device dev1 api.vendor.example" test -n "$name_id"
bound=$(blk list --json | jq -r "[.[] | select(.parent == $name_id and .proto == \"any\") | .target] | sort | join(\" \")")
tap_check "it brought in both addresses dev1 resolved ($bound)" test "$bound" = "$API6 $API4"
tap_check "list says why" list_says "via rule $name_id: api.vendor.example resolved to $API4 for this device"
bound_json() { blk list --json | jq -r ".[] | select(.id == $name_id) | .bound[] | $1"; }
tap_check "list --json: the name rule's bound addresses" \
	test "$(bound_json .address | sort | tr '\n' ' ')" = "$API6 $API4 "
tap_check "list --json: and why" grep -qF "api.vendor.example resolved to $API4 for this device" \
	<<<"$(bound_json "select(.address == \"$API4\") | .why")"
tap_check "dev1's dig gets NXDOMAIN (A)" test "$(dig_status dev1 api.vendor.example A)" = NXDOMAIN
tap_check "dev1's dig gets NXDOMAIN (AAAA)" test "$(dig_status dev1 api.vendor.example AAAA)" = NXDOMAIN
tap_check "dev1's dig over IPv6 to the gateway gets NXDOMAIN" test "$(dig_status dev1 api.vendor.example AAAA @2001:db8:1::1)" = NXDOMAIN
tap_check "dev1's dig straight to a server (IPv4, through NAT) gets NXDOMAIN" test "$(dig_status dev1 api.vendor.example A @203.0.113.53)" = NXDOMAIN
tap_check "dev1's dig straight to a server over IPv6 gets NXDOMAIN" test "$(dig_status dev1 www.api.vendor.example AAAA @2001:db8:100::53)" = NXDOMAIN
tap_check "dev1's dig +tcp gets NXDOMAIN (A, the gateway's resolver)" nxdomain_tcp dev1 api.vendor.example A
tap_check "dev1's dig +tcp over IPv6 straight to a server gets NXDOMAIN" nxdomain_tcp dev1 api.vendor.example AAAA @2001:db8:100::53
tap_check "dev1's dig for another name works" test "$(dig_status dev1 mqtt.vendor.example)" = NOERROR
tap_check "dev1's dig +tcp for another name works" grep -q "status: NOERROR" <<<"$(dig_tcp dev1 mqtt.vendor.example A)"
tap_check "dev2's dig still gets the address" test "$($TB run dev2 dig +short api.vendor.example A)" = "$API4"
tap_check "the name rule counted the answers it rewrote" test "$(hits "$name_id" packets)" -ge 2

start_capture "$WORK/wan.pcap" -i wan0
wait_captures_ready "$WORK/wan.pcap"
r=$(curl_from dev1 https://api.vendor.example/status.json)
tap_check "dev1's curl fails: the name does not resolve ($r)" test "${r%% *}" = 6
r=$(curl_from dev1 --connect-timeout 2 --resolve "api.vendor.example:443:$API4" https://api.vendor.example/status.json)
tap_check "dev1's curl with a cached IPv4 address fails ($r)" test "${r%% *}" = 28
tap_check "list --json: the bound IPv4 rule's hits count it" test "$(bound_json "select(.address == \"$API4\") | .packets")" -ge 1
r=$(curl_from dev1 --connect-timeout 2 --resolve "api.vendor.example:443:[$API6]" https://api.vendor.example/status.json)
tap_check "dev1's curl with a cached IPv6 address fails ($r)" test "${r%% *}" = 28
tap_check "dev1's ping to the address fails" blocked_ping $API4
sleep 0.5
marker=$(date +%s.%N)
sleep 0.2
tap_check "dev2 still reaches api.vendor.example" works dev2 https://api.vendor.example/status.json
sleep 1
stop_captures
filter="ip.addr == $API4 || ipv6.addr == $API6"
before=$(tshark -r "$WORK/wan.pcap" -Y "($filter) && frame.time_epoch < $marker" 2>/dev/null | wc -l)
after=$(tshark -r "$WORK/wan.pcap" -Y "($filter) && frame.time_epoch >= $marker" 2>/dev/null | wc -l)
tap_check "tshark on WAN: no packet to the name's addresses while dev1 tried ($before)" test "$before" -eq 0
tap_check "tshark on WAN: dev2's packets to them are there ($after)" test "$after" -gt 0

# dev3 used api.vendor.example (HTTPS) and status.vendor.example (HTTP) on
# the same addresses: blocking api must leave status working.
out=$(blk add --device $D3 api.vendor.example 2>&1)
shared_id=$(rule_id "$out")
tap_check "block add --device dev3 api.vendor.example" test -n "$shared_id"
whole=$(blk list --json | jq "[.[] | select(.parent == $shared_id and .proto == \"any\")] | length")
tap_check "no whole address of a shared name is blocked ($whole)" test "$whole" = 0
tap_check "the rule says what it left alone or limited ($(tr '\n' ' ' <<<"$out"))" grep -qE "left .* alone|only tcp port 443" <<<"$out"
tap_check "dev3's dig gets NXDOMAIN for api" test "$(dig_status dev3 api.vendor.example)" = NXDOMAIN
tap_check "dev3 still reaches status.vendor.example" works dev3 http://status.vendor.example/page.html
tap_check "dev3's dig for log.vendor.example (a CNAME of api) gets NXDOMAIN" test "$(dig_status dev3 log.vendor.example)" = NXDOMAIN

# --- CNAME targets: alias.other.example is a CNAME of cloud.vendor.example -------------
tap_check "dev1 reaches alias.other.example (IPv4)" works dev1 -4 http://alias.other.example/index.html
tap_check "dev1 reaches alias.other.example (IPv6)" works dev1 -6 http://alias.other.example/index.html
chain_known() {
	[ "$(sqlite3 "$IOTRIM_DB" "SELECT count(*) FROM dns_names WHERE device_mac = '$D1' AND name = 'alias.other.example' AND chain = 'cloud.vendor.example'" 2>/dev/null)" -ge 2 ]
}
for _ in $(seq 50); do chain_known && break; sleep 0.2; done
tap_check "the controller recorded the chain alias -> cloud for dev1" chain_known
out=$(blk add --device $D1 cloud.vendor.example 2>&1)
cloud_id=$(rule_id "$out")
tap_check "block add --device dev1 cloud.vendor.example" test -n "$cloud_id"
cloud_json() { blk list --json | jq -r ".[] | select(.id == $cloud_id) | $1"; }
tap_check "it bound both addresses dev1 reached through the CNAME" \
	test "$(cloud_json '.bound[].address' | sort | tr '\n' ' ')" = "$CLOUD6 $CLOUD4 "
tap_check "and says through which chain" grep -qF "alias.other.example -> cloud.vendor.example resolved to $CLOUD4 for this device" \
	<<<"$(cloud_json ".bound[] | select(.address == \"$CLOUD4\") | .why")"
tap_check "dev1's dig for alias.other.example gets NXDOMAIN (A)" test "$(dig_status dev1 alias.other.example A)" = NXDOMAIN
tap_check "dev1's dig for alias.other.example gets NXDOMAIN (AAAA, straight to a server over IPv6)" \
	test "$(dig_status dev1 alias.other.example AAAA @2001:db8:100::53)" = NXDOMAIN
tap_check "dev1's dig +tcp for alias.other.example gets NXDOMAIN" nxdomain_tcp dev1 alias.other.example A
tap_check "dev1's dig +tcp over IPv6 straight to a server gets NXDOMAIN" nxdomain_tcp dev1 alias.other.example AAAA @2001:db8:100::53
tap_check "dev1's dig for cloud.vendor.example itself gets NXDOMAIN" test "$(dig_status dev1 cloud.vendor.example)" = NXDOMAIN
tap_check "dev2's dig for alias.other.example still gets the address" \
	test "$($TB run dev2 dig +short alias.other.example A | tail -1)" = "$CLOUD4"
chain_json=$(cloud_json '.cname_chains[] | select(.device == "'$D1'") | .chain | join(" -> ")')
tap_check "list --json shows the chain that matched ($chain_json)" test "$chain_json" = "alias.other.example -> cloud.vendor.example"
tap_check "and how many answers it rewrote" test "$(cloud_json '[.cname_chains[].answers] | add')" -ge 4
tap_check "list shows it too" list_says "CNAME chain: alias.other.example -> cloud.vendor.example"
r=$(curl_from dev1 --connect-timeout 2 --resolve "alias.other.example:80:$CLOUD4" http://alias.other.example/index.html)
tap_check "dev1's curl with the cached address fails ($r)" test "${r%% *}" = 28
tap_check "dev2 still reaches alias.other.example" works dev2 -4 http://alias.other.example/index.html
blk del "$cloud_id" >/dev/null
expect_exit "del the name rules" 0 "removed rule $name_id" blk del "$name_id"
blk del "$shared_id" >/dev/null
tap_check "their bound rules went with them" test "$(blk list --json | jq length)" = 0
tap_check "dev1 resolves again" test "$(dig_status dev1 api.vendor.example)" = NOERROR

# --- prefix and IPv6 rules: reject and drop -------------------------------------------
out=$(blk add --device $D1 203.0.113.16/28 --action reject 2>&1)
tap_check "reject 203.0.113.16/28 for dev1 ($out)" test -n "$(rule_id "$out")"
# Addresses, not names: with several addresses curl waits 200 ms between tries.
r=$(curl_from dev1 --connect-timeout 5 http://203.0.113.20/index.html)
tap_check "dev1's TCP connect is refused in under 100 ms ($r)" refused_fast "$r"
tap_check "dev2 still reaches cdn.example" works dev2 -4 http://cdn.example/index.html
out=$(blk add --device $D1 2001:db8:100::20/127 --action reject 2>&1)
tap_check "reject 2001:db8:100::20/127 for dev1 ($out)" test -n "$(rule_id "$out")"
r=$(curl_from dev1 --connect-timeout 5 "http://[2001:db8:100::21]/index.html")
tap_check "dev1's TCP connect over IPv6 is refused in under 100 ms ($r)" refused_fast "$r"
out=$(blk add --device $D1 203.0.113.53 --proto udp --port 53 --action reject 2>&1)
tap_check "reject DNS to 203.0.113.53 for dev1" test -n "$(rule_id "$out")"
start=$(date +%s%N)
dig_out=$($TB run dev1 dig @203.0.113.53 api.vendor.example +tries=1 +time=3 2>&1)
took_ms=$((($(date +%s%N) - start) / 1000000))
tap_check "dev1's query fails with host unreachable (ICMP)" grep -q "host unreachable" <<<"$dig_out"
tap_check "at once, not after the 3 s timeout (${took_ms} ms)" test "$took_ms" -lt 1000
out=$(blk add --device $D1 203.0.113.11 --proto tcp --port 1883 2>&1)
tap_check "drop MQTT for dev1 ($out)" test -n "$(rule_id "$out")"
r=$(curl_from dev1 --connect-timeout 2 http://203.0.113.11:1883/)
tap_check "dev1's connect times out ($r)" timed_out "$r" 1.9

out=$(blk add --device $D1 203.0.113.12 2>&1)
hit_id=$(rule_id "$out")
n=$(pings dev1 5 203.0.113.12)
tap_check "5 pings to time.example dropped ($n answered)" test "$n" = 0
tap_check "hit counter = the 5 packets dev1 sent" test "$(hits "$hit_id" packets)" = 5
tap_check "hit bytes = 5 x 84" test "$(hits "$hit_id" bytes)" = 420
up=$(gw "$IOTRIM" flows --json --device $D1 | jq '[.[] | select(.remote_ip == "203.0.113.12" and .proto == "icmp") | .packets_up] | add')
tap_check "flows count the blocked packets as upload too ($up)" test "$up" = 5
blk del "$hit_id" >/dev/null

# --- a lease ends in the kernel, no iotrim process left ------------------------------------
stop_controller
out=$(blk add --device $D1 203.0.113.12 --lease 2 2>&1)
lease_id=$(rule_id "$out")
tap_check "a 2 s lease blocks ($out)" blocked_ping 203.0.113.12
tap_check "no iotrim process of this test is left" test -z "$run_pid"
sleep 2.05
tap_check "the next packet after 2 s passes" reaches_ping 203.0.113.12
tap_check "the rule was still in the pinned map: the program ended it" map_has_rule "$lease_id"

# --- persistence -----------------------------------------------------------------------
out=$(blk add --device $D1 203.0.113.12 2>&1)
keep_id=$(rule_id "$out")
gw "$IOTRIM" detach >/dev/null
gw "$IOTRIM" attach --lan lan0 --mode native >/dev/null
tap_check "the rule survives detach + attach" blocked_ping 203.0.113.12
start_controller --no-attach --interval 1
sleep 1
tap_check "and a controller restart" blocked_ping 203.0.113.12
stop_controller
gw "$IOTRIM" detach --purge >/dev/null
gw "$IOTRIM" attach --lan lan0 --mode native >/dev/null
tap_check "and a purge: attach re-applies it from the database" map_has_rule "$keep_id"
tap_check "blocked again after the purge" blocked_ping 203.0.113.12

# --- generic XDP (no help needed from the peer) and --mode tc --------------------------------
expect_exit "attach in generic mode" 0 "generic mode" gw "$IOTRIM" attach --lan lan0 --mode generic --force
r=$(curl_from dev1 --connect-timeout 5 http://203.0.113.21/index.html)
tap_check "generic XDP: connect refused in under 100 ms ($r)" refused_fast "$r"
expect_exit "attach in tc mode" 0 "tc mode" gw "$IOTRIM" attach --lan lan0 --mode tc --force
tap_check "tc mode: the rule drops" blocked_ping 203.0.113.12
refused() { [ "${1%% *}" = 7 ]; }	# curl: connection refused (7), not timed out (28)
start_capture "$WORK/wan_tc.pcap" -i wan0
wait_captures_ready "$WORK/wan_tc.pcap"
r=$(curl_from dev1 --connect-timeout 3 http://203.0.113.21/index.html)
tap_check "tc mode: reject refuses dev1's TCP connect (RST redirected back) ($r)" refused "$r"
r=$(curl_from dev1 --connect-timeout 3 "http://[2001:db8:100::21]/index.html")
tap_check "tc mode: and over IPv6 ($r)" refused "$r"
dig_out=$($TB run dev1 dig @203.0.113.53 api.vendor.example +tries=1 +time=3 2>&1)
tap_check "tc mode: dev1's DNS query gets the ICMP error (host unreachable)" grep -q "host unreachable" <<<"$dig_out"
sleep 0.5
stop_captures
n=$(tshark -r "$WORK/wan_tc.pcap" -Y "ip.addr == 203.0.113.21 || ipv6.addr == 2001:db8:100::21 || (ip.addr == 203.0.113.53 && udp.port == 53)" 2>/dev/null | wc -l)
tap_check "tc mode: tshark on WAN sees none of the rejected flows ($n)" test "$n" -eq 0
tap_check "tc mode: other traffic passes" works dev1 -4 https://api.vendor.example/status.json

tap_done
