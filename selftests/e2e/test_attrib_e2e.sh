#!/usr/bin/env bash
# Attribution end to end on the namespace testbed: `iotrim run` on the
# gateway's LAN while devices resolve and connect in the ways IoT devices do
#   dev1 (bulb, vendor "Vendor Example"): a two-hop CNAME chain with a short
#        TTL over HTTPS/TLS 1.3, a CNAME over HTTP/IPv6, a name that does not
#        exist (asked, never answered);
#   dev2 (camera, vendor "Camera Maker"): TLS 1.2 only; a name with several A
#        records, two of its addresses used;
#   dev3 (plug, no config): a hard-coded IP (HTTP, ping) and TLS with SNI to
#        an address it never resolved (as a DoH device does).
# `iotrim destinations` must list exactly the expected name:port groups with
# their addresses, TLS versions, party and override country, and bytes and
# packets each way equal to tshark's on the same link; the names map must
# show names next to addresses; the history must hold the same after the
# controller stops.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/testbed.sh

tb_require "attribution end to end"

cat >"$WORK/devices.conf" <<'EOF'
[02:00:00:00:00:21]
name = bulb
vendor = Vendor Example
category = light

[02:00:00:00:00:22]
name = camera
vendor = Camera Maker
category = camera
EOF
cat >"$WORK/providers.conf" <<'EOF'
domain cdn.example        Example CDN
net    203.0.113.20/31    Example CDN
net    192.0.2.1/32       Home gateway DNS
EOF
cat >"$WORK/overrides.conf" <<'EOF'
# The testbed's documentation addresses are in no database.
203.0.113.0/24   ZZ AS64500 Vendor Example Inc.
2001:db8:100::/64 ZZ AS64500 Vendor Example Inc.
203.0.113.20/31  ZY AS64501 Example CDN Ltd
192.0.2.0/24     ZZ AS64496 Home network
EOF
OPTS=(--devices "$WORK/devices.conf" --providers "$WORK/providers.conf"
	--geo-overrides "$WORK/overrides.conf")

tb_up "testbed up (prefix $TB_PREFIX)" --offloads off
CA=$TB_STATE/ca.crt

start_lan_capture in "$WORK/in.pcap"
start_lan_capture out "$WORK/out.pcap"
wait_captures_ready "$WORK/in.pcap" "$WORK/out.pcap"

start_controller --lan lan0 --interval 1 --devices "$WORK/devices.conf"
tap_check "iotrim run attaches and collects" controller_collecting

dev() {	# DEV CMD...: bounded, logged
	local d=$1
	shift
	echo "$d: $*" >>"$WORK/traffic.log"
	timeout 10 $TB run "$d" "$@" >>"$WORK/traffic.log" 2>&1
}
curl_=(curl -sS -f --max-time 5 -o /dev/null)
fails=0
dev dev1 "${curl_[@]}" -6 http://log.vendor.example/page.html || fails=$((fails + 1))
dev dev1 dig +short +time=2 +tries=1 fw.vendor.example A || fails=$((fails + 1))
dev dev1 "${curl_[@]}" -4 --tlsv1.3 --cacert "$CA" https://fw.vendor.example/status.json || fails=$((fails + 1))
dev dev1 dig +short +time=2 +tries=1 nothing.vendor.example A || fails=$((fails + 1))
dev dev2 "${curl_[@]}" -4 --tls-max 1.2 --cacert "$CA" https://api.vendor.example/status.json || fails=$((fails + 1))
dev dev2 dig +short +time=2 +tries=1 cdn.example A || fails=$((fails + 1))
dev dev2 "${curl_[@]}" --connect-to cdn.example:80:203.0.113.20:80 http://cdn.example/index.html || fails=$((fails + 1))
dev dev2 "${curl_[@]}" --connect-to cdn.example:80:203.0.113.21:80 http://cdn.example/index.html || fails=$((fails + 1))
dev dev3 "${curl_[@]}" http://203.0.113.21/index.html || fails=$((fails + 1))
dev dev3 "${curl_[@]}" --cacert "$CA" --resolve 'api.vendor.example:443:[2001:db8:100::10]' https://api.vendor.example/status.json || fails=$((fails + 1))
dev dev3 ping -c 2 -i 0.2 -W 1 203.0.113.12 || fails=$((fails + 1))
tap_check "device traffic ran ($fails failures; see traffic log)" test "$fails" -eq 0
[ "$fails" -eq 0 ] || sed 's/^/#   /' "$WORK/traffic.log"
sleep 1.5
stop_captures

gw "$IOTRIM" destinations --json "${OPTS[@]}" >"$WORK/dest.json" 2>"$WORK/dest.err"
is_array() { jq -e 'type == "array" and length > 0' "$1" >/dev/null; }
tap_check "destinations --json is a non-empty array" is_array "$WORK/dest.json"

