#!/usr/bin/env bash
# How long a device stays broken after `kill -9` of an experiment mid-trial:
# a hub with three functionalities on the sim backend (selftests/cli/simlib.sh
# decides from the deny entries and their lease ends, as the kernel would).
# Prints the time from the kill until every functionality works again, with
# the target: the configured command timeout + 5 s.
set -euo pipefail
cd "$(dirname "$0")/.."

TIMEOUT=${BENCH_KILL_TIMEOUT:-5}
IOTRIM=${IOTRIM:-$PWD/build/iotrim}
T=$(mktemp -d /tmp/iotrim-bench-kill.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export IOTRIM_DB=$T/iotrim.db SIM_DIR=$T/sim IOTRIM_EXPERIMENT_BACKEND=sim:$T/sim
export SIM_MAC=02:00:00:00:00:21
mkdir -p "$SIM_DIR"
cp selftests/cli/simlib.sh "$T/"
cat >"$SIM_DIR/observed" <<'OBS'
api.hub.example tcp 443 203.0.113.10 50000
mqtt.hub.example tcp 8883 203.0.113.11 9000
time.example udp 123 203.0.113.12 900
OBS
cat >"$T/hub.sh" <<'HUB'
#!/bin/sh
. ./simlib.sh
sleep 1
case $1 in
lights) sim_reach api.hub.example 203.0.113.10 6 443 ;;
sensors) sim_reach mqtt.hub.example 203.0.113.11 6 8883 ;;
clock) sim_reach time.example 203.0.113.12 17 123 ;;
esac
HUB
chmod +x "$T/hub.sh"
printf '%s\n' '[device]' "mac = $SIM_MAC" 'name = hub' '' '[run]' 'repetitions = 1' \
	'strategy = single' 'boot_wait = 0' 'settle = 0' "timeout = $TIMEOUT" '' \
	'[function lights]' 'check = ./hub.sh lights' '[function sensors]' 'check = ./hub.sh sensors' \
	'[function clock]' 'check = ./hub.sh clock' >"$T/hub.ini"

# every functionality works: none of its destinations is denied now
works() {
	(cd "$T" && . ./simlib.sh &&
		! sim_blocked api.hub.example 203.0.113.10 6 443 &&
		! sim_blocked mqtt.hub.example 203.0.113.11 6 8883 &&
		! sim_blocked time.example 203.0.113.12 17 123)
}

"$IOTRIM" experiment run "$T/hub.ini" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do	# until a trial has its entries in place
	sleep 0.1
	[ -s "$SIM_DIR/rules" ] && ! works && break
done
sleep 1.5	# inside the trial's second command
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
pid=
t0=$(date +%s%3N)
limit=$((t0 + 1000 * (TIMEOUT * 6 + 120)))
while ! works && [ "$(date +%s%3N)" -lt "$limit" ]; do
	sleep 0.1
done
ms=$(($(date +%s%3N) - t0))
printf 'kill -9 mid-trial (hub, 3 functionalities, timeout = %s s): the device works again after %d.%01d s (target <= %d s)\n' \
	"$TIMEOUT" $((ms / 1000)) $((ms % 1000 / 100)) $((TIMEOUT + 5))
