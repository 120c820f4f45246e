#!/usr/bin/env bash
# `iotrim report --format html` in a real browser: headless Chromium renders
# the page (--dump-dom and --screenshot); the rendered DOM has the SVG bars,
# segments, phase timeline, table rows and numbers, the latest experiment's
# verdicts table (names as text) and blocklist; the page fetches nothing and
# logs no console error.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/lib.sh

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	tap_skip "HTML report in headless Chromium" "no chromium (make deps)"
	tap_done
	exit
fi
WORK=$(mktemp -d)
trap '[ -n "${KEEP_SHOT:-}" ] && cp "$WORK/shot.png" "$KEEP_SHOT"; rm -rf "$WORK"' EXIT
export IOTRIM_DB=$WORK/iotrim.db
printf '1.2.3.0/24 CN 64500 CamCo\n5.6.7.0/24 DE 64502 Cloudy\n' >"$WORK/ov.conf"
: >"$WORK/asn.csv"
: >"$WORK/prov.conf"
: >"$WORK/dev.conf"

"$IOTRIM" device set 02:00:00:00:00:31 --name 'cam <b>&1' --category camera >/dev/null
"$IOTRIM" device set 02:00:00:00:00:32 --name plug --category plug >/dev/null
sqlite3 "$IOTRIM_DB" "INSERT INTO flow_history VALUES
 ('02:00:00:00:00:31','192.0.2.31','1.2.3.10',6,443,'api.camco.example',1,300,1,700,1000,2000),
 ('02:00:00:00:00:31','192.0.2.31','5.6.7.10',6,443,'',1,1000,1,2000,1000,2000),
 ('02:00:00:00:00:31','192.0.2.31','192.0.2.1',17,53,'',1,40,1,60,1000,2000),
 ('02:00:00:00:00:32','192.0.2.32','5.6.7.11',6,8883,'mqtt.cloudy.example',1,100,1,100,1000,2000);
 INSERT INTO phase_marks (id, device_mac, phase, at_ms) VALUES
  (1,'02:00:00:00:00:31','setup',1000),(2,'02:00:00:00:00:31','interaction',1500),
  (3,'02:00:00:00:00:31','none',2500);
 INSERT INTO payload_history (device_mac, mark_id, sampled, encrypted, text, compressed, media,
  unknown, ignored) VALUES ('02:00:00:00:00:31', 0, 1000, 800, 100, 0, 0, 100, 0);"

# The plug's experiment (sim backend): it needs its MQTT broker, not the
# other name, whose text would be markup if it were not escaped.
mkdir -p "$WORK/sim"
cp selftests/cli/simlib.sh "$WORK/"
printf 'mqtt.cloudy.example tcp 8883 5.6.7.11 900\nt<b>.example tcp 443 5.6.7.12 100\n' >"$WORK/sim/observed"
printf '#!/bin/sh\n. ./simlib.sh\nsim_reach mqtt.cloudy.example 5.6.7.11 6 8883\n' >"$WORK/plug.sh"
chmod +x "$WORK/plug.sh"
printf '[device]\nmac = 02:00:00:00:00:32\n[run]\nrepetitions = 3\nboot_wait = 0\nsettle = 0\n[function on]\ncheck = ./plug.sh\n' \
	>"$WORK/plug.ini"
IOTRIM_EXPERIMENT_BACKEND=sim:$WORK/sim SIM_DIR=$WORK/sim "$IOTRIM" experiment run "$WORK/plug.ini" \
	>/dev/null 2>&1

expect_exit "html written" 0 "" "$IOTRIM" report --format html --home DE --output "$WORK/r.html" \
	--geo-overrides "$WORK/ov.conf" --asn "$WORK/asn.csv" --providers "$WORK/prov.conf" \
	--devices "$WORK/dev.conf"
if grep -qiE '(src|href)=|@import|url\(' "$WORK/r.html"; then
	tap_not_ok "self-contained: no src, href, @import or url()" "$(grep -oiE '(src|href)=[^ >]*|@import|url\(' "$WORK/r.html")"
else
	tap_ok "self-contained: no src, href, @import or url()"
fi
tap_check "names are HTML-escaped" grep -qF 'cam &lt;b&gt;&amp;1' "$WORK/r.html"

flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
	--disable-component-update --disable-sync --user-data-dir="$WORK/profile"
	--enable-logging=stderr --v=0)
timeout 90 "$CHROMIUM" "${flags[@]}" --dump-dom "file://$WORK/r.html" >"$WORK/dom.html" 2>"$WORK/dom.err"
rc=$?
if [ $rc -eq 0 ] && grep -q '</html>' "$WORK/dom.html"; then
	tap_ok "chromium renders the page"
else
	tap_not_ok "chromium renders the page" "exit $rc" "$(tail -5 "$WORK/dom.err")"
fi
count() { grep -o "$1" "$WORK/dom.html" | wc -l; }
tap_check "a bar chart per device" test "$(count '<svg class="bars"')" -eq 2
tap_check "country, party and encryption bars" test "$(count 'data-bar="countries"')" -ge 3
tap_check "party segments" test "$(count 'data-bar="parties"')" -ge 2
tap_check "encryption segments" test "$(count 'data-bar="encryption"')" -eq 3
tap_check "encryption shares in the legend" grep -q 'encrypted 80.0%.*unencrypted 10.0%.*unknown 10.0%' "$WORK/dom.html"
tap_check "a phase timeline: two intervals, the last none ends it" test "$(count 'class="phase"')" -eq 2
tap_check "destination rows" test "$(count '<tr><td>')" -eq 4
tap_check "the plug's verdicts table" test "$(count '<tr class="verdict">')" -eq 2
tap_check "a verdict: the broker is needed" \
	grep -qF '<td>mqtt.cloudy.example:8883</td><td class="verdict-unblockable">unblockable</td>' "$WORK/dom.html"
tap_check "a destination's markup stays text" \
	grep -qF '<td>t&lt;b&gt;.example:443</td><td class="verdict-blockable">blockable</td>' "$WORK/dom.html"
tap_check "the blocklist" grep -qF '02:00:00:00:00:32 name t&lt;b&gt;.example drop' "$WORK/dom.html"
tap_check "the camera: no experiment run" test "$(count 'No experiment run.')" -eq 1
# cam: 3000 of 4000 remote bytes to DE, 1000 to CN; overall DE 3200 of 4200.
tap_check "country shares in the legend" grep -q 'DE 75.0%.*CN 25.0%' "$WORK/dom.html"
tap_check "abroad share" grep -q 'class="abroad">23.8%' "$WORK/dom.html"
if grep -E 'CONSOLE|Uncaught' "$WORK/dom.err" | grep -qiE 'error|uncaught'; then
	tap_not_ok "no console errors" "$(grep -E 'CONSOLE|Uncaught' "$WORK/dom.err")"
else
	tap_ok "no console errors"
fi
timeout 90 "$CHROMIUM" "${flags[@]}" --window-size=400,1200 --screenshot="$WORK/shot.png" \
	"file://$WORK/r.html" >/dev/null 2>&1
tap_check "a phone-width screenshot" test -s "$WORK/shot.png"
tap_done
