#!/usr/bin/env bash
# `iotrim audit plaintext` on a throw-away namespace: the help's warning, bad
# input (exit 2, the --strings line named), no attachment (exit 8), no
# controller (exit 1, nothing left in the audit map), and a short run with
# a controller on the namespace's veth: the lease is in the kernel map while
# it runs and gone after, the output is an empty JSON array, and the
# database keeps no strings once it ended.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/lib.sh

NS=ita_$$
MAC=02:00:00:00:00:21
WORK=$(mktemp -d)
export IOTRIM_DB=$WORK/iotrim.db
run_pid=

cleanup() {
	[ -n "$run_pid" ] && kill "$run_pid" 2>/dev/null && wait "$run_pid" 2>/dev/null
	in_netns "$NS" "$IOTRIM" detach --purge >/dev/null 2>&1
	ip netns del "$NS" 2>/dev/null
	rm -rf "$IOTRIM_PIN_DIR" "$WORK" 2>/dev/null
}
trap cleanup EXIT

A=(in_netns "$NS" "$IOTRIM" audit plaintext)
expect_exit "--help warns that it inspects the payload" 0 "WARNING: this inspects the device's unencrypted payload" \
	"$IOTRIM" audit plaintext --help
expect_exit "audit --help lists plaintext" 0 "plaintext" "$IOTRIM" audit --help
expect_exit "--device is required" 2 "needs --device" "$IOTRIM" audit plaintext
expect_exit "a bad MAC" 2 "--device" "$IOTRIM" audit plaintext --device 02:00:00:00:00
expect_exit "--duration 0" 2 "--duration takes 1 to 86400 seconds" "$IOTRIM" audit plaintext --device $MAC --duration 0
expect_exit "a short --serial" 2 "--serial takes 3 to 256 characters" "$IOTRIM" audit plaintext --device $MAC --serial ab
printf 'Alice Smith\n# comment\nab\n' >"$WORK/strings"
expect_exit "a short string names its line" 2 "strings:3: the string is shorter than 3 bytes" \
	"$IOTRIM" audit plaintext --device $MAC --strings "$WORK/strings"
expect_exit "a missing strings file" 2 "cannot read" "$IOTRIM" audit plaintext --device $MAC --strings "$WORK/none"
expect_exit "an unknown subcommand" 2 "" "$IOTRIM" audit bogus

make_veth_netns "$NS"
expect_exit "not attached: exit 8" 8 "attach first" "${A[@]}" --device $MAC --duration 1
expect_exit "attach" 0 "attached to lan0" in_netns "$NS" "$IOTRIM" attach --lan lan0
expect_exit "no controller: exit 1" 1 "no .iotrim run. is collecting" "${A[@]}" --device $MAC --duration 1
tap_check "the refused audit left nothing in the kernel map" \
	test "$(bpftool map dump pinned "$IOTRIM_PIN_DIR/audit_plain" | grep -c expires_ns)" = 0

nsenter --net="/run/netns/$NS" "$IOTRIM" run --lan lan0 --interval 1 >"$WORK/run.log" 2>&1 &
run_pid=$!
for _ in $(seq 100); do grep -q '^collecting' "$WORK/run.log" && break; sleep 0.1; done
printf 'Alice Smith\n' >"$WORK/strings"
"${A[@]}" --device $MAC --duration 3 --strings "$WORK/strings" --serial SN-4711 --json \
	>"$WORK/out.json" 2>"$WORK/err" &
audit_pid=$!
sleep 1.5
tap_check "the device is in the kernel map while the audit runs" \
	bash -c "bpftool map dump pinned '$IOTRIM_PIN_DIR/audit_plain' | grep -q expires_ns"
tap_check "the strings are in the database while it runs" \
	test "$(sqlite3 "$IOTRIM_DB" "SELECT strings FROM plaintext_audits")" = "Alice Smith"
wait "$audit_pid"
audit_rc=$?
tap_check "the audit exits 0 ($(cat "$WORK/err"))" test "$audit_rc" -eq 0
tap_check "--json prints an empty array" test "$(cat "$WORK/out.json")" = "[]"
tap_check "the kernel map is empty after the audit" \
	test "$(bpftool map dump pinned "$IOTRIM_PIN_DIR/audit_plain" | grep -c expires_ns)" = 0
tap_check "the strings and serial are wiped" \
	test "$(sqlite3 "$IOTRIM_DB" "SELECT count(*) FROM plaintext_audits WHERE strings IS NULL AND serial IS NULL")" = 1
expect_exit "the text output says how many findings" 0 "plaintext audit of $MAC: 0 findings in 0 text samples" \
	"${A[@]}" --device $MAC --duration 1
tap_done
