#!/usr/bin/env bash
# The passive certificate audit end to end on the namespace testbed:
#   dev1: TLS 1.2 to weak.example:8443, an `openssl s_server` in the
#         simulated Internet with a self-signed RSA-1024 SHA-1 certificate
#         valid 2005-2015 (expired, ten years) and 81 names, so that the
#         flight spans several segments (SECLEVEL=0 on both ends: OpenSSL 3
#         refuses such keys otherwise);
#   dev2: TLS 1.3 to the testbed's nginx: the certificate is hidden;
#   dev3: TLS 1.2 to the same nginx: the testbed CA's certificate for the
#         name, no weakness.
# `iotrim destinations --json` must show each certificate as the openssl CLI
# reads the server's own file, and tshark must see that certificate on the
# wire; the report must carry the findings.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/testbed.sh

tb_require "certificate audit end to end"

WEAK_IP=203.0.113.10 WEAK_PORT=8443
W=$WORK/weak
weak_pid=
R=

# The weak certificate, by `openssl ca -selfsign` (the only CLI way to past dates).
make_weak_cert() {
	local sans="DNS:weak.example" i
	for i in $(seq 1 80); do sans+=",DNS:pad-$i.weak.example"; done
	mkdir -p "$W/db" && : >"$W/db/index.txt" && echo 01 >"$W/db/serial"
	cat >"$W/ca.cnf" <<EOF
[ca]
default_ca = weak
[weak]
database = $W/db/index.txt
serial = $W/db/serial
new_certs_dir = $W/db
default_md = sha1
policy = any
copy_extensions = copy
[any]
commonName = supplied
EOF
	{
		openssl req -new -newkey rsa:1024 -nodes -keyout "$W/weak.key" -out "$W/weak.csr" \
			-subj /CN=weak.example -addext "subjectAltName=$sans" &&
		openssl ca -batch -config "$W/ca.cnf" -selfsign -keyfile "$W/weak.key" \
			-in "$W/weak.csr" -out "$W/weak.crt" -startdate 20050101000000Z \
			-enddate 20150101000000Z -md sha1 -notext
	} >"$W/make.log" 2>&1
}

test_cleanup() {
	[ -n "$weak_pid" ] && kill "$weak_pid" 2>/dev/null && wait "$weak_pid" 2>/dev/null
	weak_pid=
}

dev() {	# DEV CMD...: bounded, logged
	local d=$1
	shift
	echo "$d: $*" >>"$WORK/traffic.log"
	timeout 10 $TB run "$d" "$@" >>"$WORK/traffic.log" 2>&1
}
dest() {	# MAC NAME PORT JQ-EXPRESSION
	jq -r --arg m "$1" --arg n "$2" --argjson p "$3" \
		".[] | select(.device_mac == \$m and .name == \$n and .port == \$p) | $4" "$WORK/dest.json"
}
check_eq() {	# NAME WANT GOT; the round in the name
	if [ "$2" = "$3" ]; then tap_ok "$1$R"; else tap_not_ok "$1$R" "want: $2" "got:  $3"; fi
}
rfc3339() { date -u -d "$1" +%Y-%m-%dT%H:%M:%S.000Z; }
witness() {	# CERT-FILE: what the openssl CLI reads in it, as iotrim's fields
	local f=$1 text
	text=$(openssl x509 -in "$f" -noout -text)
	printf '%s|%s|%s|%s|%s|%s\n' \
		"$(openssl x509 -in "$f" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')" \
		"$(openssl x509 -in "$f" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//')" \
		"$(grep -m1 'Signature Algorithm:' <<<"$text" | sed 's/.*: //')" \
		"$(grep -m1 -o 'Public-Key: ([0-9]* bit)' <<<"$text" | grep -o '[0-9]*')" \
		"$(rfc3339 "$(openssl x509 -in "$f" -noout -startdate | sed 's/^notBefore=//')")" \
		"$(rfc3339 "$(openssl x509 -in "$f" -noout -enddate | sed 's/^notAfter=//')")"
}
# shellcheck disable=SC2016 # jq program
fields='.certificate | "\(.subject)|\(.issuer)|\(.signature_algorithm)|\(.key_bits)|\(.not_before)|\(.not_after)"'
D1=02:00:00:00:00:21 D2=02:00:00:00:00:22 D3=02:00:00:00:00:23

