#!/usr/bin/env bash
# `iotrim experiment` end to end on the sim backend (no network): simulated
# devices decide whether they work from the deny entries iotrim adds
# (selftests/cli/simlib.sh).  Ground-truth verdicts for both strategies,
# conflicts, flaky checks, a failing baseline, a hanging check, a malformed
# file, kill -9 then resume, Ctrl-C, list/show/abort, blocklist and MUD file.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/lib.sh

T=$(mktemp -d /tmp/iotrim-exp-cli.XXXXXX)
BG=()
cleanup() {
	local p
	for p in "${BG[@]}"; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
export IOTRIM_DB=$T/iotrim.db
export SIM_DIR=$T/sim
export IOTRIM_EXPERIMENT_BACKEND=sim:$SIM_DIR
mkdir -p "$SIM_DIR"
cp selftests/cli/simlib.sh "$T/"

# device NAME: observed destinations on stdin ("NAME PROTO PORT IP BYTES")
observed() { cat >"$SIM_DIR/observed"; }

# experiment FILE STRATEGY FUNCTION-LINES...: writes an experiment file
experiment() {
	local f=$1 strategy=$2
	shift 2
	{
		printf '[device]\nmac = 02:00:00:00:00:21\nname = %s\n\n' "$(basename "$f" .ini)"
		printf '[run]\nrepetitions = 5\nstrategy = %s\nboot_wait = 0\nsettle = 0\ntimeout = %s\n' \
			"$strategy" "${TIMEOUT:-5}"
		[ -n "${POWER:-}" ] && printf 'power_cycle = %s\n' "$POWER"
		printf '%s\n' "$@"
	} >"$f"
}

jqe() { jq -e "$@" >/dev/null; }

verdicts() {	# JSON on stdin -> "label verdict" lines, sorted
	jq -r '.destinations[] | "\(.label) \(.verdict)\(if .flaky then " flaky" else "" end)"' | sort
}

# ---- the bulb: api critical; time, log (shares the API's address) and a ping not needed
observed <<'EOF'
api.vendor.example tcp 443 203.0.113.10 50000
time.example udp 123 203.0.113.12 900
log.vendor.example tcp 80 203.0.113.10 3000
- icmp 0 203.0.113.11 400
EOF
cat >"$T/bulb.sh" <<'EOF'
#!/bin/sh
. ./simlib.sh
case $1 in
on) exit 0 ;;
is-on) sim_reach api.vendor.example 203.0.113.10 6 443 ;;
esac
EOF
chmod +x "$T/bulb.sh"
declare -A TRIALS=()
bulb_truth='203.0.113.11/icmp blockable
api.vendor.example:443 unblockable
log.vendor.example:80 blockable
time.example:123/udp blockable'
for s in single group; do
	experiment "$T/bulb.ini" $s '[function switch]' 'trigger = ./bulb.sh on' 'check = ./bulb.sh is-on'
	out=$("$IOTRIM" experiment run "$T/bulb.ini" --json 2>"$T/err")
	rc=$?
	got=$(verdicts <<<"$out")
	if [ $rc -eq 0 ] && [ "$got" = "$bulb_truth" ]; then
		tap_ok "bulb, $s: ground-truth verdicts"
	else
		tap_not_ok "bulb, $s: ground-truth verdicts" "exit $rc" "$got" "$(tail -5 "$T/err")"
	fi
	TRIALS[$s]=$(jq .trials_run <<<"$out")
	id=$(jq .id <<<"$out")
	bl=$(jq -r .blocklist <<<"$out")
	mud=$(jq -r .mud <<<"$out")
	tap_check "bulb, $s: no deny entry left" test -z "$(grep -s "experiment:$id\$" "$SIM_DIR/rules")"
	if [ $s = group ]; then
		tap_check "blocklist: log by name, its address only on port 80, not the API's" \
			bash -c "grep -q '^02:00:00:00:00:21 name log.vendor.example drop\$' '$bl' &&
				grep -q '^02:00:00:00:00:21 ip 203.0.113.10 tcp 80 drop\$' '$bl' &&
				grep -q '^02:00:00:00:00:21 ip 203.0.113.11 icmp drop\$' '$bl' &&
				! grep -q 'api.vendor.example\|tcp 443' '$bl'"
		tap_check "MUD file allows exactly the API" \
			bash -c "jq -e '[.\"ietf-access-control-list:acls\".acl[].aces.ace[].matches[]
				| objects | .\"ietf-acldns:dst-dnsname\" // .\"ietf-acldns:src-dnsname\" // empty]
				| unique == [\"api.vendor.example\"]' '$mud' >/dev/null &&
				jq -e '.\"ietf-mud:mud\".\"from-device-policy\".\"access-lists\".\"access-list\" | length == 2' '$mud' >/dev/null"
		tap_check "JSON has the fields of the interface" \
			jqe '(.destinations[0] | has("name") and has("port") and has("verdict") and
				has("successes") and has("trials") and has("party") and has("country"))
				and has("conflicts") and has("trials_run") and has("wall_seconds")' <<<"$out"
	fi
