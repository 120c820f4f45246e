#!/usr/bin/env bash
# `iotrim block` on a veth pair between two throw-away namespaces (a gateway
# with lan0 and a device with eth0): bad input, duplicates, unknown devices,
# rules taking effect at once, hit counters, bpftool visibility, leases
# ended by the kernel programs alone, persistence across detach/attach and
# a purge, import, and --mode tc.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/lib.sh

GW=itb_gw_$$
DEV=itb_dev_$$
DEV_MAC=02:00:00:00:00:21
WORK=$(mktemp -d)
export IOTRIM_DB=$WORK/iotrim.db

cleanup() {
	in_netns "$GW" "$IOTRIM" detach --purge >/dev/null 2>&1
	ip netns del "$GW" 2>/dev/null
	ip netns del "$DEV" 2>/dev/null
	rm -rf "$IOTRIM_PIN_DIR" "$WORK" 2>/dev/null
}
trap cleanup EXIT

ip netns add "$GW"
ip netns add "$DEV"
ip -n "$GW" link add lan0 type veth peer name eth0 netns "$DEV"
ip -n "$DEV" link set eth0 address $DEV_MAC
ip -n "$GW" addr add 192.0.2.1/24 dev lan0
ip -n "$DEV" addr add 192.0.2.21/24 dev eth0
ip -n "$GW" addr add 203.0.113.10/32 dev lo
ip -n "$GW" addr add 203.0.113.11/32 dev lo
for ns in "$GW" "$DEV"; do ip -n "$ns" link set lo up; done
ip -n "$GW" link set lan0 up
ip -n "$DEV" link set eth0 up
ip -n "$DEV" route add 203.0.113.0/24 via 192.0.2.1

gw() { in_netns "$GW" "$IOTRIM" "$@"; }
# pings N: how many of N echo requests from the device to DST were answered
pings() { in_netns "$DEV" ping -n -c "$1" -i 0.2 -W 1 "$2" 2>/dev/null | awk '/received/ { print $4 }'; }
reaches() { [ "$(pings 1 "$1")" = 1 ]; }
blocked() { [ "$(pings 1 "$1")" = 0 ]; }
hits() {	# hits ID packets|bytes
	gw block list --json | jq ".[] | select(.id == $1) | .$2"
}
deny_ip_empty() { ! bpftool map dump pinned "$IOTRIM_PIN_DIR/deny_ip" -j | jq -e 'length > 0' >/dev/null; }
list_lacks() { ! gw block list | grep -q " $1 "; }
both_blocked() { blocked 203.0.113.10 && blocked 203.0.113.11; }
map_has_rule() {	# map_has_rule ID: the pinned deny_ip map holds rule ID
	bpftool map dump pinned "$IOTRIM_PIN_DIR/deny_ip" -j | jq -e "[.[].formatted.value.rules[] | select(.id == $1)] | length > 0" >/dev/null
}

