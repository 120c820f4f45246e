#!/usr/bin/env bash
# The "reject" action in every attach mode, on the namespace testbed
# (honours IOTRIM_TB_PREFIX and IOTRIM_TB_STATE):
#   - native XDP on lan0, a veth whose peer (the switch port) runs no XDP
#     program: XDP passes the packet up and TC ingress answers it;
#   - generic XDP on lan0;
#   - --mode tc on a bridge LAN (testbed up --lan bridge: lan0 is a bridge in
#     the gateway, dev1 behind the switch port, dev3 on a port of its own).
# In each, for the devices behind it: status names the reject path; a
# rejected TCP connect fails with "connection refused" (curl 7), not a
# timeout (28), over IPv4 and IPv6; a UDP query gets the ICMP error its
# stack reports (dig: host unreachable) at once; pings get "Packet filtered"
# and "Administratively prohibited"; the rules' hits are the packets sent;
# tcpdump on the WAN side sees none of the rejected flows.  The bypasses
# (lib/raw_send): a SYN behind 9 IPv6 destination-options headers to a
# blocked address, and tiny first fragments (8 bytes of TCP header, IPv4
# and IPv6) to a port-scoped rule's target, with the rest of the datagram
# after them: blocked, counted, never on the WAN side (which, before iotrim
# is attached, sees each of them).  On the bridge LAN, iotrim's per-flow
# packets and bytes also equal tcpdump's on lan0.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/testbed.sh

D1=02:00:00:00:00:21
D3=02:00:00:00:00:23
blk() { gw "$IOTRIM" block "$@"; }

tb_require "reject in every attach mode"

# Rejected for the device: TCP to cdn B, ICMP to time.example, DNS to the
# server, and port 8080 of api (the target of the tiny fragments).
add_rules() {	# MAC
	local t
	for t in "203.0.113.21" "2001:db8:100::21" "203.0.113.53 --proto udp --port 53" \
		"203.0.113.12 --proto icmp" "2001:db8:100::12 --proto icmp" \
		"203.0.113.10 --proto tcp --port 8080" "2001:db8:100::10 --proto tcp --port 8080"; do
		# shellcheck disable=SC2086 # target and its scope
		blk add --device "$1" $t --action reject >/dev/null 2>&1 || return 1
	done
}
hits_of() {	# MAC: packets of the device's rules
	blk list --json | jq "[.[] | select(.device == \"$1\") | .packets] | add"
}
curl_exit() {	# NODE URL: curl's exit code
	$TB run "$1" curl -sS -o /dev/null --connect-timeout 3 -w '%{exitcode}\n' "$2" 2>/dev/null | tail -1
}

