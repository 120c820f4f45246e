#!/usr/bin/env bash
# The attribution commands' command lines: usage errors, exit codes, and
# what they do with no state at all.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/lib.sh

WORK=$(mktemp -d)
NS=iotrim-attrcli-$$
cleanup() {
	in_netns "$NS" "$IOTRIM" detach --lan lan0 --purge >/dev/null 2>&1
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK" "$IOTRIM_PIN_DIR"
}
trap cleanup EXIT
export IOTRIM_DB=$WORK/iotrim.db

expect_exit "run needs --lan" 2 "run needs --lan" "$IOTRIM" run
expect_exit "run --interval 0 is refused" 2 "--interval" "$IOTRIM" run --lan lo --interval 0
expect_exit "run --help" 0 "usage: iotrim run" "$IOTRIM" run --help
expect_exit "run --no-attach without pinned maps: not attached" 8 "cannot open the pinned maps" \
	env IOTRIM_PIN_DIR=/sys/fs/bpf/iotrim-none-$$ "$IOTRIM" run --no-attach --db "$WORK/x.db"
expect_exit "destinations --device takes a MAC" 2 "takes a MAC" "$IOTRIM" destinations --device nope
expect_exit "destinations on an empty history" 0 "^0 destinations" \
	"$IOTRIM" destinations --no-live --providers data/providers.conf
expect_exit "destinations --json on an empty history" 0 '^\[\]$' \
	"$IOTRIM" destinations --json --no-live --providers data/providers.conf
expect_exit "export needs --json or --csv" 2 "exactly one of --json and --csv" "$IOTRIM" export
expect_exit "export --out goes with --csv" 2 "--out goes with --csv" "$IOTRIM" export --json --out "$WORK"
expect_exit "export --json on an empty history" 0 '"flows":\[\],"destinations":\[\]' \
	"$IOTRIM" export --json --no-live --providers data/providers.conf
expect_exit "a missing --geoip file is an error" 1 "cannot open the MaxMind database" \
	"$IOTRIM" geo --geoip "$WORK/none.mmdb" 192.0.2.1
expect_exit "geo refuses what is not an address" 2 "not an IP address" "$IOTRIM" geo 300.1.2.3
expect_exit "geo with an override file" 0 $'^192.0.2.1\tZZ\tAS64496\tHome network$' \
	bash -c "printf '192.0.2.0/24 ZZ 64496 Home network\n' >'$WORK/o.conf'; '$IOTRIM' geo --geo-overrides '$WORK/o.conf' 192.0.2.1 2>/dev/null"
expect_exit "a broken device config is reported" 2 "syntax error on line 1" \
	bash -c "echo 'garbage' >'$WORK/d.conf'; '$IOTRIM' destinations --no-live --devices '$WORK/d.conf' --providers data/providers.conf"
# Not installed: the providers list shipped in the source tree is found beside build/iotrim;
# a copy elsewhere says how to name one.
no_list_warning() { ! env -u IOTRIM_PROVIDERS "$IOTRIM" destinations --no-live 2>&1 | grep -q "no providers list"; }
if [ -r /etc/iotrim/providers.conf ] || [ -r /usr/local/share/iotrim/providers.conf ]; then
	tap_skip "the build tree's providers list is found" "a providers list is installed"
	tap_skip "without one, a hint how to name it" "a providers list is installed"
else
	tap_check "the build tree's providers list is found" no_list_warning
	cp "$IOTRIM" "$WORK/iotrim-elsewhere"
	expect_exit "without one, a hint how to name it" 0 "name one with --providers FILE or IOTRIM_PROVIDERS" \
		env -u IOTRIM_PROVIDERS "$WORK/iotrim-elsewhere" destinations --no-live
fi

# --- run on a new machine: no state directory yet ------------------------------
make_veth_netns "$NS"
mode_of() { stat -c %a "$1" 2>/dev/null; }
nothing_attached() {
	! ip -n "$NS" -d link show lan0 | grep -q 'prog/xdp' &&
		[ -z "$(ip netns exec "$NS" tc filter show dev lan0 ingress 2>/dev/null)" ] &&
		[ -z "$(ip netns exec "$NS" tc filter show dev lan0 egress 2>/dev/null)" ]
}
expect_exit "run with a database that cannot be opened fails" 1 "cannot create the directory" \
	in_netns "$NS" "$IOTRIM" run --lan lan0 --duration 1 --db /proc/iotrim/x.db
tap_check "... before it attaches anything" nothing_attached
expect_exit "run from a state directory that does not exist yet" 0 "attached to lan0" \
	in_netns "$NS" "$IOTRIM" run --lan lan0 --duration 1 --db "$WORK/state/iotrim.db"
tap_check "the state directory is created private (0700)" test "$(mode_of "$WORK/state")" = 700
tap_check "the database is private (0600)" test "$(mode_of "$WORK/state/iotrim.db")" = 600
tap_done