done
tap_check "bulb: group needs fewer trials (${TRIALS[group]}) than single (${TRIALS[single]})" \
	test "${TRIALS[group]}" -lt "${TRIALS[single]}"

# ---- the camera: watch needs the stream, snapshot does not
observed <<'EOF'
api.vendor.example tcp 443 203.0.113.10 5000
stream.vendor.example tcp 443 203.0.113.20 900000
time.example udp 123 203.0.113.12 90
EOF
cat >"$T/camera.sh" <<'EOF'
#!/bin/sh
. ./simlib.sh
case $1 in
watch) sim_reach api.vendor.example 203.0.113.10 6 443 && sim_reach stream.vendor.example 203.0.113.20 6 443 ;;
snapshot) sim_reach api.vendor.example 203.0.113.10 6 443 ;;
esac
EOF
chmod +x "$T/camera.sh"
for s in single group; do
	experiment "$T/camera.ini" $s '[function watch]' 'check = ./camera.sh watch' \
		'[function snapshot]' 'check = ./camera.sh snapshot'
	out=$("$IOTRIM" experiment run "$T/camera.ini" --json 2>"$T/err")
	got=$(verdicts <<<"$out")
	want='api.vendor.example:443 unblockable
stream.vendor.example:443 blockable-some
time.example:123/udp blockable'
	if [ "$got" = "$want" ] && jq -e '.destinations[] | select(.label == "stream.vendor.example:443")
			| .breaks == ["watch"]' <<<"$out" >/dev/null; then
		tap_ok "camera, $s: stream is blockable-some (breaks watch)"
	else
		tap_not_ok "camera, $s: stream is blockable-some (breaks watch)" "$got"
	fi
	# show replays the journal: it must end where the run ended (the last
	# outcome settled), not one step short of it
	shown=$("$IOTRIM" experiment show "$(jq .id <<<"$out")" --json)
	tap_check "camera, $s: show gives the run's verdicts, done" \
		test "$(verdicts <<<"$shown") $(jq -r .status <<<"$shown")" = "$want done"
done

# ---- the plug: needs one of two redundant time servers
observed <<'EOF'
cloud.plug.example tcp 8883 203.0.113.30 4000
time1.example udp 123 203.0.113.12 300
time2.example udp 123 203.0.113.13 200
log.plug.example tcp 80 203.0.113.31 100
EOF
cat >"$T/plug.sh" <<'EOF'
#!/bin/sh
. ./simlib.sh
sim_reach cloud.plug.example 203.0.113.30 6 8883 || exit 1
sim_reach time1.example 203.0.113.12 17 123 || sim_reach time2.example 203.0.113.13 17 123
EOF
chmod +x "$T/plug.sh"
for s in single group; do
	experiment "$T/plug.ini" $s '[function schedule]' 'check = ./plug.sh'
	out=$("$IOTRIM" experiment run "$T/plug.ini" --json 2>"$T/err")
	got=$(verdicts <<<"$out")
	want='cloud.plug.example:8883 unblockable
