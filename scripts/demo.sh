#!/usr/bin/env bash
# make demo: brings up the namespace testbed, attaches iotrim to the
# gateway's LAN interface, runs the controller (history in a demo database),
# lets the simulated devices talk in a marked phase, prints what iotrim
# counted and ends with the report, as text and as an HTML file (kept in
# $DEMO_OUT, default a new /tmp/iotrim-demo.* directory).  The controller's
# database lives in a state directory that does not exist yet, as on a new
# machine.  Everything else is torn down at the end (DEMO_KEEP=1 keeps it).
set -euo pipefail
cd "$(dirname "$0")/.."

IOTRIM=$PWD/build/iotrim
SECONDS_OF_TRAFFIC=${DEMO_SECONDS:-20}
gw() { nsenter --net="/run/netns/${IOTRIM_TB_PREFIX:-it}_gw" "$@"; }
OUT=${DEMO_OUT:-$(mktemp -d /tmp/iotrim-demo.XXXXXX)}
mkdir -p "$OUT"
STATE_PARENT=$(mktemp -d /tmp/iotrim-state.XXXXXX)
STATE=$STATE_PARENT/state
export IOTRIM_DB=$STATE/iotrim.db
DEVICES=(02:00:00:00:00:21 02:00:00:00:00:22 02:00:00:00:00:23)
run_pid=

# Stops the controller: SIGTERM makes it harvest once more and exit.
stop_run() {
	[ -n "$run_pid" ] || return 0
	kill -TERM "$run_pid" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$run_pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$run_pid" 2>/dev/null || true
	wait "$run_pid" 2>/dev/null || true
	run_pid=
}

cleanup() {
	stop_run
	[ "${DEMO_KEEP:-0}" = 1 ] && return
	gw "$IOTRIM" detach --purge >/dev/null 2>&1 || true
	scripts/testbed.sh down >/dev/null 2>&1 || true
	rm -rf "$STATE_PARENT"
}
trap cleanup EXIT

echo "== bringing up the testbed (gateway, simulated Internet, 3 devices)"
scripts/testbed.sh up
echo "== attaching iotrim to the gateway's LAN interface (lan0)"
gw "$IOTRIM" attach --lan lan0
echo "== running the controller (names, history in $IOTRIM_DB)"
gw "$IOTRIM" run --lan lan0 >"$OUT/run.log" 2>&1 &
run_pid=$!
for _ in $(seq 100); do grep -q '^collecting' "$OUT/run.log" 2>/dev/null && break; sleep 0.1; done
if ! kill -0 "$run_pid" 2>/dev/null || [ ! -e "$IOTRIM_DB" ]; then
	echo "demo: the controller did not start:" >&2
	cat "$OUT/run.log" >&2
	exit 1
fi
echo "   (it created $STATE for its database)"
"$IOTRIM" device set 02:00:00:00:00:22 --name "sensor" --category sensor >/dev/null
"$IOTRIM" device set 02:00:00:00:00:23 --name "hub" --category hub >/dev/null
for d in "${DEVICES[@]}"; do gw "$IOTRIM" phase mark "$d" interaction >/dev/null; done
echo "== letting the devices talk for ${SECONDS_OF_TRAFFIC}s (phase: interaction)"
scripts/testbed.sh traffic "$SECONDS_OF_TRAFFIC"
for d in "${DEVICES[@]}"; do gw "$IOTRIM" phase mark "$d" idle >/dev/null; done
echo
echo "== iotrim flows"
gw "$IOTRIM" flows
echo
echo "== iotrim devices"
gw "$IOTRIM" devices
echo
echo "== iotrim status"
gw "$IOTRIM" status
stop_run
echo
echo "== iotrim report"
"$IOTRIM" report --devices data/devices.conf.example
"$IOTRIM" report --devices data/devices.conf.example --format html --output "$OUT/report.html"
echo
echo "== the HTML report is in $OUT/report.html"
if [ "${DEMO_KEEP:-0}" = 1 ]; then
	echo
	echo "kept running: try  nsenter --net=/run/netns/it_gw $IOTRIM flows"
	echo "the history is in  $IOTRIM_DB"
	echo "tear down with     nsenter --net=/run/netns/it_gw $IOTRIM detach --purge; scripts/testbed.sh down"
fi