# shellcheck disable=SC2016 # jq programs
is_test='any(.ips[]; test("^203\\.0\\.113\\.|^2001:db8:100:")) or .port == 53'
jq -r ".[] | select($is_test) | \"\(.device_mac) \(.name // .ips[0]):\(.port)/\(.proto)\"" \
	"$WORK/dest.json" | sort >"$WORK/groups.txt"
sort >"$WORK/want-groups.txt" <<'EOF'
02:00:00:00:00:21 192.0.2.1:53/udp
02:00:00:00:00:21 fw.vendor.example:443/tcp
02:00:00:00:00:21 log.vendor.example:80/tcp
02:00:00:00:00:22 192.0.2.1:53/udp
02:00:00:00:00:22 api.vendor.example:443/tcp
02:00:00:00:00:22 cdn.example:80/tcp
02:00:00:00:00:23 203.0.113.12:0/icmp
02:00:00:00:00:23 203.0.113.21:80/tcp
02:00:00:00:00:23 api.vendor.example:443/tcp
EOF
if d=$(diff "$WORK/want-groups.txt" "$WORK/groups.txt"); then
	tap_ok "exactly the expected name:port destinations per device"
else
	tap_not_ok "exactly the expected name:port destinations per device" "< want  > got" "$d"
fi

dest() {	# MAC NAME-OR-IP PORT JQ-EXPRESSION: value of the expression for that destination
	jq -r --arg m "$1" --arg n "$2" --argjson p "$3" \
		".[] | select(.device_mac == \$m and (.name // .ips[0]) == \$n and .port == \$p) | $4" "$WORK/dest.json"
}
check_eq() {	# NAME WANT GOT
	if [ "$2" = "$3" ]; then tap_ok "$1"; else tap_not_ok "$1" "want: $2" "got:  $3"; fi
}
D1=02:00:00:00:00:21 D2=02:00:00:00:00:22 D3=02:00:00:00:00:23
check_eq "dev1 fw.vendor.example:443: addresses" '["203.0.113.10"]' "$(dest $D1 fw.vendor.example 443 '.ips | tojson')"
check_eq "dev1 fw.vendor.example:443: CNAME chain kept" '["log.vendor.example","api.vendor.example"]' \
	"$(dest $D1 fw.vendor.example 443 '.cname_chain | tojson')"
check_eq "dev1 fw.vendor.example:443: TLS 1.3 negotiated" '["TLSv1.3"] false' \
	"$(dest $D1 fw.vendor.example 443 '"\(.tls_versions | tojson) \(.tls_deprecated)"')"
check_eq "dev1 fw.vendor.example:443: domain, first party by vendor" 'vendor.example first dns' \
	"$(dest $D1 fw.vendor.example 443 '"\(.domain) \(.party) \(.name_source)"')"
check_eq "dev1 log.vendor.example:80: the IPv6 address" '["2001:db8:100::10"]' "$(dest $D1 log.vendor.example 80 '.ips | tojson')"
check_eq "dev1 gateway DNS: local (gateway) before any providers list, no country" 'local gateway null null' \
	"$(dest $D1 192.0.2.1 53 '"\(.party) \(.party_reason) \(.country) \(.asn)"')"
check_eq "dev2 api.vendor.example:443: TLS 1.2, third party" '["TLSv1.2"] third' \
	"$(dest $D2 api.vendor.example 443 '"\(.tls_versions | tojson) \(.party)"')"
check_eq "dev2 cdn.example:80: both addresses, support party" '["203.0.113.20","203.0.113.21"] support' \
	"$(dest $D2 cdn.example 80 '"\(.ips | sort | tojson) \(.party)"')"
check_eq "dev3 api.vendor.example:443: named by SNI, TLS 1.3" 'sni ["2001:db8:100::10"] ["TLSv1.3"]' \
	"$(dest $D3 api.vendor.example 443 '"\(.name_source) \(.ips | tojson) \(.tls_versions | tojson)"')"
check_eq "dev3 hard-coded 203.0.113.21:80 is its own destination" 'null null support' \
	"$(dest $D3 203.0.113.21 80 '"\(.name) \(.domain) \(.party)"')"
check_eq "country, AS and organisation from the override file" 'ZZ 64500 Vendor Example Inc.' \
	"$(dest $D2 api.vendor.example 443 '"\(.country) \(.asn) \(.org)"')"
check_eq "a more specific override wins" 'ZY 64501 Example CDN Ltd' \
	"$(dest $D3 203.0.113.21 80 '"\(.country) \(.asn) \(.org)"')"
reason=$(dest $D1 fw.vendor.example 443 '.party_reason')
tap_check "the party reason names the rule ($reason)" grep -q "matches vendor 'Vendor Example' (device config)" <<<"$reason"