log.plug.example:80 blockable
time1.example:123/udp blockable
time2.example:123/udp blockable'
	if [ "$got" = "$want" ] && jq -e '.conflicts == [{"functionality": "schedule",
			"destinations": ["time1.example:123/udp", "time2.example:123/udp"],
			"kept": "time1.example:123/udp"}]' <<<"$out" >/dev/null &&
		! grep -q time1 "$(jq -r .blocklist <<<"$out")" && grep -q time2 "$(jq -r .blocklist <<<"$out")"; then
		tap_ok "plug, $s: each time server blockable, the pair a conflict"
	else
		tap_not_ok "plug, $s: each time server blockable, the pair a conflict" "$got" \
			"$(jq -c .conflicts <<<"$out")"
	fi
done

# ---- a device whose check fails one time in five
observed <<'EOF'
hub.example tcp 443 203.0.113.40 800
ads.example tcp 443 203.0.113.41 300
metrics.example tcp 443 203.0.113.42 200
EOF
cat >"$T/flaky.sh" <<'EOF'
#!/bin/sh
. ./simlib.sh
n=$(( $(cat "$SIM_DIR/flaky.count" 2>/dev/null || echo 0) + 1 ))
echo $n >"$SIM_DIR/flaky.count"
[ $((n % 5)) -ne 0 ] || { echo "spurious failure $n"; exit 1; }
sim_reach hub.example 203.0.113.40 6 443
EOF
chmod +x "$T/flaky.sh"
for s in single group; do
	echo 0 >"$SIM_DIR/flaky.count"
	experiment "$T/flaky.ini" $s '[function sense]' 'check = ./flaky.sh'
	out=$("$IOTRIM" experiment run "$T/flaky.ini" --json 2>"$T/err")
	got=$(verdicts <<<"$out")
	want='ads.example:443 blockable flaky
hub.example:443 unblockable
metrics.example:443 blockable flaky'
	if [ "$got" = "$want" ]; then
		tap_ok "flaky device, $s: blockable ones marked flaky"
	else
		tap_not_ok "flaky device, $s: blockable ones marked flaky" "$got" "$(tail -3 "$T/err")"
	fi
done

# ---- errors: malformed file, failing baseline, hanging check
printf '[device]\nmac = 02:00:00:00:00:21\n[run]\nrepetitons = 5\n[function f]\ncheck = true\n' >"$T/bad.ini"
expect_exit "malformed file: exit 2 naming the line" 2 "bad.ini:4: unknown key 'repetitons'" \
	"$IOTRIM" experiment run "$T/bad.ini"
experiment "$T/broken.ini" group '[function f]' 'check = echo nope; false'
expect_exit "failing baseline aborts with a clear message" 1 \
	"aborted: baseline: functionality 'f' failed 3 times in a row with nothing blocked: the check is wrong, or the device is broken" \
	"$IOTRIM" experiment run "$T/broken.ini"
TIMEOUT=1 experiment "$T/hang.ini" group '[function f]' 'check = sleep 100'
start=$SECONDS
out=$("$IOTRIM" experiment run "$T/hang.ini" 2>&1)
rc=$?
id=$("$IOTRIM" experiment list --json | jq '.[-1].id')
if [ $rc -eq 1 ] && [ $((SECONDS - start)) -lt 20 ] &&
	"$IOTRIM" experiment show "$id" --trial 1 | grep -q 'timed out'; then
	tap_ok "hanging check: killed at the timeout, journaled as timed out"
else
	tap_not_ok "hanging check: killed at the timeout, journaled as timed out" "exit $rc" "$out"
fi

