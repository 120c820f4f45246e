#!/usr/bin/env bash
# The config file (README "Config file"): `config check` reports every error
# with its line (text and JSON, exit 2) and touches nothing; `config show`;
# `run` takes its settings from the file alone, the command line wins, a
# bad file stops it before anything is attached; SIGHUP applies a changed
# sampling setting and says what needs a restart; SIGTERM harvests.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/lib.sh

NS=itc_cfg_$$
WORK=$(mktemp -d)
run_pid=
cleanup() {
	[ -n "$run_pid" ] && kill -KILL "$run_pid" 2>/dev/null
	in_netns "$NS" "$IOTRIM" detach --purge >/dev/null 2>&1
	ip netns del "$NS" 2>/dev/null
	rm -rf "$IOTRIM_PIN_DIR" "$WORK" 2>/dev/null
}
trap cleanup EXIT
export IOTRIM_DB=$WORK/env.db

# --- check: every error, with its line ------------------------------------
cat >"$WORK/bad.conf" <<'CONF'
# line 1
[iotrim]
lan = lan0
interval = 0
bogus = 1
this line is wrong
lan = again
[sampling]
every = abc
[history]
rollup = weekly
another bad line
[metrics]
no-such = 1
CONF
expect_exit "check: every error with FILE:LINE, exit 2" 2 \
	"bad.conf:4: --interval takes 1 to 86400 seconds, not '0'" \
	"$IOTRIM" config check "$WORK/bad.conf"
"$IOTRIM" config check --json "$WORK/bad.conf" >"$WORK/bad.json"
rc=$?
tap_check "check --json: exit 2 and the lines of all errors, in order" test \
	"$rc $(jq -c '[.ok, .keys, [.errors[].line]]' "$WORK/bad.json")" = '2 [false,4,[4,5,6,7,9,11,12,14]]'
tap_check "check --json: messages say what is wrong" test \
	"$(jq -r '.errors[] | select(.line == 5 or .line == 7 or .line == 11 or .line == 14) | .message' "$WORK/bad.json" | tr '\n' '|')" = \
	"unknown key 'bogus' in [iotrim] (no option --bogus; see iotrim run --help)|duplicate key 'lan' in [iotrim] (--lan is set above; an indented line continues the one above)|--history-rollup must be daily or drop, not 'weekly'|unknown key 'no-such' in [metrics] (no option --metrics-no-such; see iotrim run --help)|"
expect_exit "check: a missing file" 2 "nosuch.conf: No such file or directory" \
	"$IOTRIM" config check "$WORK/nosuch.conf"
printf '[iotrim]\nconfig = /etc/other.conf\n' >"$WORK/self.conf"
expect_exit "check: the file cannot name another" 2 "self.conf:2: 'config' cannot name another config file" \
	"$IOTRIM" config check "$WORK/self.conf"
printf '[iotrim]\nlan = %0300d\n' 0 >"$WORK/long.conf"
expect_exit "check: an overlong line" 2 "long.conf:2: line too long" "$IOTRIM" config check "$WORK/long.conf"
printf 'lan = lan0\n' >"$WORK/nosection.conf"
expect_exit "check: a key before any section" 2 "nosection.conf:1: 'lan' before any \\[section\\]" \
	"$IOTRIM" config check "$WORK/nosection.conf"
printf '[iotrim]\nlan =\nno-attach = maybe\n' >"$WORK/values.conf"
expect_exit "check: an empty value" 2 "values.conf:2: lan is empty" "$IOTRIM" config check "$WORK/values.conf"
expect_exit "check: a flag takes yes or no" 2 "values.conf:3: no-attach is yes or no, not 'maybe'" \
	"$IOTRIM" config check "$WORK/values.conf"
expect_exit "check: the shipped example is valid" 0 "iotrim.conf.example: ok \\(12 keys\\)" \
	"$IOTRIM" config check data/iotrim.conf.example
tap_check "check touched nothing (no database)" test ! -e "$IOTRIM_DB"

