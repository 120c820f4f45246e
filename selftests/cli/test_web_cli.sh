#!/usr/bin/env bash
# `iotrim serve` and `iotrim web`: addresses checked, a non-loopback address
# refused without a secret, tokens and passwords (only hashes stored), the
# API's answers, sign-in by password, the login rate limit, a clean stop;
# experiments uploaded (refused until allowed), started and aborted.
# In a throw-away namespace (its own loopback and ports); no BPF.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/lib.sh

WORK=$(mktemp -d)
NS=iotrim-webcli-$$
export IOTRIM_DB=$WORK/iotrim.db
URL=http://127.0.0.1:8089
serve_pid=
run_id=
cleanup() {
	[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null
	# an uploaded run that a failed check left going
	[ -n "$run_id" ] && "$IOTRIM" experiment abort "$run_id" >/dev/null 2>&1
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
make_veth_netns "$NS"
ns() { in_netns "$NS" "$@"; }
code() { ns curl -s -o "$WORK/body" -w '%{http_code}' "$@"; }

expect_exit "serve --help" 0 "--listen" "$IOTRIM" serve --help
expect_exit "a bad address is a usage error" 2 "not an ADDR:PORT" "$IOTRIM" serve --listen localhost:80
expect_exit "a port out of range is a usage error" 2 "not an ADDR:PORT" "$IOTRIM" serve --listen 127.0.0.1:70000
expect_exit "no non-loopback address without a secret" 3 "refusing to listen on 192.0.2.1:8089" \
	ns "$IOTRIM" serve --listen 192.0.2.1:8089
expect_exit "web passwd refuses a short password" 2 "at least 8" sh -c "echo short | '$IOTRIM' web passwd"
expect_exit "web passwd from standard input" 0 "password set" sh -c "echo 'correct horse' | '$IOTRIM' web passwd"
token=$("$IOTRIM" web token --json | jq -r .token)
tap_check "web token --json" grep -qE '^[0-9a-f]{64}$' <<<"$token"
tap_check "the database holds no secret" sh -c "! grep -qaF -e '$token' -e 'correct horse' '$IOTRIM_DB'*"

# nsenter execs iotrim: $! is serve itself, and signals reach it.
nsenter --net="/run/netns/$NS" "$IOTRIM" serve >"$WORK/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 50); do [ "$(code "$URL/api/blocks")" = 200 ] && break; sleep 0.1; done
tap_check "GET /api/blocks on loopback: open, []" test "$(cat "$WORK/body")" = "[]"
tap_check "unknown path: 404" test "$(code "$URL/nope")" = 404
tap_check "known path, other method: 405" test "$(code -X PUT "$URL/api/blocks")" = 405
tap_check "a body that is not JSON: 400" test "$(code -H "Authorization: Bearer $token" -X POST -d '{"device":' "$URL/api/blocks")" = 400
tap_check "an unknown field: 400" test "$(code -H "Authorization: Bearer $token" -X POST -d '{"device":"all","target":"a.example","colour":"red"}' "$URL/api/blocks")" = 400
tap_check "a port on a name rule: 400" test "$(code -H "Authorization: Bearer $token" -X POST -d '{"device":"all","target":"a.example","port":80}' "$URL/api/blocks")" = 400
tap_check "POST /api/blocks with the token: 201" test "$(code -H "Authorization: Bearer $token" -X POST -d '{"device":"02:00:00:00:00:21","target":"203.0.113.0/24","proto":"tcp","port":443,"action":"reject","lease":60}' "$URL/api/blocks")" = 201
tap_check "the answer is the rule as block list --json shows it" \
	sh -c "jq -c 'del(.packets, .bytes)' '$WORK/body' | grep -qF \"\$('$IOTRIM' block list --json | jq -c '.[0] | del(.packets, .bytes)')\""
id=$(jq .id "$WORK/body")
tap_check "the same rule again: 409" test "$(code -H "Authorization: Bearer $token" -X POST -d '{"device":"02:00:00:00:00:21","target":"203.0.113.0/24","proto":"tcp","port":443}' "$URL/api/blocks")" = 409
tap_check "phase mark by the API: 201" test "$(code -H "Authorization: Bearer $token" -X POST -d '{"device":"02:00:00:00:00:21","phase":"setup"}' "$URL/api/phase")" = 201
tap_check "the mark is in phase list" sh -c "'$IOTRIM' phase list --json | jq -e 'any(.[]; .phase == \"setup\")' >/dev/null"
tap_check "DELETE the rule: 204" test "$(code -H "Authorization: Bearer $token" -X DELETE "$URL/api/blocks/$id")" = 204
tap_check "DELETE it again: 404" test "$(code -H "Authorization: Bearer $token" -X DELETE "$URL/api/blocks/$id")" = 404
tap_check "sign in with the password: 303 to /" test "$(code -c "$WORK/jar" -d 'secret=correct+horse' "$URL/login")" = 303
for _ in 1 2 3 4 5; do code -d 'secret=wrong' "$URL/login" >/dev/null; done
tap_check "after five failures the sixth attempt is refused: 429" test "$(code -d 'secret=correct+horse' "$URL/login")" = 429

# An experiment on the sim backend (as test_experiment_cli.sh): its verdicts by the API
# equal `experiment show --json`, and its page names them.
export SIM_DIR=$WORK/sim
export IOTRIM_EXPERIMENT_BACKEND=sim:$SIM_DIR
mkdir -p "$WORK/sim"
cp selftests/cli/simlib.sh "$WORK/"
printf '%s\n' 'api.vendor.example tcp 443 203.0.113.10 50000' 'time.example udp 123 203.0.113.12 900' >"$WORK/sim/observed"
printf '#!/bin/sh\n. ./simlib.sh\ncase $1 in\non) exit 0 ;;\nis-on) sim_reach api.vendor.example 203.0.113.10 6 443 ;;\nesac\n' >"$WORK/bulb.sh"
chmod +x "$WORK/bulb.sh"
printf '[device]\nmac = 02:00:00:00:00:21\nname = bulb\n\n[run]\nrepetitions = 2\nstrategy = single\nboot_wait = 0\nsettle = 0\ntimeout = 5\n\n[function switch]\ntrigger = ./bulb.sh on\ncheck = ./bulb.sh is-on\n' >"$WORK/bulb.ini"
exp_id=$(cd "$WORK" && "$IOTRIM" experiment run bulb.ini --json 2>/dev/null | jq .id)
tap_check "a sim experiment ran (id $exp_id)" test -n "$exp_id"
tap_check "GET /api/experiments/$exp_id: 200" test "$(code "$URL/api/experiments/$exp_id")" = 200
tap_check "its verdicts equal experiment show --json" test \
	"$(jq -c '[.destinations[] | [.label, .verdict]]' "$WORK/body")" = \
	"$("$IOTRIM" experiment show "$exp_id" --json | jq -c '[.destinations[] | [.label, .verdict]]')"
code "$URL/experiment?id=$exp_id" >/dev/null
page_names() {
	local line n=0
	while read -r line; do
		grep -qF "$line" "$WORK/body" || return 1
		n=$((n + 1))
	done < <("$IOTRIM" experiment show "$exp_id" --json | jq -r '.destinations[] | "\(.label)</td><td>\(.verdict)<"')
	[ $n = 2 ] && grep -qF 'api.vendor.example:443</td><td>unblockable<' "$WORK/body"
}
tap_check "the experiment page shows them" page_names
code "$URL/device?mac=02:00:00:00:00:21" >/dev/null
tap_check "the device page links the device's run" grep -qF "href=\"/experiment?id=$exp_id\"" "$WORK/body"
tap_check "an unknown experiment: 404" test "$(code "$URL/api/experiments/999")" = 404

# Starting experiments by upload: an action like the others, the file checked
# by its parser, and refused while serve does not allow its shell commands.
runs() { "$IOTRIM" experiment list --json | jq length; }
jqt() { jq -e "$@" >/dev/null; }
before=$(runs)
post_exp() { code -X POST --data-binary "@$1" "${@:2}" "$URL/api/experiments?name=$(basename "$1")"; }
tap_check "POST /api/experiments without credentials: 403" test "$(post_exp "$WORK/bulb.ini")" = 403
tap_check "with a wrong token: 403" test "$(post_exp "$WORK/bulb.ini" -H 'Authorization: Bearer 00')" = 403
tap_check "with the session but no CSRF token: 403" test "$(post_exp "$WORK/bulb.ini" -b "$WORK/jar")" = 403
tap_check "with the session and a wrong CSRF token: 403" \
	test "$(post_exp "$WORK/bulb.ini" -b "$WORK/jar" -H 'X-CSRF-Token: 00')" = 403
printf '[device]\nmac = 02:00:00:00:00:21\n\n[run]\nrepetitions = many\n\n[function switch]\ncheck = true\n' >"$WORK/bad.ini"
tap_check "a file that does not parse: 400" test "$(post_exp "$WORK/bad.ini" -H "Authorization: Bearer $token")" = 400
tap_check "the answer names the file and line 5" \
	sh -c "jq -e '.line == 5 and (.error | startswith(\"bad.ini:5: \"))' '$WORK/body' >/dev/null"
tap_check "a file with commands, not allowed: 403" test "$(post_exp "$WORK/bulb.ini" -H "Authorization: Bearer $token")" = 403
tap_check "it says how to allow them" grep -q -- --allow-experiment-commands "$WORK/body"
tap_check "nothing was journaled" test "$(runs)" = "$before"
code "$URL/experiments" >/dev/null
tap_check "the experiments page offers no upload" sh -c "! grep -q 'id=\"start\"' '$WORK/body'"
kill -TERM "$serve_pid"
wait "$serve_pid"
rc=$?
serve_pid=
tap_check "SIGTERM stops serve with status 0" test "$rc" = 0

# Allowed: the run starts as a process of its own and aborts from the API,
# its deny entries gone.  Its check hangs while anything is blocked, so the
# abort finds it in its first trial with an entry in force.
nsenter --net="/run/netns/$NS" "$IOTRIM" serve --allow-experiment-commands >"$WORK/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 50); do [ "$(code "$URL/api/blocks")" = 200 ] && break; sleep 0.1; done
printf '#!/bin/sh\n. ./simlib.sh\nif sim_blocked api.vendor.example 203.0.113.10 6 443 || sim_blocked time.example 203.0.113.12 17 123; then sleep 60; fi\n' >"$WORK/hang.sh"
chmod +x "$WORK/hang.sh"
printf '[device]\nmac = 02:00:00:00:00:21\n\n[run]\nrepetitions = 1\nstrategy = single\nboot_wait = 0\nsettle = 0\ntimeout = 90\n\n[function switch]\ncheck = %s/hang.sh\n' "$WORK" >"$WORK/hang.ini"
tap_check "POST the file with the token: 202" test "$(post_exp "$WORK/hang.ini" -H "Authorization: Bearer $token")" = 202
run_id=$(jq .id "$WORK/body")
tap_check "the answer is the run, running" jqt '.status == "running" and .file == "hang.ini"' "$WORK/body"
entry_in_force() { grep -q " experiment:$run_id\$" "$SIM_DIR/rules" 2>/dev/null; }
for _ in $(seq 100); do entry_in_force && break; sleep 0.1; done
tap_check "its first trial put a deny entry in force" entry_in_force
code "$URL/api/experiments" >/dev/null
tap_check "GET /api/experiments shows it running" \
	jqt --argjson id "$run_id" 'any(.[]; .id == $id and .status == "running" and .phase != "")' "$WORK/body"
code "$URL/experiments" >/dev/null
tap_check "the experiments page offers the upload and an abort button" \
	sh -c "grep -q 'id=\"start\"' '$WORK/body' && grep -q 'class=\"abort\" data-run=\"$run_id\"' '$WORK/body'"
tap_check "a second run on the device: 409" test "$(post_exp "$WORK/hang.ini" -H "Authorization: Bearer $token")" = 409
tap_check "DELETE /api/experiments/$run_id without credentials: 403" \
	test "$(code -X DELETE "$URL/api/experiments/$run_id")" = 403
tap_check "DELETE it with the token: 200" test "$(code -X DELETE -H "Authorization: Bearer $token" "$URL/api/experiments/$run_id")" = 200
tap_check "the answer says aborted" jqt '.status == "aborted"' "$WORK/body"
tap_check "no deny entry of the run is left" sh -c "! grep -q ' experiment:$run_id\$' '$SIM_DIR/rules'"
tap_check "experiment list says aborted" \
	sh -c "'$IOTRIM' experiment list --json | jq -e 'any(.[]; .id == $run_id and .status == \"aborted\")' >/dev/null"
tap_check "the run's process stopped on the signal" grep -q "interrupted" "$IOTRIM_DB.experiment-$run_id.log"
tap_check "DELETE it again: 409" test "$(code -X DELETE -H "Authorization: Bearer $token" "$URL/api/experiments/$run_id")" = 409
kill -TERM "$serve_pid"
wait "$serve_pid"
serve_pid=
tap_done