# --- bad input (no attachment needed) ----------------------------------------
long_name=xy.$(printf 'a%.0s' {1..60}).$(printf 'b%.0s' {1..60}).$(printf 'c%.0s' {1..60}).$(printf 'd%.0s' {1..60}).example
expect_exit "host bits set in a prefix" 2 "did you mean 203.0.113.0/24" gw block add 203.0.113.5/24
expect_exit "IPv4 prefix length over 32" 2 "prefix length '33'" gw block add 203.0.113.0/33
expect_exit "IPv6 prefix length over 128" 2 "prefix length '129'" gw block add 2001:db8::/129
expect_exit "IPv6 prefix with host bits" 2 "did you mean 2001:db8::/32" gw block add 2001:db8:1::/32
expect_exit "invalid IPv4 address" 2 "not a valid IPv4 address: 203.0.113.300" gw block add 203.0.113.300
expect_exit "invalid IPv6 address" 2 "not a valid IPv6 address" gw block add 2001:db8::zz
expect_exit "name over 253 characters" 2 "name is 254 characters long: a DNS name has at most 253" gw block add "$long_name"
expect_exit "label over 63 characters" 2 "a DNS label has at most 63" gw block add "$(printf 'a%.0s' {1..64}).example"
expect_exit "empty label" 2 "empty label" gw block add "api..example"
expect_exit "wildcards refused with a hint" 2 "use ntp.org" gw block add '*.ntp.org'
expect_exit "bad character" 2 "invalid character '!'" gw block add 'ap!.example'
expect_exit "--port without a protocol" 2 "--port needs --proto tcp or udp" gw block add --port 80 203.0.113.10
expect_exit "--port with icmp" 2 "--port needs --proto tcp or udp" gw block add --proto icmp --port 1 203.0.113.10
expect_exit "ports on a name rule" 2 "apply to IP and prefix rules" gw block add --proto tcp ntp.org
expect_exit "bad action" 2 "--action must be drop or reject" gw block add --action smash 203.0.113.10
expect_exit "bad lease" 2 "--lease must be a number" gw block add --lease 0 203.0.113.10
expect_exit "bad device" 2 "--device takes a MAC" gw block add --device 02:00:00 203.0.113.10
expect_exit "no target" 2 "needs a TARGET" gw block add
expect_exit "del without an id" 2 "takes one rule ID" gw block del
expect_exit "del with junk" 2 "not a rule ID" gw block del 12x
expect_exit "unknown subcommand" 2 "unknown block command 'zap'" gw block zap
expect_exit "block --help" 0 "usage: iotrim block add" gw block --help
expect_exit "not root" 3 "needs root" setpriv --reuid=65534 --regid=65534 --clear-groups "$IOTRIM" block list

# --- rules take effect at once ------------------------------------------------------
expect_exit "attach" 0 "attached to lan0" gw attach --lan lan0 --mode native
path=$(gw status --json | jq -r '.mode + " " + .reject_path')
tap_check "status --json: the reject path of XDP on a veth ($path)" grep -qxE "native xdp_pass_tc_redirect|generic xdp_tx_generic" <<<"$path"
tap_check "the device reaches 203.0.113.10 before any rule" reaches 203.0.113.10
# A device iotrim has not seen yet is pre-blocked (before its first power-on) with a warning.
out=$(gw block add --device 02:00:00:00:00:99 203.0.113.10 2>&1)
rc=$?
tap_check "unknown device accepted (exit $rc)" test "$rc" = 0
tap_check "with a warning that names it" grep -q "has not seen device 02:00:00:00:00:99 yet" <<<"$out"
early=$(sed -n 's/^rule \([0-9]*\):.*/\1/p' <<<"$out")
tap_check "its rule is in the pinned deny_ip map" map_has_rule "$early"
expect_exit "and can be removed" 0 "removed rule $early" gw block del "$early"
out=$(gw block add --device $DEV_MAC 203.0.113.10 2>&1)
id=$(sed -n 's/^rule \([0-9]*\):.*/\1/p' <<<"$out")
tap_check "block add prints the rule id ($out)" test -n "$id"
tap_check "the device is blocked at once" blocked 203.0.113.10
tap_check "another address still works" reaches 203.0.113.11
n=$(pings 4 203.0.113.10)
tap_check "4 more pings all dropped ($n answered)" test "$n" = 0
tap_check "hit counter = packets the device sent (5)" test "$(hits "$id" packets)" = 5
tap_check "hit bytes = 5 x 84 layer-3 bytes" test "$(hits "$id" bytes)" = 420
tap_check "the rule is in the pinned deny_ip map (bpftool)" map_has_rule "$id"
tap_check "its hit counter is in the pinned deny_hits map (bpftool)" \
	bash -c "bpftool map dump pinned $IOTRIM_PIN_DIR/deny_hits -j | jq -e '[.[] | select(.formatted.key == $id)] | length == 1' >/dev/null"
expect_exit "the same rule twice is refused" 6 "rule $id already blocks 203.0.113.10" gw block add --device $DEV_MAC 203.0.113.10
expect_exit "a /32 prefix is the same rule" 6 "rule $id already blocks" gw block add --device $DEV_MAC 203.0.113.10/32
expect_exit "list shows it" 0 "203.0.113.10 +any +any +drop" gw block list
expect_exit "del" 0 "removed rule $id" gw block del "$id"
tap_check "the device reaches it again" reaches 203.0.113.10
tap_check "the map entry is gone" deny_ip_empty