# --- show ----------------------------------------------------------------
"$IOTRIM" config show --json data/iotrim.conf.example >"$WORK/show.json"
tap_check "show: aliases and generic keys map onto run's options" test \
	"$(jq -r '.settings[] | select(.option == "db" or .option == "sample-every" or .option == "history-retention" or .option == "max-flows") | "\(.key)=\(.value)@\(.source)"' "$WORK/show.json" | tr '\n' ' ')" = \
	"[iotrim] database=/var/lib/iotrim/iotrim.db@file [iotrim] max-flows=null@default [sampling] every=64@file [history] retention=30@file "

# --- run from the file alone ----------------------------------------------
make_veth_netns "$NS"
expect_exit "run with a bad file: every error, exit 2, nothing attached" 2 \
	"bad.conf:9: --sample-every must be a number" \
	in_netns "$NS" "$IOTRIM" run --config "$WORK/bad.conf"
expect_exit "... and nothing was attached" 8 "" in_netns "$NS" "$IOTRIM" status
cat >"$WORK/run.conf" <<CONF
[iotrim]
lan = lan0
database = $WORK/run.db
interval = 1
[sampling]
first = 3
every = 0
CONF
nsenter --net="/run/netns/$NS" "$IOTRIM" run --config "$WORK/run.conf" --interval 2 \
	>"$WORK/run.log" 2>&1 &
run_pid=$!
for _ in $(seq 100); do grep -q '^collecting' "$WORK/run.log" && break; sleep 0.1; done
tap_check "run attaches from the file alone" grep -q "collecting: names and history into $WORK/run.db (harvest every 2 s)" "$WORK/run.log"
tap_check "the command line wins (interval 2, not 1)" grep -q "every 2 s" "$WORK/run.log"
in_netns "$NS" "$IOTRIM" set --json >"$WORK/set1.json"
tap_check "the file's sampling is in the settings map" test \
	"$(jq -c '[.sample_first, .sample_every, .sample_bytes, .defaults]' "$WORK/set1.json")" = '[3,0,1024,false]'

# SIGHUP: a changed sampling applies; a changed LAN needs a restart.
sed -i 's/^every = 0/every = 7/; s/^lan = lan0/lan = lan9/' "$WORK/run.conf"
kill -HUP "$run_pid"
for _ in $(seq 50); do grep -q 'sampling: first 3, every 7' "$WORK/run.log" && break; sleep 0.1; done
in_netns "$NS" "$IOTRIM" set --json >"$WORK/set2.json"
tap_check "SIGHUP applies the changed sampling" test \
	"$(jq -c '[.sample_first, .sample_every]' "$WORK/set2.json")" = '[3,7]'
tap_check "SIGHUP logs the change" grep -q 'reload: --sample-every 0 -> 7$' "$WORK/run.log"
tap_check "SIGHUP says a LAN change needs a restart" grep -q 'reload: --lan lan0 -> lan9: needs a restart' "$WORK/run.log"
printf 'junk\n' >>"$WORK/run.conf"
kill -HUP "$run_pid"
for _ in $(seq 50); do grep -q 'nothing changed' "$WORK/run.log" && break; sleep 0.1; done
tap_check "a bad file on SIGHUP: its errors, nothing changed, still running" \
	bash -c "grep -q 'run.conf:8: syntax error' '$WORK/run.log' && grep -q 'has errors: nothing changed' '$WORK/run.log' && kill -0 $run_pid"
kill -TERM "$run_pid"
wait "$run_pid"
rc=$?
run_pid=
tap_check "SIGTERM stops it with status 0 ($rc)" test "$rc" -eq 0
in_netns "$NS" "$IOTRIM" status --json --db "$WORK/run.db" >"$WORK/status.json"
tap_check "status shows the database (size, rows)" test \
	"$(jq -r '.database | "\(.exists) \(.bytes > 0) \(.flow_rows >= 0)"' "$WORK/status.json")" = "true true true"
tap_done
