#!/usr/bin/env bash
# `iotrim report` on a small history written with sqlite3: bad options,
# the JSON shape of iotrim(8), --output replacing a file whole, Markdown
# with escaped names, the home country said when unknown.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/lib.sh

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export IOTRIM_DB=$WORK/iotrim.db
printf '1.2.3.0/24 CN 64500 CamCo\n5.6.7.0/24 DE 64502 Cloudy\n' >"$WORK/ov.conf"
: >"$WORK/asn.csv"
: >"$WORK/prov.conf"
: >"$WORK/dev.conf"
R=("$IOTRIM" report --geo-overrides "$WORK/ov.conf" --asn "$WORK/asn.csv" --providers "$WORK/prov.conf"
	--devices "$WORK/dev.conf")

"$IOTRIM" device set 02:00:00:00:00:31 --name 'cam *1*' --category camera >/dev/null
sqlite3 "$IOTRIM_DB" "INSERT INTO flow_history VALUES
 ('02:00:00:00:00:31','192.0.2.31','1.2.3.10',6,443,'api.camco.example',1,300,1,700,1000,2000),
 ('02:00:00:00:00:31','192.0.2.31','5.6.7.10',6,443,'',1,500,1,500,1000,2000),
 ('02:00:00:00:00:31','192.0.2.31','192.0.2.1',17,53,'',1,40,1,60,1000,2000);
 INSERT INTO payload_history (device_mac, mark_id, sampled, encrypted, text, compressed, media,
  unknown, ignored) VALUES ('02:00:00:00:00:31', 0, 1100, 750, 200, 50, 0, 0, 100)"

expect_exit "unknown format" 2 "--format must be text, md, json or html, not 'pdf'" "${R[@]}" --format pdf
expect_exit "bad home" 2 "bad home country" "${R[@]}" --home Germany
expect_exit "bad --since" 2 "bad time" "${R[@]}" --since monday
expect_exit "phase none is no report phase" 2 "unknown phase" "${R[@]}" --phase none
expect_exit "until before since" 2 "before --since" "${R[@]}" --since 2026-01-02T00:00:00Z --until 2026-01-01T00:00:00Z
expect_exit "text says the home is unknown" 0 "home country: unknown" "${R[@]}"

echo stale >"$WORK/r.json"
expect_exit "--output" 0 "" "${R[@]}" --home de --format json --output "$WORK/r.json"
tap_check "the output is one JSON object" test "$(jq -r type "$WORK/r.json")" = object
keys=$(jq -r '.devices[0] | keys_unsorted | join(",")' "$WORK/r.json")
tap_check "device keys" test "$keys" = \
	"device_mac,name,category,bytes_up,bytes_down,countries,country_shares,parties,party_shares,payload_shares,tls_versions,tls_deprecated,phases,destinations,security"
tap_check "overall keys" test "$(jq -r '.overall | keys_unsorted | join(",")' "$WORK/r.json")" = \
	"bytes_up,bytes_down,countries,country_shares,country_shares_normalised,abroad_share,other_continent_share,home_continent"
tap_check "shares leave local out" test "$(jq -r '.devices[0].country_shares | "\(.DE) \(.CN)"' "$WORK/r.json")" = "0.5 0.5"
tap_check "abroad share against home DE" test "$(jq -r .overall.abroad_share "$WORK/r.json")" = 0.5
tap_check "payload shares" test "$(jq -r '.devices[0].payload_shares | "\(.encrypted) \(.unencrypted) \(.unknown)"' "$WORK/r.json")" = "0.75 0.25 0"
tap_check "local bytes are listed" test "$(jq -r .devices[0].parties.local "$WORK/r.json")" = 100
tap_check "category normalised" test \
	"$(jq -r '.categories[0] | "\(.category) \(.devices) \(.country_shares_normalised.CN)"' "$WORK/r.json")" = "camera 1 0.5"
expect_exit "markdown escapes names" 0 'cam \\\*1\\\*' "${R[@]}" --format md
tap_done
