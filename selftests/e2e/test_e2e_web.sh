#!/usr/bin/env bash
# The dashboard end to end, in a real browser (headless Chromium driven by
# Selenium) on the namespace testbed; the controller serves it
# (run --web-listen) inside the gateway's namespace, where the browser runs:
#   - the devices page shows each device with the bytes `iotrim devices
#     --json` counts, and a sparkline of the API's recent harvest windows;
#   - clicking block on dev1's api.vendor.example makes dev1's next request
#     fail and `block list` show the rule; clicking unblock restores it;
#   - a state-changing request without a token, with a wrong token, or with
#     a session but a wrong CSRF token gets 403 and changes nothing;
#   - a DNS name with <script> in it (from a hostile resolver) is text;
#   - at 390 px wide no page overflows sideways (screenshots in $WORK).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/testbed.sh

D1=02:00:00:00:00:21
D2=02:00:00:00:00:22
PORT=8089
URL=http://127.0.0.1:$PORT
EVIL='<script>alert(1)</script>.evil.example'

tb_require "dashboard end to end"
for tool in /usr/bin/chromium /usr/bin/chromedriver; do
	[ -x $tool ] && continue
	tap_skip "dashboard end to end" "$tool missing"
	tap_done
	exit
done

web_curl() { gw curl -s -o "$WORK/body" -w '%{http_code}' "$@"; }
# One browser for the whole test (browser.py --serve): a job per line, a JSON
# line back, through FIFOs (unlike a coproc's, their descriptors reach the
# $(...) subshells the jobs run in).
start_browser() {
	mkfifo "$WORK/browser.in" "$WORK/browser.out"
	# TMPDIR: the profiles go with $WORK, whatever Chromium leaves behind
	gw env TMPDIR="$WORK" /usr/bin/python3 selftests/e2e/web/browser.py "$URL" --serve <"$WORK/browser.in" \
		>"$WORK/browser.out" 2>>"$WORK/browser.log" &
	BROWSER_PID=$!
	exec {BROWSER_IN}>"$WORK/browser.in" {BROWSER_OUT}<"$WORK/browser.out"
}
browser() {
	local line=""
	echo "$*" >&"$BROWSER_IN" && read -r -t 120 line <&"$BROWSER_OUT"
	echo "$line"
}
curl_dev() { $TB run "$1" curl -sS -m 5 -o /dev/null --cacert "$TB_STATE/ca.crt" "https://api.vendor.example/status.json" 2>/dev/null; }
rules() { gw "$IOTRIM" block list --json | jq -c '[.[] | [.id, .target]]'; }
inet() { in_netns "${TB_PREFIX}_inet" "$@"; }
test_cleanup() {
	[ -n "${dns_pid:-}" ] && kill "$dns_pid" 2>/dev/null
	if [ -n "${BROWSER_PID:-}" ]; then
		# end of input: it quits its browsers; killed if it does not within 10 s
		exec {BROWSER_IN}>&-
		for _ in $(seq 50); do kill -0 "$BROWSER_PID" 2>/dev/null || break; sleep 0.2; done
		kill "$BROWSER_PID" 2>/dev/null
	fi
	inet ip addr del 203.0.113.54/32 dev srv0 2>/dev/null
}

tb_up "testbed up"
expect_exit "iotrim attaches to the gateway's LAN" 0 "attached to lan0" gw "$IOTRIM" attach --lan lan0
start_controller --no-attach --interval 1 --web-listen "127.0.0.1:$PORT"
tap_check "the controller collects and serves" controller_collecting
for _ in $(seq 50); do [ "$(web_curl "$URL/api/devices")" = 200 ] && break; sleep 0.1; done
start_browser

# --- traffic: dev1 by name; dev2 gets a name with markup from a hostile resolver -------
tap_check "dev1 reaches api.vendor.example" curl_dev dev1
inet ip addr add 203.0.113.54/32 dev srv0
inet /usr/bin/python3 selftests/e2e/web/hostile_dns.py 203.0.113.54 203.0.113.11 &
dns_pid=$!
sleep 0.5
$TB run dev2 dig +short +tries=2 +time=2 @203.0.113.54 "$EVIL" A >"$WORK/dig.txt" 2>&1
tap_check "the hostile resolver answered dev2" grep -q 203.0.113.11 "$WORK/dig.txt"
$TB run dev2 ping -n -c 3 -i 0.2 203.0.113.11 >/dev/null 2>&1
evil_named() { gw "$IOTRIM" destinations --device $D2 --json | jq -e --arg n "$EVIL" 'any(.[]; .name == $n)' >/dev/null; }
for _ in $(seq 50); do evil_named && break; sleep 0.2; done
tap_check "iotrim named dev2's flow with the hostile name" evil_named

# --- the devices page: the bytes iotrim devices --json counts -----------------------------
cli_bytes() { gw "$IOTRIM" devices --json | jq -cS 'map({(.device_mac): [.bytes_up, .bytes_down]}) | add'; }
page_equal=no
for _ in $(seq 8); do
	before=$(cli_bytes)
	page=$(browser devices | jq -cS .)
	after=$(cli_bytes)
	if [ "$before" = "$after" ] && [ "$page" = "$before" ]; then page_equal=yes; break; fi
	sleep 1
