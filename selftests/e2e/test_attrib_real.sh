#!/usr/bin/env bash
# Attribution that holds on real networks (issue 10), on the namespace
# testbed against tshark:
#   names by time   dev3 fetches https://203.0.113.10/ (no DNS, no SNI), the
#                   controller stops (last harvest) and starts again on the
#                   same, now stale, database; then dev3 fetches the same
#                   address with an SNI.  Two destinations, each with the
#                   bytes tshark saw in its own period.
#   shared names    dev2 fetches http://api.vendor.example/ in period 1 and
#                   http://log.vendor.example/ (a CNAME to the same address)
#                   in period 2: api.vendor.example:80 and log.vendor.example:80
#                   are both listed, period 2's bytes are one shared
#                   destination, and no byte is counted twice.
#   special ranges  documentation, private and multicast addresses have no
#                   country and no AS, although the installed database
#                   carries a row for the documentation block.
#   local traffic   the gateway's DNS, IPv6 neighbour discovery to a
#                   multicast group and a LAN peer are party local with
#                   their reason.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/testbed.sh

tb_require "attribution on real networks"
tb_up "testbed up (prefix $TB_PREFIX)" --offloads off
CA=$TB_STATE/ca.crt
D2=02:00:00:00:00:22 D3=02:00:00:00:00:23

dev() {	# DEV CMD...: bounded, logged
	local d=$1
	shift
	echo "$d: $*" >>"$WORK/traffic.log"
	timeout 10 $TB run "$d" "$@" >>"$WORK/traffic.log" 2>&1
}
check_eq() {	# NAME WANT GOT
	if [ "$2" = "$3" ]; then tap_ok "$1"; else tap_not_ok "$1" "want: $2" "got:  $3"; fi
}
capture() {	# PERIOD: both directions of lan0 into $WORK/PERIOD-{in,out}.pcap
	start_lan_capture in "$WORK/$1-in.pcap"
	start_lan_capture out "$WORK/$1-out.pcap"
	wait_captures_ready "$WORK/$1-in.pcap" "$WORK/$1-out.pcap"
}
witness() {	# PERIOD MAC REMOTE PROTO PORT: "packets_up bytes_up packets_down bytes_down" by tshark
	selftests/e2e/witness/flows_from_pcap.sh "$WORK/$1-in.pcap" "$WORK/$1-out.pcap" |
		awk -v m="$2" -v r="$3" -v p="$4" -v port="$5" '
		$1 == m && $3 == r && $4 == p && $5 == port {
			if ($6 == "up") { pu += $7; bu += $8 } else { pd += $7; bd += $8 } }
		END { print pu + 0, bu + 0, pd + 0, bd + 0 }'
}
curl_=(curl -4 -sS -f --max-time 5 -o /dev/null)
fails=0

# Period 1: no name yet.  A long interval: the controller's stops are the harvests.
capture p1
start_controller --lan lan0 --interval 3600
tap_check "iotrim run attaches and collects" controller_collecting
dev dev3 "${curl_[@]}" -k https://203.0.113.10/status.json || fails=$((fails + 1))
dev dev2 "${curl_[@]}" http://api.vendor.example/index.html || fails=$((fails + 1))
sleep 1
stop_controller
stop_captures

# Period 2: a restarted controller on the same history; names now.
capture p2
start_controller --lan lan0 --interval 3600
tap_check "iotrim run starts again on the same database" controller_collecting
dev dev3 "${curl_[@]}" --cacert "$CA" --resolve api.vendor.example:443:203.0.113.10 \
	https://api.vendor.example/status.json || fails=$((fails + 1))
dev dev2 "${curl_[@]}" http://log.vendor.example/index.html || fails=$((fails + 1))
# Local: the gateway's DNS, neighbour discovery to a solicited-node group, a LAN peer
# (its frames reach the gateway: the device was told the peer is at the gateway's MAC).
dev dev1 dig +short +time=2 +tries=1 time.example A || fails=$((fails + 1))
dev dev1 ip -6 neigh flush dev eth0
dev dev1 ping -6 -c 1 -W 1 2001:db8:1::1 || fails=$((fails + 1))
gw_mac=$(gw ip -j link show lan0 | jq -r '.[0].address')
dev dev1 ip neigh replace 192.0.2.99 lladdr "$gw_mac" dev eth0 nud permanent
dev dev1 ping -c 1 -W 1 192.0.2.99
# Special-purpose, not local: a private address and a documentation address beyond the gateway.
dev dev1 bash -c 'echo x >/dev/udp/10.1.2.3/9' || fails=$((fails + 1))
tap_check "device traffic ran ($fails failures; see traffic log)" test "$fails" -eq 0
[ "$fails" -eq 0 ] || sed 's/^/#   /' "$WORK/traffic.log"
sleep 1
stop_controller
stop_captures