# reject_checks MODE NODE MAC: the checks above for one device.
reject_checks() {
	local mode=$1 node=$2 mac=$3 before out start ms n
	before=$(hits_of "$mac")
	start_capture "$WORK/wan-$mode-$node.pcap" -i wan0
	wait_captures_ready "$WORK/wan-$mode-$node.pcap"
	tap_check "$mode, $node: TCP connect refused, not timed out (IPv4)" \
		test "$(curl_exit "$node" http://203.0.113.21/index.html)" = 7
	tap_check "$mode, $node: TCP connect refused (IPv6)" \
		test "$(curl_exit "$node" "http://[2001:db8:100::21]/index.html")" = 7
	start=$(date +%s%N)
	out=$($TB run "$node" dig @203.0.113.53 +tries=1 +time=3 x.vendor.example 2>&1)
	ms=$((($(date +%s%N) - start) / 1000000))
	tap_check "$mode, $node: the UDP query gets host unreachable (ICMP) in ${ms} ms" \
		bash -c "grep -q 'host unreachable' <<<\"\$1\" && [ $ms -lt 1000 ]" _ "$out"
	out=$($TB run "$node" ping -n -c 1 -W 2 203.0.113.12 2>&1)
	tap_check "$mode, $node: ping gets ICMP administratively prohibited (Packet filtered)" \
		grep -q "Packet filtered" <<<"$out"
	out=$($TB run "$node" ping -n -c 1 -W 2 2001:db8:100::12 2>&1)
	tap_check "$mode, $node: ping over IPv6 gets ICMPv6 administratively prohibited" \
		grep -q "Administratively prohibited" <<<"$out"
	tap_check "$mode, $node: the rules counted the 5 packets sent ($before -> $(hits_of "$mac"))" \
		test "$(hits_of "$mac")" -eq $((before + 5))
	sleep 0.3
	stop_captures
	n=$(tshark -r "$WORK/wan-$mode-$node.pcap" -Y "ip.addr == 203.0.113.21 || ipv6.addr == 2001:db8:100::21 ||
		(ip.addr == 203.0.113.53 && udp.port == 53) || ip.addr == 203.0.113.12 || ipv6.addr == 2001:db8:100::12" 2>/dev/null | wc -l)
	tap_check "$mode, $node: tshark on WAN sees none of the rejected flows ($n)" test "$n" -eq 0
}

# The bypasses, sent from NODE (addresses SRC4, SRC6) into FILE captured on WAN.
RAW=$PWD/build/selftests/lib/raw_send
send_bypasses() {	# NODE SRC4 SRC6
	$TB run "$1" "$RAW" eth0 02:00:00:00:00:01 dstopts9 "$3" 2001:db8:100::21 80 &&
		$TB run "$1" "$RAW" eth0 02:00:00:00:00:01 tinyfrag4 "$2" 203.0.113.10 8080 &&
		$TB run "$1" "$RAW" eth0 02:00:00:00:00:01 tinyfrag6 "$3" 2001:db8:100::10 8080
}
bypass_seen() {	# PCAP KIND: packets of that bypass on the WAN side
	local f
	case $2 in
	dstopts9) f="ipv6.addr == 2001:db8:100::21" ;;
	tinyfrag4) f="ip.addr == 203.0.113.10 && (ip.id == 0x4242 || tcp.port == 8080)" ;;
	tinyfrag6) f="ipv6.addr == 2001:db8:100::10 && (ipv6.fraghdr.ident == 0x42 || tcp.port == 8080)" ;;
	esac
	tshark -r "$1" -Y "$f" 2>/dev/null | wc -l
}
# bypass_checks MODE NODE MAC SRC4 SRC6
bypass_checks() {
	local mode=$1 node=$2 mac=$3 before pcap=$WORK/bypass-$1-$2.pcap k n
	before=$(hits_of "$mac")
	start_capture "$pcap" -i wan0
	wait_captures_ready "$pcap"
	tap_check "$mode, $node: the crafted frames are sent" send_bypasses "$node" "$4" "$5"
	sleep 0.3
	stop_captures
	tap_check "$mode, $node: blocked and counted: 1 + 2 + 2 frames ($before -> $(hits_of "$mac"))" \
		test "$(hits_of "$mac")" -eq $((before + 5))
	for k in dstopts9 tinyfrag4 tinyfrag6; do
		n=$(bypass_seen "$pcap" $k)
		tap_check "$mode, $node: tshark on WAN sees nothing of $k ($n)" test "$n" -eq 0
	done
}

# --- veth LAN: native XDP without XDP on the peer, then generic XDP ------------------
tb_up "testbed up (veth LAN)" --offloads off
tap_check "the switch port (lan0's peer) runs no XDP program" \
	bash -c "! ip -n ${TB_PREFIX}_sw link show sw-gw | grep -q xdp"
# Without iotrim, each crafted packet is a real connection attempt that gets out.
start_capture "$WORK/bypass-none.pcap" -i wan0
wait_captures_ready "$WORK/bypass-none.pcap"
tap_check "without iotrim: the crafted frames are sent" send_bypasses dev1 192.0.2.21 2001:db8:1::21
sleep 0.3
stop_captures
for k in dstopts9 tinyfrag4 tinyfrag6; do
	n=$(bypass_seen "$WORK/bypass-none.pcap" $k)
	tap_check "without iotrim: tshark on WAN sees $k ($n)" test "$n" -gt 0
