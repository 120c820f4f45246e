#!/usr/bin/env bash
# `iotrim device`: names and categories set on the command line win over the
# device config file, which wins over the history; list in text and JSON.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/lib.sh

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export IOTRIM_DB=$WORK/iotrim.db
CONF=$WORK/devices.conf
printf '[02:00:00:00:00:21]\nname = bulb\nvendor = Vendor Example\ncategory = light\n' >"$CONF"

expect_exit "set needs a value" 2 "needs --name or --category" "$IOTRIM" device set 02:00:00:00:00:21
expect_exit "bad MAC" 2 "bad device MAC" "$IOTRIM" device set 02:00:00 --name x
expect_exit "unknown subcommand" 2 "usage:" "$IOTRIM" device rename
"$IOTRIM" device list --json --devices "$CONF" >"$WORK/a.json"
tap_check "the config's device is listed" test \
	"$(jq -r '.[] | "\(.device_mac) \(.name) \(.category) \(.source)"' "$WORK/a.json")" = \
	"02:00:00:00:00:21 bulb light config"
expect_exit "set a category" 0 "" "$IOTRIM" device set 02:00:00:00:00:21 --category lamp
expect_exit "set a new device" 0 "" "$IOTRIM" device set 02:00:00:00:00:30 --name 'cam *1*' --category camera
"$IOTRIM" device list --json --devices "$CONF" >"$WORK/b.json"
tap_check "a set category wins, the config's name stays" test \
	"$(jq -r '.[] | select(.device_mac == "02:00:00:00:00:21") | "\(.name) \(.category) \(.source)"' "$WORK/b.json")" = \
	"bulb lamp set"
tap_check "a device only set is listed" test \
	"$(jq -r '.[] | select(.device_mac == "02:00:00:00:00:30") | "\(.name)|\(.category)|\(.vendor)"' "$WORK/b.json")" = \
	"cam *1*|camera|null"
expect_exit "an empty value clears it" 0 "" "$IOTRIM" device set 02:00:00:00:00:21 --category ''
expect_exit "the config's category is back" 0 "02:00:00:00:00:21 +bulb +light +config" \
	"$IOTRIM" device list --devices "$CONF"
tap_done