# Bytes and packets per destination equal tshark's over the same addresses.
selftests/e2e/witness/flows_from_pcap.sh "$WORK/in.pcap" "$WORK/out.pcap" >"$WORK/witness.txt"
jq -r ".[] | select($is_test) | . as \$d | .ips[] |
	\"\(\$d.device_mac) \(.) \({tcp: 6, udp: 17, icmp: 1, icmpv6: 58}[\$d.proto]) \(\$d.port) \(\$d.device_mac)|\(\$d.name // \$d.ips[0]):\(\$d.port)/\(\$d.proto)\"" \
	"$WORK/dest.json" >"$WORK/members.txt"
# shellcheck disable=SC2016 # an awk program
awk 'NR == FNR { label[$1 " " $2 " " $3 " " $4] = $5; next }
	{ k = $1 " " $3 " " $4 " " $5; if (!(k in label)) next; l = label[k]
	  if ($6 == "up") { pu[l] += $7; bu[l] += $8 } else { pd[l] += $7; bd[l] += $8 }; seen[l] = 1 }
	END { for (l in seen) print l, pu[l] + 0, bu[l] + 0, pd[l] + 0, bd[l] + 0 }' \
	"$WORK/members.txt" "$WORK/witness.txt" | sort >"$WORK/witness-dest.txt"
jq -r ".[] | select($is_test) | \"\(.device_mac)|\(.name // .ips[0]):\(.port)/\(.proto) \(.packets_up) \(.bytes_up) \(.packets_down) \(.bytes_down)\"" \
	"$WORK/dest.json" | sort >"$WORK/iotrim-dest.txt"
if d=$(diff "$WORK/witness-dest.txt" "$WORK/iotrim-dest.txt"); then
	tap_ok "bytes and packets each way equal tshark's for every destination ($(wc -l <"$WORK/iotrim-dest.txt"))"
else
	tap_not_ok "bytes and packets each way equal tshark's for every destination" "< tshark  > iotrim" "$d"
fi

# The names map: names next to addresses, with TTL + grace.
PIN=$IOTRIM_PIN_DIR
names=$(bpftool -j map dump pinned "$PIN/names" 2>/dev/null |
	jq -r '.[] | .formatted // . | "\(.key.device_mac | map(tostring) | join(",")) \(.key.ip[0:4] | map(tostring) | join(".")) \(.value.name) \(.value.ttl)"')
tap_check "bpftool map dump names: dev1 203.0.113.10 -> fw.vendor.example (TTL <= 5, the chain's)" \
	grep -qE '^2,0,0,0,0,33 203.0.113.10 fw.vendor.example [0-5]$' <<<"$names"
tap_check "bpftool map dump names: dev1 2001:db8:100::10 -> log.vendor.example" \
	grep -qE '^2,0,0,0,0,33 32.1.13.184 log.vendor.example [0-9]+$' <<<"$names"
tap_check "bpftool map dump names: dev3's SNI name" grep -q '^2,0,0,0,0,35 32.1.13.184 api.vendor.example 0$' <<<"$names"

gw "$IOTRIM" export --json "${OPTS[@]}" >"$WORK/export.json" 2>/dev/null
check_eq "the name asked but never answered is recorded (NXDOMAIN)" 'NXDOMAIN 1' \
	"$(jq -r '.dns_queries[] | select(.device_mac == "02:00:00:00:00:21" and .name == "nothing.vendor.example") | "\(.last_rcode) \(.responses)"' "$WORK/export.json")"
check_eq "no malformed DNS or TLS on real traffic" '0' \
	"$(jq -r '[.counters | to_entries[] | select(.key | test("malformed|bad")) | .value] | add // 0' "$WORK/export.json")"
gw "$IOTRIM" status --json >"$WORK/status.json" 2>/dev/null
check_eq "no ring buffer drops" '0' "$(jq -r '.counters.event_ringbuf_full // 0' "$WORK/status.json")"

# The controller stops with a last harvest: the history alone says the same.
stop_controller
gw "$IOTRIM" destinations --json --no-live "${OPTS[@]}" >"$WORK/hist.json" 2>/dev/null
jq -r ".[] | select($is_test) | \"\(.device_mac)|\(.name // .ips[0]):\(.port)/\(.proto) \(.packets_up) \(.bytes_up) \(.packets_down) \(.bytes_down)\"" \
	"$WORK/hist.json" | sort >"$WORK/hist-dest.txt"
if d=$(diff "$WORK/iotrim-dest.txt" "$WORK/hist-dest.txt"); then
	tap_ok "after the controller stops, the SQLite history holds the same destinations and bytes"
else
	tap_not_ok "after the controller stops, the SQLite history holds the same destinations and bytes" "$d"
fi
gw "$IOTRIM" export --csv --out "$WORK" "${OPTS[@]}" >/dev/null 2>&1
tap_check "export --csv writes flows.csv and destinations.csv" \
	grep -q '^device_mac,name,port,proto,ips,domain,bytes_up' "$WORK/destinations.csv"
tap_done
