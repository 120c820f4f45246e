#!/usr/bin/env bash
# `iotrim phase`: live marks, a timestamp file imported all or nothing with
# every malformed line named by its number, and the list (text and JSON).
# Database only: no BPF, no namespace.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/lib.sh

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export IOTRIM_DB=$WORK/iotrim.db
A=02:00:00:00:00:21
B=02:00:00:00:00:22

expect_exit "bad MAC is a usage error" 2 "bad device MAC" "$IOTRIM" phase mark nomac setup
expect_exit "unknown phase is a usage error" 2 "unknown phase 'sleep'" "$IOTRIM" phase mark $A sleep
expect_exit "bad --at is a usage error" 2 "bad time" "$IOTRIM" phase mark $A setup --at yesterday
expect_exit "missing phase is a usage error" 2 "usage:" "$IOTRIM" phase mark $A
expect_exit "a live mark" 0 "^$A: setup" "$IOTRIM" phase mark $A setup --at 2026-11-30T10:00:00Z
expect_exit "a second live mark" 0 "^$A: idle" "$IOTRIM" phase mark $A idle --at 2026-11-30T11:00:00+00:30

cat >"$WORK/bad.txt" <<EOT
# operator script, run 1
2026-11-30T09:00:00Z $B setup
2026-11-30T09:10:00Z $B
2026-11-30 09:20 $B idle
2026-11-30T09:30:00Z $B dancing

2026-11-30T09:40:00Z 02:00:00:00:00 idle
EOT
out=$("$IOTRIM" phase import "$WORK/bad.txt" 2>&1)
rc=$?
want=("bad.txt:3:" "bad.txt:4:" "bad.txt:5:" "bad.txt:7:")
ok=1
for w in "${want[@]}"; do grep -qF "$w" <<<"$out" || ok=0; done
grep -qF "bad.txt:2:" <<<"$out" && ok=0
if [ "$rc" -eq 2 ] && [ $ok -eq 1 ] && grep -q "nothing imported" <<<"$out"; then
	tap_ok "import names every malformed line and exits 2"
else
	tap_not_ok "import names every malformed line and exits 2" "exit $rc" "$out"
fi
n=$("$IOTRIM" phase list --device $B --json | jq length)
tap_check "nothing half-imported" test "$n" = 0

printf '2026-11-30T09:00:00Z %s setup\n2026-11-30T09:30:00.5Z %s interaction\n' $B $B >"$WORK/good.txt"
expect_exit "a good file is imported" 0 "2 phase marks imported" "$IOTRIM" phase import "$WORK/good.txt"
"$IOTRIM" phase list --json >"$WORK/list.json"
tap_check "list --json has four intervals" test "$(jq length "$WORK/list.json")" = 4
tap_check "intervals end at the next mark" test \
	"$(jq -r '[.[] | select(.device_mac == "'$A'")][0].until' "$WORK/list.json")" = 2026-11-30T10:30:00.000Z
tap_check "the last interval is open" test \
	"$(jq -r '[.[] | select(.device_mac == "'$B'")][1] | "\(.phase) \(.since) \(.until)"' \
	"$WORK/list.json")" = "interaction 2026-11-30T09:30:00.500Z null"
tap_check "imported marks say their file" grep -q "import:$WORK/good.txt" "$WORK/list.json"
expect_exit "list text" 0 "$B +setup +2026-11-30T09:00:00.000Z" "$IOTRIM" phase list --device $B
tap_done
