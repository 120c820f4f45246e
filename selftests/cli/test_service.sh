#!/usr/bin/env bash
# Service files (scripts/service/): `make install` honours DESTDIR and
# installs the systemd unit and the example config; the unit passes
# `systemd-analyze verify` (offline: installed under a scratch prefix so that
# its ExecStart exists, with the man page found there) and `systemd-analyze
# security --offline` rates it OK; a misspelt directive makes verify
# complain (the check can fail); the OpenWrt init script is valid sh.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/lib.sh

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if ! command -v systemd-analyze >/dev/null; then
	tap_skip "systemd unit" "no systemd-analyze"
	tap_done
	exit
fi

make -s install DESTDIR="$WORK/dest" >"$WORK/install.log" 2>&1
rc=$?
unit=$WORK/dest/usr/local/lib/systemd/system/iotrim.service
tap_check "make install DESTDIR=... succeeds ($rc)" test "$rc" -eq 0
tap_check "everything lands under DESTDIR" test -x "$WORK/dest/usr/local/sbin/iotrim" \
	-a -f "$unit" -a -f "$WORK/dest/etc/iotrim/iotrim.conf.example"
tap_check "the unit runs the installed binary with no flags" \
	grep -qx 'ExecStart=/usr/local/sbin/iotrim run' "$unit"
tap_check "capabilities: exactly BPF, PERFMON, NET_ADMIN, SYS_ADMIN" \
	grep -qx 'CapabilityBoundingSet=CAP_BPF CAP_PERFMON CAP_NET_ADMIN CAP_SYS_ADMIN' "$unit"
expect_exit "the installed example config is valid" 0 "ok" \
	"$WORK/dest/usr/local/sbin/iotrim" config check "$WORK/dest/etc/iotrim/iotrim.conf.example"

# Verify needs ExecStart to exist: a second install whose prefix is real.
make -s install PREFIX="$WORK/usr" SYSCONFDIR="$WORK/etc" >>"$WORK/install.log" 2>&1
unit=$WORK/usr/lib/systemd/system/iotrim.service
verify() { MANPATH=$WORK/usr/share/man systemd-analyze verify "$1" 2>&1; }
out=$(verify "$unit")
rc=$?
if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
	tap_ok "systemd-analyze verify: no error, no warning"
else
	tap_not_ok "systemd-analyze verify: no error, no warning" "exit $rc" "$out"
fi
sed 's/^ProtectSystem=strict/ProtectSystm=strict/' "$unit" >"$WORK/iotrim-typo.service"
tap_check "verify complains about a misspelt directive" \
	bash -c "MANPATH='$WORK/usr/share/man' systemd-analyze verify '$WORK/iotrim-typo.service' 2>&1 | grep -q \"Unknown key 'ProtectSystm'\""
level=$(systemd-analyze security --offline=yes "$unit" 2>/dev/null |
	sed -n 's/.*Overall exposure level for iotrim.service: \([0-9.]*\).*/\1/p')
echo "# systemd-analyze security exposure: $level"
tap_check "security exposure is at most 4.0 (OK or better): $level" \
	awk -v l="$level" 'BEGIN { exit !(l != "" && l <= 4.0) }'
tap_check "the OpenWrt init script is valid sh" sh -n scripts/service/openwrt/iotrim.init
tap_done