# ---- kill -9 mid-run, then resume: same verdicts, nothing counted twice, no stale entry
observed <<'EOF'
a.example tcp 443 203.0.113.50 900
b.example tcp 443 203.0.113.51 800
c.example tcp 443 203.0.113.52 700
d.example tcp 443 203.0.113.53 600
e.example tcp 443 203.0.113.54 500
f.example tcp 443 203.0.113.55 400
EOF
cat >"$T/slow.sh" <<'EOF'
#!/bin/sh
. ./simlib.sh
sleep 0.15
sim_reach b.example 203.0.113.51 6 443 && sim_reach e.example 203.0.113.54 6 443
EOF
chmod +x "$T/slow.sh"
slow_truth='a.example:443 blockable
b.example:443 unblockable
c.example:443 blockable
d.example:443 blockable
e.example:443 unblockable
f.example:443 blockable'
trials_done() {
	jq --argjson id "$1" '.[] | select(.id == $id) | .trials_run' <("$IOTRIM" experiment list --json)
}
for s in single group; do
	experiment "$T/slow.ini" $s '[function f]' 'check = ./slow.sh'
	"$IOTRIM" experiment run "$T/slow.ini" --json >"$T/full.json" 2>/dev/null
	"$IOTRIM" experiment run "$T/slow.ini" --json >"$T/killed.json" 2>"$T/killed.err" &
	pid=$!
	BG+=("$pid")
	id=""
	for _ in $(seq 1 100); do	# until a few trials are done
		sleep 0.1
		id=$("$IOTRIM" experiment list --json | jq '[.[] | select(.status == "running")] | .[0].id // empty')
		[ -n "$id" ] && [ "$(trials_done "$id")" -ge 4 ] && grep -qs "experiment:$id\$" "$SIM_DIR/rules" && break
	done
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	# entries are leased for one step: timeout 5 + 1 s kill grace + 3 s margin from the last renewal
	killed_ms=$(date +%s%3N)
	step_end=$((killed_ms + 1000 * (5 + 1 + 3)))
	ends=$(awk -v id="experiment:$id" '$9 == id { print $8 }' "$SIM_DIR/rules" 2>/dev/null)
	late=$(awk -v max="$step_end" '$1 > max' <<<"$ends" | wc -l)
	if [ -n "$ends" ] && [ "$late" -eq 0 ]; then
		tap_ok "$s: kill -9 mid-trial: the $(wc -l <<<"$ends") entries left end within one command's timeout + 4 s (latest in $(( $(sort -n <<<"$ends" | tail -1) - killed_ms )) ms)"
	else
		tap_not_ok "$s: kill -9 mid-trial: entries end within one command's timeout + 4 s" \
			"killed at $killed_ms, lease ends:" $ends
	fi
	before=$(trials_done "$id")
	dead=$("$IOTRIM" experiment list --json | jq -r --argjson id "$id" '.[] | select(.id == $id) | .status')
	left=$(grep -c "experiment:$id\$" "$SIM_DIR/rules" 2>/dev/null)
	# every entry a dead run leaves ends with its lease (a bound on one trial)
	lease=$(jq -n "$(date +%s%3N) + 1000 * (0 + 0 + 2 * (5 + 1 + 1) + 30)")
	stale=$(awk -v id="experiment:$id" -v max="$lease" '$9 == id && $8 > max' "$SIM_DIR/rules" 2>/dev/null | wc -l)
	out=$("$IOTRIM" experiment resume "$id" --json 2>"$T/resume.err")
	rc=$?
	got=$(verdicts <<<"$out")
	dup=$(jq -s '.[0].trials_run' <<<"$out")
	if [ $rc -eq 0 ] && [ "$dead" = dead ] && [ "$got" = "$slow_truth" ] && [ "$got" = "$(verdicts <"$T/full.json")" ] &&
		[ "$dup" = "$(jq .trials_run "$T/full.json")" ] && [ "$stale" -eq 0 ] &&
		[ -z "$(grep -s "experiment:$id\$" "$SIM_DIR/rules")" ]; then
		tap_ok "$s: kill -9 after $before trials (listed dead, $left entries left, leased), resume: same verdicts and trial count, no entry left"
	else
		tap_not_ok "$s: kill -9 then resume" "exit $rc, before $before, stale $stale, status $dead" "$got" \
			"trials $dup vs $(jq .trials_run "$T/full.json")" "$(tail -3 "$T/resume.err")"
	fi
