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

# The home country from the config file's [report] section; run's keys are
# no business of the report, the command line wins.
printf '[iotrim]\nlan = eth0\n[report]\nhome = de\n' >"$WORK/home.conf"
tap_check "home from the config file" test \
	"$("${R[@]}" --config "$WORK/home.conf" --format json | jq -r '"\(.home) \(.overall.abroad_share)"')" = "DE 0.5"
tap_check "--home wins over the file" test \
	"$("${R[@]}" --config "$WORK/home.conf" --home cn --format json | jq -r .home)" = CN
tap_check "config check counts the [report] key" grep -q "ok (2 keys)" <("$IOTRIM" config check "$WORK/home.conf")
printf '[report]\nhome = Germany\n' >"$WORK/badhome.conf"
expect_exit "a bad home in the file: its line" 2 "badhome.conf:2: bad home country 'Germany'" \
	"${R[@]}" --config "$WORK/badhome.conf"
expect_exit "config check finds it too" 2 "badhome.conf:2: bad home country 'Germany'" \
	"$IOTRIM" config check "$WORK/badhome.conf"
printf '[report]\nhomeland = DE\n' >"$WORK/badkey.conf"
expect_exit "an unknown [report] key" 2 "unknown key 'homeland' in .report. .no option --homeland; see iotrim report --help" \
	"$IOTRIM" config check "$WORK/badkey.conf"

echo stale >"$WORK/r.json"
expect_exit "--output" 0 "" "${R[@]}" --home de --format json --output "$WORK/r.json"
tap_check "the output is one JSON object" test "$(jq -r type "$WORK/r.json")" = object
keys=$(jq -r '.devices[0] | keys_unsorted | join(",")' "$WORK/r.json")
tap_check "device keys" test "$keys" = \
	"device_mac,name,category,bytes_up,bytes_down,countries,country_shares,parties,party_shares,payload_shares,tls_versions,tls_deprecated,phases,destinations,security,experiment"
tap_check "overall keys" test "$(jq -r '.overall | keys_unsorted | join(",")' "$WORK/r.json")" = \
	"bytes_up,bytes_down,countries,country_shares,country_shares_normalised,abroad_share,other_continent_share,home_continent"
tap_check "shares leave local out" test "$(jq -r '.devices[0].country_shares | "\(.DE) \(.CN)"' "$WORK/r.json")" = "0.5 0.5"
tap_check "abroad share against home DE" test "$(jq -r .overall.abroad_share "$WORK/r.json")" = 0.5
tap_check "payload shares" test "$(jq -r '.devices[0].payload_shares | "\(.encrypted) \(.unencrypted) \(.unknown)"' "$WORK/r.json")" = "0.75 0.25 0"
tap_check "local bytes are listed" test "$(jq -r .devices[0].parties.local "$WORK/r.json")" = 100
tap_check "category normalised" test \
	"$(jq -r '.categories[0] | "\(.category) \(.devices) \(.country_shares_normalised.CN)"' "$WORK/r.json")" = "camera 1 0.5"
expect_exit "markdown escapes names" 0 'cam \\\*1\\\*' "${R[@]}" --format md

# ---- the latest experiment: a camera whose needs the sim scripts below define.
# watch needs the API and the stream; snapshot the API and one of two time
# servers; the rest (a name with HTML in it, a bare address) nobody needs.
CAM=02:00:00:00:00:41
mkdir -p "$WORK/sim" "$WORK/witness"
cp selftests/cli/simlib.sh "$WORK/"
cat >"$WORK/sim/observed" <<'END'
api.cam.example tcp 443 203.0.113.10 50000
stream.cam.example tcp 443 203.0.113.20 90000
time1.example udp 123 203.0.113.12 300
time2.example udp 123 203.0.113.13 200
ads<i>.example tcp 80 203.0.113.31 100
- icmp 0 203.0.113.11 40
END
cat >"$WORK/cam.sh" <<'END'
#!/bin/sh
. ./simlib.sh
case $1 in
watch) sim_reach api.cam.example 203.0.113.10 6 443 && sim_reach stream.cam.example 203.0.113.20 6 443 ;;
snapshot) sim_reach api.cam.example 203.0.113.10 6 443 &&
	{ sim_reach time1.example 203.0.113.12 17 123 || sim_reach time2.example 203.0.113.13 17 123; } ;;
esac
END
chmod +x "$WORK/cam.sh"
# experiment FILE MAC LINES...: runs it on the sim backend
experiment() {
	local f=$1 mac=$2
	shift 2
	printf '[device]\nmac = %s\n[run]\nrepetitions = 3\nboot_wait = 0\nsettle = 0\ntimeout = 5\n' \
		"$mac" >"$f"
	printf '%s\n' "$@" >>"$f"
	IOTRIM_EXPERIMENT_BACKEND=sim:$WORK/sim SIM_DIR=$WORK/sim "$IOTRIM" experiment run "$f" \
		>/dev/null 2>"$WORK/exp.err"
}
experiment "$WORK/cam.ini" $CAM '[function watch]' 'check = ./cam.sh watch' \
	'[function snapshot]' 'check = ./cam.sh snapshot'
# a plug whose check never works: the baseline aborts, nothing is validated
experiment "$WORK/plug.ini" 02:00:00:00:00:42 '[function on]' 'check = false'
sqlite3 "$IOTRIM_DB" "INSERT INTO flow_history VALUES
 ('$CAM','192.0.2.41','203.0.113.10',6,443,'api.cam.example',1,300,1,700,1000,2000),
 ('02:00:00:00:00:42','192.0.2.42','203.0.113.30',6,443,'',1,30,1,70,1000,2000)"