gw "$IOTRIM" destinations --json --no-live >"$WORK/dest.json" 2>"$WORK/dest.err"
dest() {	# MAC LABEL PORT JQ: LABEL is the name, "a+b" for a shared destination, else the address
	jq -r --arg m "$1" --arg l "$2" --argjson p "$3" \
		".[] | select(.device_mac == \$m and .port == \$p and
			(if .shared then (.names | join(\"+\")) else (.name // .ips[0]) end) == \$l) | $4" \
		"$WORK/dest.json"
}
counts='"\(.packets_up) \(.bytes_up) \(.packets_down) \(.bytes_down)"'

# (1) names by time, across a restart on a stale history
check_eq "before any name: the bare address has period 1's bytes (tshark)" \
	"$(witness p1 $D3 203.0.113.10 6 443)" "$(dest $D3 203.0.113.10 443 "$counts")"
check_eq "after the SNI: the name has period 2's bytes (tshark), not the stale row" \
	"$(witness p2 $D3 203.0.113.10 6 443)" "$(dest $D3 api.vendor.example 443 "$counts")"
check_eq "the named destination came from the SNI" 'sni false' \
	"$(dest $D3 api.vendor.example 443 '"\(.name_source) \(.shared)"')"

# (2) two names on one address and port
check_eq "dev2: both names are destinations on port 80" 'api.vendor.example log.vendor.example' \
	"$(jq -r --arg m $D2 '[.[] | select(.device_mac == $m and .port == 80 and .shared == false) | .name] | sort | join(" ")' "$WORK/dest.json")"
check_eq "dev2 api.vendor.example:80 alone: period 1's bytes (tshark)" \
	"$(witness p1 $D2 203.0.113.10 6 80)" "$(dest $D2 api.vendor.example 80 "$counts")"
check_eq "dev2 period 2: one shared destination of both names with tshark's bytes" \
	"$(witness p2 $D2 203.0.113.10 6 80)" "$(dest $D2 api.vendor.example+log.vendor.example 80 "$counts")"
check_eq "each name says whom it shares with" 'log.vendor.example api.vendor.example' \
	"$(dest $D2 api.vendor.example 80 '.shared_with[]') $(dest $D2 log.vendor.example 80 '.shared_with[]')"
total=$(jq -r --arg m $D2 '[.[] | select(.device_mac == $m and .port == 80) | .bytes_up + .bytes_down] | add' "$WORK/dest.json")
want=$(( $(witness p1 $D2 203.0.113.10 6 80 | awk '{print $2 + $4}') + $(witness p2 $D2 203.0.113.10 6 80 | awk '{print $2 + $4}') ))
check_eq "dev2 port 80: the destinations' bytes add up to tshark's, none twice" "$want" "$total"

# (3) special-purpose addresses: no country, no AS (the installed database has rows for some)
DB=/usr/local/share/iotrim/geo-country.mmdb
if [ -r "$DB" ] && mmdblookup --file "$DB" --ip 203.0.113.10 >/dev/null 2>&1; then
	tap_ok "witness: the installed country database carries a row for 203.0.113.10"
else
	tap_skip "witness: the installed country database carries a row for 203.0.113.10" "no such row"
fi
check_eq "documentation, private and multicast addresses: no country, no AS, no org" '' \
	"$(jq -r '.[] | select(any(.ips[]; test("^203\\.0\\.113\\.|^10\\.|^ff0|^192\\.0\\.2\\.|^2001:db8:"))) |
		select(.country != null or .asn != null or .org != null or (.countries | length) > 0) |
		"\(.ips[0]) \(.country) \(.asn)"' "$WORK/dest.json")"
check_eq "the private address is listed, as a remote destination" '10.1.2.3 third' \
	"$(jq -r '.[] | select(.ips[0] == "10.1.2.3") | "\(.ips[0]) \(.party)"' "$WORK/dest.json")"

# (4) local traffic, each with its reason, and seen by tshark
D1=02:00:00:00:00:21
check_eq "the gateway's DNS is local (gateway)" 'local gateway' \
	"$(dest $D1 192.0.2.1 53 '"\(.party) \(.party_reason)"')"
check_eq "neighbour discovery to ff02::1:ff00:1 is local (multicast)" 'local multicast' \
	"$(jq -r --arg m $D1 '.[] | select(.device_mac == $m and .ips[0] == "ff02::1:ff00:1") | "\(.party) \(.party_reason)"' "$WORK/dest.json")"
check_eq "a LAN peer is local (LAN peer)" 'local LAN peer' \
	"$(dest $D1 192.0.2.99 0 '"\(.party) \(.party_reason)"')"
check_eq "the local destinations' bytes are tshark's" \
	"$(witness p2 $D1 192.0.2.1 17 53) $(witness p2 $D1 192.0.2.99 1 0)" \
	"$(dest $D1 192.0.2.1 53 "$counts") $(dest $D1 192.0.2.99 0 "$counts")"
tap_done
