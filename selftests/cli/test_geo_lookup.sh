#!/usr/bin/env bash
# Geolocation against the real installed data (scripts/install-geodata.sh),
# lookups only, no traffic: for well-known public addresses iotrim's country
# must be mmdblookup's on the same file, and its AS number and organisation
# those of the CSV row that contains the address (found by awk, an
# independent linear scan).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/lib.sh

DATA=${IOTRIM_DATA_DIR:-/usr/local/share/iotrim}
DB=$DATA/geo-country.mmdb
if [ ! -s "$DB" ] || [ ! -s "$DATA/asn-ipv4.csv" ] || ! command -v mmdblookup >/dev/null; then
	tap_skip "geolocation against the installed data" "no data in $DATA or no mmdblookup (make deps)"
	tap_done
	exit
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

ips=(
	8.8.8.8 8.8.4.4 1.1.1.1 9.9.9.9 208.67.222.222 64.6.64.6 114.114.114.114
	223.5.5.5 119.29.29.29 180.76.76.76 77.88.8.8 193.0.6.139 202.12.27.33
	199.7.83.42 192.5.5.241 200.160.2.3 196.216.2.1 17.253.144.10 13.107.21.200
	151.101.1.69 104.16.132.229 23.192.228.80 185.199.108.153 140.82.112.3
	2001:4860:4860::8888 2606:4700:4700::1111 2620:fe::fe 2001:500:2f::f
	2001:7fd::1 2a00:1450:4001:80b::200e 2400:cb00:2048:1::c629:d7a2
)

"$IOTRIM" geo --json "${ips[@]}" >"$WORK/iotrim.json" 2>"$WORK/err"
tap_check "iotrim geo answers for ${#ips[@]} addresses" test "$(jq length "$WORK/iotrim.json")" -eq ${#ips[@]}

mismatch=() known=0
for ip in "${ips[@]}"; do
	want=$(mmdblookup --file "$DB" --ip "$ip" country_code 2>/dev/null | sed -n 's/.*"\(..\)" <utf8_string>.*/\1/p')
	[ -n "$want" ] || want=$(mmdblookup --file "$DB" --ip "$ip" country iso_code 2>/dev/null |
		sed -n 's/.*"\(..\)" <utf8_string>.*/\1/p')
	got=$(jq -r --arg ip "$ip" '.[] | select(.ip == $ip) | .country // ""' "$WORK/iotrim.json")
	[ -n "$want" ] && known=$((known + 1))
	[ "$want" = "$got" ] || mismatch+=("$ip: mmdblookup '$want', iotrim '$got'")
done
if [ ${#mismatch[@]} -eq 0 ]; then
	tap_ok "countries equal mmdblookup's on $DB ($known of ${#ips[@]} known)"
else
	tap_not_ok "countries equal mmdblookup's on $DB" "${mismatch[@]}"
fi
tap_check "most of these addresses have a country ($known)" test "$known" -ge 25

# ASN: the IPv4 addresses against an awk scan of the CSV.
v4=()
for ip in "${ips[@]}"; do [[ $ip == *:* ]] || v4+=("$ip"); done
# shellcheck disable=SC2016 # an awk program
awk -F, -v list="${v4[*]}" '
	function num(a, p) { split(a, p, "."); return ((p[1] * 256 + p[2]) * 256 + p[3]) * 256 + p[4] }
	BEGIN { n = split(list, want, " "); for (i = 1; i <= n; i++) v[i] = num(want[i]) }
	{ s = num($1); e = num($2); if (s == 0 && $1 != "0.0.0.0") next
	  for (i = 1; i <= n; i++) if (v[i] >= s && v[i] <= e) { asn[i] = $3; org = $0
		sub(/^[^,]*,[^,]*,[^,]*,/, "", org); gsub(/^"|"$/, "", org); gsub(/""/, "\"", org); name[i] = org } }
	END { for (i = 1; i <= n; i++) print want[i] "\t" (asn[i] ? asn[i] : 0) "\t" name[i] }' \
	"$DATA/asn-ipv4.csv" | sort >"$WORK/want-asn.txt"
jq -r '.[] | select(.ip | test(":") | not) | "\(.ip)\t\(.asn // 0)\t\(.org // "")"' "$WORK/iotrim.json" |
	sort >"$WORK/got-asn.txt"
if d=$(diff "$WORK/want-asn.txt" "$WORK/got-asn.txt"); then
	tap_ok "AS numbers and organisations equal the CSV rows (${#v4[@]} IPv4 addresses)"
else
	tap_not_ok "AS numbers and organisations equal the CSV rows" "< csv  > iotrim" "$d"
fi
check() {	# NAME IP JQ-EXPR WANT
	local got
	got=$(jq -r --arg ip "$2" ".[] | select(.ip == \$ip) | $3" "$WORK/iotrim.json")
	if [ "$got" = "$4" ]; then tap_ok "$1"; else tap_not_ok "$1" "want '$4', got '$got'"; fi
}
check "8.8.8.8 is Google's AS15169 in the US" 8.8.8.8 '"\(.country) \(.asn)"' "US 15169"
check "2001:4860:4860::8888 is AS15169 (IPv6 CSV)" 2001:4860:4860::8888 '.asn' 15169
check "1.1.1.1 is Cloudflare's AS13335" 1.1.1.1 '.asn' 13335
tap_done