"${R[@]}" --format json --output "$WORK/x.json"
exp_of() { jq -c --arg m "$1" '.devices[] | select(.device_mac == $m) | .experiment' "$WORK/x.json"; }
got=$(exp_of $CAM | jq -r '.verdicts[] | "\(.destination) \(.verdict) \(.breaks | join("+"))"' | sort)
want='203.0.113.11/icmp blockable 
ads<i>.example:80 blockable 
api.cam.example:443 unblockable watch+snapshot
stream.cam.example:443 blockable-some watch
time1.example:123/udp blockable 
time2.example:123/udp blockable '
if [ "$got" = "$want" ] && [ "$(exp_of $CAM | jq -r .status)" = done ]; then
	tap_ok "experiment: the camera's verdicts, from its needs"
else
	tap_not_ok "experiment: the camera's verdicts, from its needs" "$got" "$(tail -3 "$WORK/exp.err")"
fi
# Either time server alone is blockable, not both: one stays allowed.
kept=$(exp_of $CAM | jq -r '[.verdicts[] | select(.conflict and .kept) | .destination] | join(" ")')
case $kept in
time1.example:123/udp) drop=time2.example ip=203.0.113.13 ;;
time2.example:123/udp) drop=time1.example ip=203.0.113.12 ;;
*) drop=none ip=none ;;
esac
tap_check "experiment: the two time servers conflict, one kept ($kept)" test "$drop" != none
got=$(exp_of $CAM | jq -r '.blocklist[]' | sort)
want=$(sort <<END
$CAM name ads<i>.example drop
$CAM ip 203.0.113.31 tcp 80 drop
$CAM ip 203.0.113.11 icmp drop
$CAM name $drop drop
$CAM ip $ip udp 123 drop
END
)
if [ "$got" = "$want" ]; then
	tap_ok "experiment: the blocklist blocks what nothing needs"
else
	tap_not_ok "experiment: the blocklist blocks what nothing needs" "$got"
fi
# The witness: the simulated camera itself, with the blocklist in force.
in_force() {	# blocklist lines on stdin -> sim rules, in force for 10 minutes
	awk -v end=$(($(date +%s%3N) + 600000)) '{ p = 0; port = 0
		if ($2 == "ip") { p = $4 == "tcp" ? 6 : $4 == "udp" ? 17 : $4 == "icmp" ? 1 : -1; if (NF == 6) port = $5 }
		print "r" NR, $1, $2, $3, p, port, "drop", end, "witness" }' >"$WORK/witness/rules"
}
both_work() {
	(cd "$WORK" && export SIM_DIR=$WORK/witness SIM_MAC=$CAM && ./cam.sh watch && ./cam.sh snapshot)
}
exp_of $CAM | jq -r '.blocklist[]' | in_force
tap_check "experiment: with the blocklist in force, watch and snapshot work" both_work
{ exp_of $CAM | jq -r '.blocklist[]'; echo "$CAM name api.cam.example drop"; } | in_force
if both_work; then
	tap_not_ok "the witness fails when the API is blocked too"
else
	tap_ok "the witness fails when the API is blocked too"
fi
tap_check "a device without an experiment: null" \
	test "$(exp_of 02:00:00:00:00:31)" = null
tap_check "an aborted run: no validated blocklist" \
	test "$(exp_of 02:00:00:00:00:42 | jq -c '[.status, .blocklist]')" = '["aborted",null]'
"${R[@]}" >"$WORK/x.txt"
tap_check "text: no experiment run" grep -qx '    no experiment run' "$WORK/x.txt"
tap_check "text: a verdict and what it breaks" \
	grep -q '^      stream.cam.example:443 blockable-some, breaks watch,' "$WORK/x.txt"
tap_check "text: the blocklist" grep -qx "      $CAM ip 203.0.113.11 icmp drop" "$WORK/x.txt"
tap_check "text: the aborted run's blocklist is not validated" \
	grep -q 'blocklist: not validated (the run is aborted)' "$WORK/x.txt"
"${R[@]}" --format md >"$WORK/x.md"
tap_check "markdown: destinations escaped" grep -qF '   - ads\<i\>\.example\:80 blockable' "$WORK/x.md"
"${R[@]}" --format html >"$WORK/x.html"
tap_check "html: the verdicts table, the name escaped" grep -qF \
	'<tr class="verdict"><td>ads&lt;i&gt;.example:80</td><td class="verdict-blockable">blockable</td>' "$WORK/x.html"
tap_check "html: no markup from a name" bash -c "! grep -qF 'ads<i>' '$WORK/x.html'"
tap_check "html: no experiment run, said" grep -qF 'No experiment run.' "$WORK/x.html"

# Progress on stderr once a report has taken IOTRIM_PROGRESS_AFTER seconds
# (default 1): 0 makes this small one print its first line.
rows=$(sqlite3 "$IOTRIM_DB" "SELECT count(*) FROM flow_history")
IOTRIM_PROGRESS_AFTER=0 "${R[@]}" --format json >"$WORK/p.json" 2>"$WORK/p.err"
tap_check "progress: the rows read, on stderr" grep -qE "^report: $rows history rows read, 0 devices done, [0-9.]+ s$" "$WORK/p.err"
tap_check "progress: stdout is the report alone" test "$(jq -r type "$WORK/p.json")" = object
"${R[@]}" --format json >/dev/null 2>"$WORK/p.err"
tap_check "progress: a quick report prints none" test ! -s "$WORK/p.err"
tap_done
