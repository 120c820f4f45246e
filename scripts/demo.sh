#!/usr/bin/env bash
# make demo: brings up the namespace testbed, attaches iotrim to the
# gateway's LAN interface, lets the simulated devices talk and prints what
# iotrim counted.  Everything is torn down at the end (DEMO_KEEP=1 keeps it).
set -euo pipefail
cd "$(dirname "$0")/.."

IOTRIM=$PWD/build/iotrim
SECONDS_OF_TRAFFIC=${DEMO_SECONDS:-20}
gw() { nsenter --net="/run/netns/${IOTRIM_TB_PREFIX:-it}_gw" "$@"; }

cleanup() {
	[ "${DEMO_KEEP:-0}" = 1 ] && return
	gw "$IOTRIM" detach --purge >/dev/null 2>&1 || true
	scripts/testbed.sh down >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "== bringing up the testbed (gateway, simulated Internet, 3 devices)"
scripts/testbed.sh up
echo "== attaching iotrim to the gateway's LAN interface (lan0)"
gw "$IOTRIM" attach --lan lan0
echo "== letting the devices talk for ${SECONDS_OF_TRAFFIC}s"
scripts/testbed.sh traffic "$SECONDS_OF_TRAFFIC"
echo
echo "== iotrim flows"
gw "$IOTRIM" flows
echo
echo "== iotrim devices"
gw "$IOTRIM" devices
echo
echo "== iotrim status"
gw "$IOTRIM" status
if [ "${DEMO_KEEP:-0}" = 1 ]; then
	echo
	echo "kept running: try  nsenter --net=/run/netns/it_gw $IOTRIM flows"
	echo "tear down with     nsenter --net=/run/netns/it_gw $IOTRIM detach --purge; scripts/testbed.sh down"
fi