done
echo "# page $page" >&2
echo "# cli  $after" >&2
tap_check "devices page bytes equal iotrim devices --json ($(jq length <<<"$page") devices)" test "$page_equal" = yes
jqt() { local input=$1; shift; [ -n "$input" ] && jq -e "$@" <<<"$input" >/dev/null; }
tap_check "the page lists dev1 and dev2" jqt "$page" --arg a $D1 --arg b $D2 'has($a) and has($b)'

# --- sparklines: the page draws the API's recent harvest windows ------------------------
api_recent() {
	gw curl -s "$URL/api/devices" |
		jq -c --arg d $D1 '.[] | select(.device_mac == $d) | [.recent[] | .bytes_up + .bytes_down]'
}
spark_values() {
	gw curl -s "$URL/sparkline?device=$D1" | sed -n 's|.*<title>.*: \([0-9 ]*\)</title>.*|\1|p' |
		jq -Rc 'split(" ") | map(tonumber)'
}
tap_check "dev1 reaches api.vendor.example (for its recent windows)" curl_dev dev1
sleep 1.5	# a harvest takes it
spark_equal=no
for _ in $(seq 5); do	# a harvest each second: both read between two of them
	recent=$(api_recent)
	[ "$(spark_values)" = "$recent" ] && [ "$(api_recent)" = "$recent" ] && { spark_equal=yes; break; }
	sleep 0.3
done
tap_check "dev1's recent windows: 2 to 30, its curl's bytes in some ($recent)" \
	jqt "$recent" 'length >= 2 and length <= 30 and any(.[]; . > 0)'
tap_check "its sparkline draws exactly those values" test "$spark_equal" = yes

# --- refused actions change nothing -------------------------------------------------------
TOKEN=$(gw "$IOTRIM" web token)
tap_check "iotrim web token prints a 64-digit token" grep -qE '^[0-9a-f]{64}$' <<<"$TOKEN"
body='{"device":"'$D1'","target":"api.vendor.example"}'
before=$(rules)
tap_check "POST /api/blocks without a token: 403" test "$(web_curl -X POST -d "$body" "$URL/api/blocks")" = 403
tap_check "POST /api/blocks with a wrong token: 403" test "$(web_curl -X POST -H "Authorization: Bearer 0$TOKEN" -d "$body" "$URL/api/blocks")" = 403
gw curl -s -i -c "$WORK/jar" -d "secret=$TOKEN" "$URL/login" >"$WORK/login.txt"
tap_check "signing in sets an HttpOnly SameSite=Strict cookie" grep -qi '^set-cookie: iotrim_session=.*HttpOnly.*SameSite=Strict' "$WORK/login.txt"
tap_check "a session with a wrong CSRF token: 403" test "$(web_curl -b "$WORK/jar" -X POST -H 'X-CSRF-Token: 0000' -d "$body" "$URL/api/blocks")" = 403
tap_check "a session without a CSRF token: 403" test "$(web_curl -b "$WORK/jar" -X POST -d "$body" "$URL/api/blocks")" = 403
tap_check "DELETE without a token: 403" test "$(web_curl -X DELETE "$URL/api/blocks/1")" = 403
tap_check "another Host (DNS rebinding): 403" test "$(web_curl -H 'Host: evil.example' "$URL/api/devices")" = 403
tap_check "the refused requests changed no rule" test "$(rules)" = "$before"
tap_check "dev1 still reaches api.vendor.example" curl_dev dev1

# --- block and unblock by clicking --------------------------------------------------------
res=$(browser block "$TOKEN" $D1 api.vendor.example)
tap_check "clicking block: the page says done ($res)" jqt "$res" '.status | endswith("done")'
rule_listed() {
	gw "$IOTRIM" block list --json |
		jq -e --arg d $D1 'any(.[]; .target == "api.vendor.example" and .device == $d and .owner == "web")' >/dev/null
}
tap_check "block list shows the rule" rule_listed
blocked() { ! curl_dev dev1; }
tap_check "dev1's next request fails" blocked
tap_check "dev2 is not blocked" curl_dev dev2
id=$(gw "$IOTRIM" block list --json | jq '.[] | select(.target == "api.vendor.example") | .id')
res=$(browser unblock "$TOKEN" "$id")
tap_check "clicking unblock: the page says done ($res)" jqt "$res" '.status | endswith("done")'
tap_check "block list is empty again" test "$(rules)" = "[]"
tap_check "dev1 reaches api.vendor.example again" curl_dev dev1

# --- device strings are text --------------------------------------------------------------
res=$(browser text $D2)
tap_check "the hostile name is shown as text" jqt "$res" --arg n "$EVIL" 'any(.cells[]; startswith($n))'
tap_check "no script of it ran, no element of it was made" jqt "$res" '.alerts == [] and .injected == 0 and .scripts == 1'

# --- phone width --------------------------------------------------------------------------
res=$(browser phone "$WORK" $D1 $D2)
echo "# $res" >&2
tap_check "every page fits 390 px (scrollWidth <= innerWidth)" \
	jqt "$res" 'to_entries | length >= 5 and all(.value[0] <= .value[1] and .value[1] == 390)'
[ -n "${IOTRIM_WEB_SCREENSHOTS:-}" ] && cp "$WORK"/phone-*.png "$IOTRIM_WEB_SCREENSHOTS"/
tap_done
