#!/usr/bin/env bash
# End to end on the namespace testbed: `iotrim audit plaintext` against real
# curl clients and the testbed's nginx, with tshark on a full capture of the
# LAN as the witness of what went in clear.
#
#   dev1 (audited)   POST over plain HTTP with Authorization: Bearer TOKEN and
#                    an e-mail address in the body      -> exactly 2 findings,
#                    redacted, at api.vendor.example:80
#   dev1 (audited)   the same over HTTPS                -> nothing at :443
#   dev2 (not)       the same over plain HTTP           -> nothing
#   dev3             audited, then the audit killed -9: once the 5 s lease
#                    has passed its plain HTTP gives nothing
#
# The database (and its WAL) must not hold the token or the address, and the
# report shows the findings in dev1's security part.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/testbed.sh

dev() { local d=$1; shift; timeout 30 "$TB" run "$d" "$@"; }

tb_require "end-to-end plaintext audit"
tb_up "testbed up (offloads off)" --offloads off

DEV1=02:00:00:00:00:21 DEV2=02:00:00:00:00:22 DEV3=02:00:00:00:00:23
TOKEN=eyJhbGciOiJIUzI1NiJ9.cGxhaW50ZXh0LWF1ZGl0LXRlc3Q.Zm9vYmFyMTIz
EMAIL=jane.doe.secret@example.org
CA=$TB_STATE/ca.crt

# post DEVICE URL [CURL-OPTIONS...]: the secret-carrying request (nginx may
# refuse a POST to a static file: what matters is what the device sent).
post() {
	local d=$1 url=$2
	shift 2
	dev "$d" curl -sS --max-time 10 -o /dev/null -4 "$@" -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' --data "{\"email\":\"$EMAIL\",\"on\":true}" "$url"
}

expect_exit "iotrim attaches to the gateway's LAN" 0 "attached to lan0" gw "$IOTRIM" attach --lan lan0
expect_exit "without a controller the audit refuses" 1 "no .iotrim run. is collecting" \
	gw "$IOTRIM" audit plaintext --device "$DEV1" --duration 1
start_controller --lan lan0 --interval 1
tap_check "controller collecting" controller_collecting
start_capture "$WORK/lan.pcap" -i lan0 -Q in -s 0 tcp port 80 or tcp port 443

gw "$IOTRIM" audit plaintext --device "$DEV1" --duration 8 --json >"$WORK/audit.json" 2>"$WORK/audit.err" &
audit_pid=$!
sleep 2
fails=0
post dev1 http://api.vendor.example/status.json || fails=$((fails + 1))
post dev1 https://api.vendor.example/status.json --cacert "$CA" || fails=$((fails + 1))
post dev2 http://api.vendor.example/status.json || fails=$((fails + 1))
wait "$audit_pid"
audit_rc=$?
tap_check "the audit ran and ended by itself (exit $audit_rc; $(head -c 300 "$WORK/audit.err"))" \
	test "$audit_rc" -eq 0
# curl exits 0 on a 405 too: a failure here is the connection.
tap_check "the devices' requests went through ($fails failed)" test "$fails" -eq 0
stop_captures

# ---- the witness: what tshark saw in clear -----------------------------------
tshark -r "$WORK/lan.pcap" -Y http.authorization -T fields -e eth.src -e tcp.dstport \
	2>/dev/null | sort >"$WORK/witness.txt"
tap_check "witness: dev1 and dev2 each sent the header in clear on port 80 ($(tr '\n' ' ' <"$WORK/witness.txt"))" \
	test "$(cat "$WORK/witness.txt")" = "$(printf '%s\t80\n%s\t80' "$DEV1" "$DEV2")"
tap_check "witness: the HTTPS request was on port 443 and encrypted" \
	test "$(tshark -r "$WORK/lan.pcap" -Y "tcp.dstport == 443 && eth.src == $DEV1 && tls.app_data" 2>/dev/null | wc -l)" -ge 1

# ---- iotrim's findings --------------------------------------------------------
tap_check "audit --json is an array of 2 findings ($(head -c 600 "$WORK/audit.json"))" \
	test "$(jq length "$WORK/audit.json")" = 2
tap_check "with exactly the public keys" test \
	"$(jq -r '[.[] | keys_unsorted | join(",")] | unique | join(";")' "$WORK/audit.json")" = \
	"name,port,kind,count,first_seen,last_seen,redacted"
tap_check "an authorization and an email finding" test \
	"$(jq -r '[.[].kind] | sort | join(",")' "$WORK/audit.json")" = "authorization,email"
tap_check "both at api.vendor.example:80, none at :443" test \
	"$(jq -r '[.[] | "\(.name):\(.port)"] | unique | join(",")' "$WORK/audit.json")" = "api.vendor.example:80"
tap_check "the token is redacted" test \
	"$(jq -r '.[] | select(.kind == "authorization") | .redacted' "$WORK/audit.json")" = \
	"Bearer eyJh…(${#TOKEN} chars)"
tap_check "the address is redacted" test \
	"$(jq -r '.[] | select(.kind == "email") | .redacted' "$WORK/audit.json")" = "jane…(${#EMAIL} chars)"
tap_check "no secret in the output" bash -c "! grep -qe '$TOKEN' -e '$EMAIL' '$WORK/audit.json'"

# ---- a killed audit leaves nothing enabled ----------------------------------------
# nsenter execs iotrim: the pid is the audit's own.
nsenter --net="/run/netns/${TB_PREFIX}_gw" "$IOTRIM" audit plaintext --device "$DEV3" --duration 60 \
	>/dev/null 2>&1 &
kill_pid=$!
sleep 2
tap_check "the audit's kernel entry is there while it runs" \
	bash -c "bpftool map dump pinned '$IOTRIM_PIN_DIR/audit_plain' | grep -q expires_ns"
kill -9 "$kill_pid"
wait "$kill_pid" 2>/dev/null
sleep 6
tap_check "dev3's request went through after the lease" post dev3 http://api.vendor.example/status.json
sleep 2

db() { sqlite3 "$IOTRIM_DB" "$@"; }
tap_check "dev2 (never audited) has no findings" test \
	"$(db "SELECT count(*) FROM plaintext_findings WHERE device_mac = '$DEV2'")" = 0
tap_check "dev3 has none after its killed audit's lease" test \
	"$(db "SELECT count(*) FROM plaintext_findings WHERE device_mac = '$DEV3'")" = 0
expect_exit "report: dev1's security part lists the findings" 0 "plaintext: 2 findings in 1 audit" \
	"$IOTRIM" report --device "$DEV1" --db "$IOTRIM_DB"
tap_check "report --format json: the same two findings" test \
	"$("$IOTRIM" report --device "$DEV1" --db "$IOTRIM_DB" --format json |
		jq -r '[.devices[0].security.plaintext[].kind] | sort | join(",")')" = "authorization,email"
tap_check "the kernel lost and cut no sample" test \
	"$(gw "$IOTRIM" status --json | jq -r '.counters.plain_sample_lost + .counters.plain_sample_cut')" = 0

stop_controller
tap_check "the controller stopped cleanly" test "$run_rc" -eq 0
tap_check "neither the token nor the address is in the database files" \
	bash -c "! grep -rqae '$TOKEN' -e '$EMAIL' '$IOTRIM_DB' '$IOTRIM_DB'-wal '$IOTRIM_DB'-shm 2>/dev/null"
tap_check "nor in the controller's log" bash -c "! grep -qe '$TOKEN' -e '$EMAIL' '$WORK/run.log'"
tap_done