# A /32 inside a /24 of the same device: removing the /24 must leave the /32
# in force (the LPM lookup of the /32 finds the /24 too; the per-device
# filter count must not take that for the /32's own entry).
rule_id() { sed -n 's/^rule \([0-9]*\):.*/\1/p'; }
wide=$(gw block add --device $DEV_MAC 203.0.113.0/24 2>&1 | rule_id)
narrow=$(gw block add --device $DEV_MAC 203.0.113.10/32 2>&1 | rule_id)
expect_exit "del the covering /24" 0 "removed rule $wide" gw block del "$wide"
tap_check "the /32 inside it still blocks" blocked 203.0.113.10
tap_check "and only it" reaches 203.0.113.11
expect_exit "del the /32" 0 "removed rule $narrow" gw block del "$narrow"
tap_check "nothing left in deny_ip" deny_ip_empty
expect_exit "del of a removed rule" 2 "no block rule $id" gw block del "$id"

# Rules for all devices, protocols, prefixes, ICMP reject.
out=$(gw block add 203.0.113.0/24 --proto icmp --action reject 2>&1)
icmp_id=$(sed -n 's/^rule \([0-9]*\):.*/\1/p' <<<"$out")
tap_check "prefix rule for all devices, ICMP only ($out)" grep -q "203.0.113.0/24 icmp for all devices (reject)" <<<"$out"
tap_check "ping to the prefix blocked" blocked 203.0.113.11
expect_exit "icmpv6 spells the same rule" 6 "rule $icmp_id already blocks" gw block add 203.0.113.0/24 --proto icmpv6 --action reject
echo "all prefix 203.0.113.0/24 icmpv6 reject" >"$WORK/icmpv6"
expect_exit "and so does a blocklist line" 0 "imported 0 rules .* \(1 already there\)" gw block import "$WORK/icmpv6"
expect_exit "del it" 0 "removed rule $icmp_id" gw block del "$icmp_id"

# --- leases end in the kernel, with no iotrim process ---------------------------------
lease_out=$(gw block add --device $DEV_MAC 203.0.113.10 --lease 2 2>&1)
lease_id=$(sed -n 's/^rule \([0-9]*\):.*/\1/p' <<<"$lease_out")
tap_check "a leased rule blocks ($lease_out)" blocked 203.0.113.10
# (No controller was started by this test: nothing in user space removes it.)
sleep 2.1
tap_check "2 s later the next packet passes" reaches 203.0.113.10
tap_check "the expired rule was still in the map: the program ignored it" map_has_rule "$lease_id"
tap_check "list removes expired rules lazily" list_lacks 203.0.113.10
tap_check "and their map entries" deny_ip_empty

# --- persistence --------------------------------------------------------------------
pid=$(gw block add --device $DEV_MAC 203.0.113.11 | sed -n 's/^rule \([0-9]*\):.*/\1/p')
gw detach >/dev/null
gw attach --lan lan0 --mode native >/dev/null
tap_check "a rule survives detach + attach" blocked 203.0.113.11
gw detach --purge >/dev/null
tap_check "purge removed the maps" test ! -e "$IOTRIM_PIN_DIR/deny_ip"
expect_exit "add while not attached goes to the database" 0 "applies from the next .iotrim attach" gw block add --device $DEV_MAC 203.0.113.10 --action reject
expect_exit "attach again" 0 "attached to lan0" gw attach --lan lan0 --mode native
tap_check "attach re-applied the stored rules (rule $pid)" map_has_rule "$pid"
tap_check "both addresses blocked again" both_blocked
tap_check "list shows two rules" test "$(gw block list --json | jq length)" = 2

