#!/usr/bin/env bash
# Where the pins live: a pin directory another user could change is refused
# by every command that opens pins; attach is refused where the pins would
# vanish with the command (`ip netns exec`); pins of an older layout are
# named as such; programs left attached without
# pins are reported by status and removed by detach.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/lib.sh

NS=iotrim-pins-$$
T=$(mktemp -d /tmp/iotrim-pins.XXXXXX)
cleanup() {
	umount "$T/bpf" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$IOTRIM_PIN_DIR" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export IOTRIM_DB=$T/iotrim.db
make_veth_netns "$NS"

# nothing of iotrim's on lan0: no XDP program, no TC filter
nothing_attached() {
	! ip -n "$NS" link show lan0 | grep -q xdp &&
		[ -z "$(tc -n "$NS" filter show dev lan0 egress 2>/dev/null)" ] &&
		[ -z "$(tc -n "$NS" filter show dev lan0 ingress 2>/dev/null)" ]
}

# ---- a pin directory another user made on a bpffs mounted without mode= (1777)
chmod 755 "$T"
mkdir "$T/bpf"
mount -t bpf bpffs "$T/bpf"
setpriv --reuid=65534 --regid=65534 --clear-groups mkdir "$T/bpf/iotrim"
on_hostile() { IOTRIM_PIN_DIR=$T/bpf/iotrim in_netns "$NS" "$IOTRIM" "$@"; }
expect_exit "attach refuses a pin directory owned by another user" 4 \
	"refusing to use the pin directory $T/bpf/iotrim: it is owned by uid 65534, not root" \
	on_hostile attach --lan lan0
tap_check "... writes no map into it" test -z "$(ls -A "$T/bpf/iotrim")"
tap_check "... and attaches nothing" nothing_attached
expect_exit "status refuses it too" 4 "owned by uid 65534" on_hostile status
expect_exit "block add refuses it (not 'not attached')" 4 "owned by uid 65534" \
	on_hostile block add --device 02:00:00:00:00:21 203.0.113.10
expect_exit "detach refuses it" 4 "owned by uid 65534" on_hostile detach
mkdir -m 0755 "$T/bpf/open"
expect_exit "a pin directory of mode 0755 is refused" 4 "its mode is 0755, not 0700" \
	env IOTRIM_PIN_DIR="$T/bpf/open" "$IOTRIM" status
ln -s "$T/bpf/open" "$T/bpf/link"
expect_exit "a pin directory that is a symlink is refused" 4 "it is a symbolic link" \
	env IOTRIM_PIN_DIR="$T/bpf/link" "$IOTRIM" status
# root's own 0700 directory on the same sticky 1777 bpffs is fine
on_good() { IOTRIM_PIN_DIR=$T/bpf/good in_netns "$NS" "$IOTRIM" "$@"; }
expect_exit "attach creates root's 0700 pin directory on a 1777 bpffs" 0 "attached to lan0" \
	on_good attach --lan lan0
tap_check "... of mode 0700" test "$(stat -c '%a %u' "$T/bpf/good")" = "700 0"
expect_exit "... and detach --purge removes it" 0 "removed pinned maps" on_good detach --purge
umount "$T/bpf"

# ---- ip netns exec: the pins would vanish with the command
expect_exit "attach under ip netns exec is refused with the nsenter hint" 4 \
	"nsenter --net=/run/netns/$NS iotrim" ip netns exec "$NS" "$IOTRIM" attach --lan lan0
tap_check "... and leaves nothing attached" nothing_attached

# ---- pins of an older build, whose devices map was a per-CPU hash by MAC
in_netns "$NS" "$IOTRIM" attach --lan lan0 >/dev/null 2>&1
in_netns "$NS" "$IOTRIM" detach >/dev/null 2>&1
rm -f "$IOTRIM_PIN_DIR/devices" "$IOTRIM_PIN_DIR/device_slots" "$IOTRIM_PIN_DIR/device_owners"
bpftool map create "$IOTRIM_PIN_DIR/devices" type percpu_hash key 8 value 200 entries 4096 name devices
expect_exit "devices on the older pins says they are of another build" 6 \
	"do not match this build of iotrim: run .iotrim detach --purge." in_netns "$NS" "$IOTRIM" devices
expect_exit "so does attach" 6 "do not match this build" in_netns "$NS" "$IOTRIM" attach --lan lan0
tap_check "... which attaches nothing" nothing_attached
expect_exit "detach --purge removes them" 0 "removed pinned maps" in_netns "$NS" "$IOTRIM" detach --purge

# ---- programs left attached without pins (their pin directory removed by hand)
in_netns "$NS" "$IOTRIM" attach --lan lan0 >/dev/null 2>&1
rm -rf "$IOTRIM_PIN_DIR"
expect_exit "status reports iotrim programs attached without pins" 8 \
	"attached to lan0 without pinned maps" in_netns "$NS" "$IOTRIM" status
expect_exit "detach finds and removes them" 0 "detached from lan0" \
	in_netns "$NS" "$IOTRIM" detach
tap_check "... nothing is left attached" nothing_attached
expect_exit "a second detach has nothing to do" 0 "not attached: nothing to detach" \
	in_netns "$NS" "$IOTRIM" detach

tap_done
