#!/usr/bin/env bash
# Time to refusal of a rejected TCP connect, per attach mode, on the
# namespace testbed: dev1 connects BENCH_REJECT_CONNECTS times (default 200)
# to an address a reject rule covers, each timed from connect() to
# ECONNREFUSED (selftests/lib/connect_refused).  Baseline, same run: a
# connect to a closed port of a server, refused by the server's own RST
# through the gateway.  Target: under 100 ms.  Modes: native XDP on the veth
# LAN (its peer runs no XDP program), generic XDP, --mode tc on a bridge LAN.
# Uses its own testbed prefix (IOTRIM_TB_PREFIX, default bj) and pin
# directory, and takes everything down again.
set -euo pipefail
cd "$(dirname "$0")/.."

export IOTRIM_TB_PREFIX=${IOTRIM_TB_PREFIX:-bj}
export IOTRIM_TB_STATE=${IOTRIM_TB_STATE:-/run/iotrim-tb-$IOTRIM_TB_PREFIX}
export IOTRIM_PIN_DIR=/sys/fs/bpf/iotrim-bench-reject-$$
T=$(mktemp -d /tmp/iotrim-bench-reject.XXXXXX)
export IOTRIM_DB=$T/iotrim.db
N=${BENCH_REJECT_CONNECTS:-200}
TB=scripts/testbed.sh
IOTRIM=$PWD/build/iotrim
CONNECT=$PWD/build/selftests/lib/connect_refused

gw() { nsenter --net="/run/netns/${IOTRIM_TB_PREFIX}_gw" "$@"; }
cleanup() {
	gw "$IOTRIM" detach --purge >/dev/null 2>&1 || true
	rm -rf "$IOTRIM_PIN_DIR" "$T"
	$TB down >/dev/null 2>&1 || true
}
trap cleanup EXIT

up() {	# UP-OPTIONS...
	$TB up "$@" >"$T/up.log" 2>&1 || { tail -20 "$T/up.log" >&2; exit 1; }
}
measure() {	# LABEL ADDRESS PORT
	printf '%-44s %s\n' "$1" "$($TB run dev1 "$CONNECT" "$2" "$3" "$N" || true)"
}

up --offloads off
measure "baseline: the server's own RST (no iotrim)" 203.0.113.10 81
gw "$IOTRIM" attach --lan lan0 --mode native >/dev/null 2>&1
gw "$IOTRIM" block add --device 02:00:00:00:00:21 203.0.113.21 --proto tcp --port 80 \
	--action reject >/dev/null 2>&1
measure "native XDP on a veth (xdp_pass_tc_redirect)" 203.0.113.21 80
gw "$IOTRIM" attach --lan lan0 --mode generic --force >/dev/null 2>&1
measure "generic XDP (xdp_tx_generic)" 203.0.113.21 80
gw "$IOTRIM" detach --purge >/dev/null 2>&1
up --lan bridge --offloads off
gw "$IOTRIM" attach --lan lan0 --mode tc >/dev/null 2>&1	# re-applies the rule
measure "tc on a bridge LAN (tc_redirect)" 203.0.113.21 80
echo "target: every median and p99 under 100 ms"