# --- import (the experiment blocklists' format) ------------------------------------------
cat >"$WORK/blocklist" <<EOF
# iotrim blocklist
$DEV_MAC ip 203.0.113.11 drop
$DEV_MAC name time.example reject
$DEV_MAC ip 203.0.113.10 tcp 443 reject   # comment
all prefix 198.51.100.0/24 drop
EOF
expect_exit "import" 0 "imported 3 rules .* \(1 already there\)" gw block import "$WORK/blocklist"
echo "$DEV_MAC ip 203.0.113.10 tcp 99999 drop" >"$WORK/bad"
expect_exit "import reports the bad line" 2 "bad:1: PORT must be" gw block import "$WORK/bad"
tap_check "imported rules listed with owner import" test "$(gw block list --json | jq '[.[] | select(.owner == "import")] | length')" = 3
tap_check "list --json: a name rule lists the addresses it bound (none: imported)" \
	test "$(gw block list --json | jq -c '[.[] | select(.kind == "name")][0].bound')" = "[]"
tap_check "list --json: IP rules have their hits and no bound list" \
	test "$(gw block list --json | jq '[.[] | select(.kind != "name") | has("packets") and has("bytes") and (has("bound") | not)] | all')" = true

# --- CNAME chains: what TC egress records in deny_cname, as block list shows it -------------
hex_le() { printf '%02x %02x %02x %02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
wire_hex() {	# NAME [LABEL-LENGTH-OVERRIDE]: 256 bytes of wire format, hex
	local out="" label n=0
	for label in ${1//./ }; do
		out+=" $(printf '%02x' "${2:-${#label}}")$(printf '%s' "$label" | od -An -tx1 | tr -s ' \n' ' ')"
		n=$((n + 1 + ${#label}))
	done
	for ((; n < 256; n++)); do out+=" 00"; done
	echo "$out"
}
put_chain() {	# RULE-ID QHASH-BYTE Q TARGET [BAD-LABEL-LENGTH]
	local key value
	key="$(hex_le "$1") ${DEV_MAC//:/ } 00 00 00 00 00 00 $2 00 00 00 00 00 00 00"
	value="00 00 00 00 00 00 00 00 $(hex_le 3) 01 00 00 00 $(wire_hex "$3") $(wire_hex "$4" "${5:-}")"
	for _ in 1 2; do value+=" $(wire_hex x)"; done
	# shellcheck disable=SC2086 # hex bytes as words
	bpftool map update pinned "$IOTRIM_PIN_DIR/deny_cname" key hex $key value hex $value
}
name_id=$(gw block list --json | jq '[.[] | select(.kind == "name")][0].id')
tap_check "a chain written to deny_cname (bpftool)" put_chain "$name_id" 01 alias.other.example time.example
tap_check "and a malformed one (a label of 64)" put_chain "$name_id" 02 bad.other.example time.example 64
chains=$(gw block list --json | jq -c "[.[] | select(.id == $name_id) | .cname_chains[] | [.device, (.chain | join(\" -> \")), .hops, .answers]]")
tap_check "list --json: the chain, once ($chains)" \
	test "$chains" = "[[\"$DEV_MAC\",\"alias.other.example -> time.example\",1,3]]"
tap_check "list: the chain under its name rule" \
	grep -qF "CNAME chain: alias.other.example -> time.example (3 answers)" <<<"$(gw block list)"
expect_exit "del the name rule" 0 "removed rule $name_id" gw block del "$name_id"
tap_check "its chains left deny_cname with it" \
	bash -c "bpftool map dump pinned $IOTRIM_PIN_DIR/deny_cname -j | jq -e 'length == 0' >/dev/null"

# --- --mode tc: rules apply in TC ingress ---------------------------------------------------
expect_exit "attach in tc mode" 0 "tc mode" gw attach --lan lan0 --mode tc --force
tap_check "status --json: the reject path is tc_redirect" test "$(gw status --json | jq -r .reject_path)" = tc_redirect
tap_check "status says so" grep -q "^reject: *tc_redirect" <<<"$(gw status)"
tap_check "blocked in tc mode too" blocked 203.0.113.11
expect_exit "detach --purge" 0 "removed pinned maps" gw detach --purge

tap_done