done

# ---- Ctrl-C: the trial is recorded as aborted, every entry removed; resume finishes
experiment "$T/slow.ini" group '[function f]' 'check = ./slow.sh'
"$IOTRIM" experiment run "$T/slow.ini" >/dev/null 2>"$T/int.err" &
pid=$!
BG+=("$pid")
for _ in $(seq 1 100); do
	sleep 0.1
	id=$("$IOTRIM" experiment list --json | jq '[.[] | select(.status == "running")] | .[0].id // empty')
	[ -n "$id" ] && [ "$(trials_done "$id")" -ge 3 ] && grep -qs "experiment:$id\$" "$SIM_DIR/rules" && break
done
kill -INT "$pid"
wait "$pid"
rc=$?
status=$("$IOTRIM" experiment list --json | jq -r --argjson id "$id" '.[] | select(.id == $id) | .status')
aborted=$(sqlite3 "$IOTRIM_DB" "SELECT count(*) FROM experiment_trials WHERE experiment_id = $id AND state = 'aborted'" 2>/dev/null || echo 1)
if [ $rc -eq 130 ] && [ "$status" = interrupted ] && [ "$aborted" -ge 1 ] &&
	[ -z "$(grep -s "experiment:$id\$" "$SIM_DIR/rules")" ]; then
	tap_ok "Ctrl-C: exit 130, trial aborted, no deny entry left"
else
	tap_not_ok "Ctrl-C: exit 130, trial aborted, no deny entry left" "exit $rc status $status aborted $aborted" \
		"$(cat "$T/int.err")"
fi
got=$("$IOTRIM" experiment resume "$id" --json 2>/dev/null | verdicts)
tap_check "after Ctrl-C, resume finishes with the ground truth" test "$got" = "$slow_truth"

# ---- list, show, abort
tap_check "list shows every run" bash -c "[ \$('$IOTRIM' experiment list --json | jq length) -ge 12 ]"
tap_check "show reproduces the report" bash -c "'$IOTRIM' experiment show $id | grep -q '| b.example:443 | unblockable |'"
expect_exit "resume of a done run reports it" 0 "is done already" "$IOTRIM" experiment resume "$id"
experiment "$T/slow.ini" group '[function f]' 'check = ./slow.sh'
"$IOTRIM" experiment run "$T/slow.ini" >/dev/null 2>&1 &
pid=$!
BG+=("$pid")
for _ in $(seq 1 100); do
	sleep 0.1
	id=$("$IOTRIM" experiment list --json | jq '[.[] | select(.status == "running")] | .[0].id // empty')
	[ -n "$id" ] && [ "$(trials_done "$id")" -ge 2 ] && break
done
expect_exit "one experiment per device at a time" 6 "experiment $id is running on 02:00:00:00:00:21" \
	"$IOTRIM" experiment run "$T/slow.ini"
expect_exit "abort stops a running experiment" 0 "experiment $id aborted" "$IOTRIM" experiment abort "$id"
wait "$pid" 2>/dev/null
tap_check "aborted run left no entry" test -z "$(grep -s "experiment:$id\$" "$SIM_DIR/rules")"
expect_exit "an aborted run cannot be resumed" 2 "was aborted" "$IOTRIM" experiment resume "$id"
expect_exit "unknown id" 2 "no experiment 999" "$IOTRIM" experiment show 999
expect_exit "unknown subcommand" 2 "unknown experiment command" "$IOTRIM" experiment frobnicate

# every deny entry any run added: scoped to the device under test, with a lease
tap_check "every deny entry was for the device under test, leased, owned by its run" \
	awk '$2 != "02:00:00:00:00:21" || $8 < 1000000000000 || $9 !~ /^experiment:[0-9]+$/ { bad = 1 }
		END { exit bad || NR < 20 }' "$SIM_DIR/added.log"
tap_done