# One round on a testbed with offloads MODE (off: one skb per wire packet;
# on: GRO/TSO aggregates, so a flight may come as one large skb), with a
# database of its own.
round() {
	local mode=$1
	R=" (offloads $mode)"
	export IOTRIM_DB=$WORK/$mode.db
	: >"$WORK/traffic.log"
	: >"$WORK/run.log"
	tb_up "testbed up (prefix $TB_PREFIX)$R" --offloads "$mode"
	CA=$TB_STATE/ca.crt

	nsenter --net="/run/netns/${TB_PREFIX}_inet" openssl s_server -quiet -www -tls1_2 \
		-accept "$WEAK_IP:$WEAK_PORT" -cert "$W/weak.crt" -key "$W/weak.key" \
		-cipher 'DEFAULT@SECLEVEL=0' >"$W/s_server.log" 2>&1 &
	weak_pid=$!

	start_capture "$WORK/certs.pcap" -i lan0 -Q out "tcp port $WEAK_PORT or tcp port 443"
	wait_captures_ready "$WORK/certs.pcap"
	start_controller --lan lan0 --interval 1
	tap_check "iotrim run attaches and collects$R" controller_collecting

	curl_=(curl -sS -f --max-time 5 -o /dev/null)
	fails=1
	for _ in $(seq 20); do	# s_server is up when it answers
		dev dev1 "${curl_[@]}" -k --tls-max 1.2 --ciphers 'DEFAULT@SECLEVEL=0' \
			--resolve "weak.example:$WEAK_PORT:$WEAK_IP" "https://weak.example:$WEAK_PORT/" &&
			fails=0 && break
		sleep 0.2
	done
	dev dev2 "${curl_[@]}" --tlsv1.3 --cacert "$CA" https://api.vendor.example/status.json ||
		fails=$((fails + 1))
	dev dev3 "${curl_[@]}" --tls-max 1.2 --cacert "$CA" https://api.vendor.example/status.json ||
		fails=$((fails + 1))
	tap_check "device traffic ran ($fails failures; see traffic log)$R" test "$fails" -eq 0
	[ "$fails" -eq 0 ] || sed 's/^/#   /' "$WORK/traffic.log"
	sleep 1.5
	stop_captures
	stop_controller

	gw "$IOTRIM" destinations --json --no-live >"$WORK/dest.json" 2>"$WORK/dest.err"
	[ -s "$WORK/dest.json" ] || sed 's/^/#   /' "$WORK/dest.err" "$WORK/run.log"

	check_eq "weak.example:8443: the certificate as openssl reads the server's file" \
		"$(witness "$W/weak.crt")" "$(dest $D1 weak.example $WEAK_PORT "$fields")"
	check_eq "weak.example:8443: RSA 1024, self-signed, 3652 days, 81 names, for the SNI" \
		'RSA true 1 3652 81 weak.example false' \
		"$(dest $D1 weak.example $WEAK_PORT '.certificate | "\(.key_type) \(.self_signed) \(.chain_length) \(.validity_days) \(.sans | length) \(.sans[0]) \(.sni_mismatch)"')"
	check_eq "weak.example:8443: flagged with each weakness" \
		'expired long_validity self_signed sha1_signature weak_rsa_key' \
		"$(dest $D1 weak.example $WEAK_PORT '[.certificate.weaknesses[].kind] | sort | join(" ")')"
	check_eq "weak.example:8443: each weakness says its rule" 'true' \
		"$(dest $D1 weak.example $WEAK_PORT '[.certificate.weaknesses[] | .rule | length > 10] | all')"
	# The witness on the wire: tshark finds the same certificate in the server's flight.
	wire_len=$(tshark -r "$WORK/certs.pcap" -d "tcp.port==$WEAK_PORT,tls" -Y 'tls.handshake.type == 11' \
		-T fields -e tls.handshake.certificate_length 2>/dev/null | head -1 | cut -d, -f1)
	check_eq "tshark sees that certificate in the clear ($wire_len bytes)" \
		"$(openssl x509 -in "$W/weak.crt" -outform DER | wc -c)" "$wire_len"

	check_eq "dev2 api.vendor.example:443 over TLS 1.3: hidden" 'null true' \
		"$(dest $D2 api.vendor.example 443 '"\(.certificate) \(.certificate_hidden)"')"
	check_eq "dev3 api.vendor.example:443 over TLS 1.2: the testbed's certificate" \
		"$(witness "$TB_STATE/pki/server.crt")" "$(dest $D3 api.vendor.example 443 "$fields")"
	check_eq "dev3 api.vendor.example:443: for the name, CA-signed, no weakness" \
		'false false false 0' \
		"$(dest $D3 api.vendor.example 443 '"\(.certificate_hidden) \(.certificate.self_signed) \(.certificate.sni_mismatch) \(.certificate.weaknesses | length)"')"

	gw "$IOTRIM" status --json >"$WORK/status.json" 2>/dev/null
	check_eq "no flight cut, no event lost" '0 0' \
		"$(jq -r '"\(.counters.cert_cut // 0) \(.counters.event_ringbuf_full // 0)"' "$WORK/status.json")"
	gw "$IOTRIM" export --json >"$WORK/export.json" 2>/dev/null
	check_eq "controller: 2 certificates, 1 hidden, none malformed or incomplete" '2 1 0 0' \
		"$(jq -r '.counters | "\(.cert_certificates) \(.cert_hidden) \(.cert_malformed // 0) \(.cert_incomplete // 0)"' "$WORK/export.json")"

	gw "$IOTRIM" report --format json >"$WORK/report.json" 2>/dev/null
	check_eq "report: dev1's security section lists the weak certificate" 'weak.example 5' \
		"$(jq -r --arg m $D1 '.devices[] | select(.device_mac == $m) | .security.certificates[] | "\(.name) \(.certificate.weaknesses | length)"' "$WORK/report.json")"
	gw "$IOTRIM" report >"$WORK/report.txt" 2>/dev/null
	check_eq "report text: the weakness and its rule" '1' \
		"$(grep -c 'weakness sha1_signature: signature_algorithm hashes with SHA-1' "$WORK/report.txt")"
	test_cleanup
	gw "$IOTRIM" detach --purge >/dev/null 2>&1	# the next round starts from nothing
}

tap_check "a self-signed RSA-1024 SHA-1 certificate, 2005-2015" make_weak_cert
round off
round on
tap_done
