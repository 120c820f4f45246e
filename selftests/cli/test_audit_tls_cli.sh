#!/usr/bin/env bash
# `iotrim audit tls` on the command line: bad input is a usage error (exit
# 2) with one clear line, the help warns that it intercepts traffic, and a
# run in a throw-away network namespace (no device talks) makes its owner
# table, prints [] as JSON, stores nothing and leaves no table behind; a
# --destination nobody contacted is not-seen.  Traffic: test_e2e_audit_tls.sh.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/lib.sh

WORK=$(mktemp -d)
NS=iotrim-audit-cli-$$
trap 'ip netns del $NS 2>/dev/null; rm -rf "$WORK"' EXIT
export IOTRIM_DB=$WORK/iotrim.db
A=02:00:00:00:00:21

expect_exit "--device is required" 2 "needs --device" "$IOTRIM" audit tls
expect_exit "a bad MAC is a usage error" 2 "device" "$IOTRIM" audit tls --device nomac
expect_exit "--destination without a port" 2 "must be NAME:PORT" "$IOTRIM" audit tls --device $A \
	--destination api.example
expect_exit "--destination with port 0" 2 "must be NAME:PORT" "$IOTRIM" audit tls --device $A \
	--destination api.example:0
expect_exit "--destination with a bad name" 2 "must be NAME:PORT" "$IOTRIM" audit tls --device $A \
	--destination 'a b.example:443'
expect_exit "--destination with an empty name" 2 "must be NAME:PORT" "$IOTRIM" audit tls --device $A \
	--destination ':443'
expect_exit "--duration 0" 2 "duration" "$IOTRIM" audit tls --device $A --duration 0
expect_exit "an unknown subcommand" 2 "unknown|usage" "$IOTRIM" audit nosuch
expect_exit "--help warns that it intercepts" 0 "WARNING: this intercepts the device's traffic" \
	"$IOTRIM" audit tls --help
expect_exit "audit --help lists tls" 0 "tls" "$IOTRIM" audit --help

ip netns add "$NS"
ip -n "$NS" link set lo up
nsenter --net="/run/netns/$NS" "$IOTRIM" audit tls --device $A --duration 2 --json \
	>"$WORK/out.json" 2>"$WORK/err.log" &
pid=$!
seen=1
for _ in $(seq 30); do
	nsenter --net="/run/netns/$NS" nft list table inet "iotrim_audit_$pid" >/dev/null 2>&1 && seen=0 && break
	sleep 0.1
done
tap_check "during the run: table iotrim_audit_$pid in the namespace" [ $seen = 0 ]
wait $pid
rc=$?
tap_check "the run exits 0 (got $rc)" [ $rc = 0 ]
tap_check "no connection: --json prints [] ($(cat "$WORK/out.json"))" [ "$(jq -c . "$WORK/out.json")" = "[]" ]
tap_check "the run says it removed the divert" grep -q "divert iotrim_audit_$pid removed" "$WORK/err.log"
tap_check "after the run: no table" bash -c "! nsenter --net=/run/netns/$NS nft list ruleset | grep -q iotrim_audit"
expect_exit "a --destination nobody contacted is not-seen" 0 "not-seen" \
	nsenter --net="/run/netns/$NS" "$IOTRIM" audit tls --device $A --destination '[2001:DB8::1]:8443' --duration 1
n=$(sqlite3 "$IOTRIM_DB" "SELECT name || ':' || port || ' ' || verdict FROM tls_audit")
tap_check "stored: 2001:db8::1:8443 not-seen ('$n')" [ "$n" = "2001:db8::1:8443 not-seen" ]

# Ctrl-C: ends the run at once, prints and stores what it has, exit 130.
nsenter --net="/run/netns/$NS" "$IOTRIM" audit tls --device $A --duration 60 \
	--destination api.example:443 --json >"$WORK/int.json" 2>"$WORK/int.log" &
pid=$!
for _ in $(seq 30); do
	nsenter --net="/run/netns/$NS" nft list table inet "iotrim_audit_$pid" >/dev/null 2>&1 && break
	sleep 0.1
done
t0=$(date +%s%N)
kill -INT $pid
wait $pid
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
tap_check "SIGINT: exit 130 (got $rc) in under a second ($ms ms)" [ "$rc" = 130 -a "$ms" -lt 1000 ]
tap_check "SIGINT: the verdicts so far are printed" grep -q '"verdict":"not-seen"' "$WORK/int.json"
tap_check "SIGINT: no table left" bash -c "! nsenter --net=/run/netns/$NS nft list ruleset | grep -q iotrim_audit"
tap_done