done
expect_exit "attach in native mode on a veth" 0 "attached to lan0 \(native" gw "$IOTRIM" attach --lan lan0 --mode native
tap_check "status: XDP passes rejects to TC ingress" \
	test "$(gw "$IOTRIM" status --json | jq -r .reject_path)" = xdp_pass_tc_redirect
tap_check "reject rules for dev1" add_rules $D1
reject_checks native dev1 $D1
bypass_checks native dev1 $D1 192.0.2.21 2001:db8:1::21
expect_exit "attach in generic mode" 0 "generic mode" gw "$IOTRIM" attach --lan lan0 --mode generic --force
tap_check "status: XDP_TX through the stack" \
	test "$(gw "$IOTRIM" status --json | jq -r .reject_path)" = xdp_tx_generic
tap_check "no TC ingress program left from native mode" \
	bash -c "! tc -n ${TB_PREFIX}_gw filter show dev lan0 ingress | grep -q iotrim"
reject_checks generic dev1 $D1
bypass_checks generic dev1 $D1 192.0.2.21 2001:db8:1::21
gw "$IOTRIM" detach --purge >/dev/null

# --- bridge LAN, --mode tc --------------------------------------------------------------
tb_up "testbed up (bridge LAN)" --lan bridge --offloads off
tap_check "lan0 is a bridge with dev3 on a port of its own" \
	bash -c "ip -n ${TB_PREFIX}_gw -d link show lan0 2>/dev/null | grep -q bridge && ip -n ${TB_PREFIX}_gw link show lan-dev3 2>/dev/null | grep -q 'master lan0'"
expect_exit "attach in tc mode on the bridge" 0 "tc mode" gw "$IOTRIM" attach --lan lan0 --mode tc
tap_check "status: built in TC ingress, redirected to the bridge" \
	test "$(gw "$IOTRIM" status --json | jq -r .reject_path)" = tc_redirect
tap_check "reject rules for dev3" add_rules $D3
reject_checks tc-bridge dev1 $D1
reject_checks tc-bridge dev3 $D3
bypass_checks tc-bridge dev1 $D1 192.0.2.21 2001:db8:1::21
bypass_checks tc-bridge dev3 $D3 192.0.2.23 2001:db8:1::23

# Counts on the bridge, against the witness: no rules, fresh counters.
for id in $(blk list --json | jq '.[].id'); do blk del "$id" >/dev/null; done
gw "$IOTRIM" detach --purge >/dev/null
start_lan_capture in "$WORK/in.pcap"
start_lan_capture out "$WORK/out.pcap"
tap_check "captures listening on the bridge lan0" wait_captures_ready "$WORK/in.pcap" "$WORK/out.pcap"
gw "$IOTRIM" attach --lan lan0 --mode tc >/dev/null
$TB traffic 8 >"$WORK/traffic.log" 2>&1
tap_check "device traffic ran over the bridge" test $? -eq 0
sleep 1
stop_captures
iotrim_flow_lines >"$WORK/iotrim.txt"
selftests/e2e/witness/flows_from_pcap.sh "$WORK/in.pcap" "$WORK/out.pcap" |
	awk "$is_test_flow" | sort >"$WORK/witness.txt"
nflows=$(wc -l <"$WORK/witness.txt")
tap_check "the capture saw test traffic ($nflows flow directions)" test "$nflows" -ge 10
tap_check "dev3 (on its own bridge port) is in it" grep -q "^$D3 " "$WORK/witness.txt"
if diff_out=$(diff "$WORK/witness.txt" "$WORK/iotrim.txt"); then
	tap_ok "bridge LAN: iotrim equals tcpdump for every flow and direction"
else
	tap_not_ok "bridge LAN: iotrim equals tcpdump for every flow and direction" \
		"< witness  > iotrim" "$diff_out"
fi

tap_done
