#!/usr/bin/env bash
# Controller command line: argument errors, environment errors, attach and
# detach life cycle on a veth in a throw-away namespace.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/lib.sh

NS=itc_cli_$$
cleanup() {
	in_netns "$NS" "$IOTRIM" detach --purge >/dev/null 2>&1
	ip netns del "$NS" 2>/dev/null
	rm -rf "$IOTRIM_PIN_DIR" 2>/dev/null
}
trap cleanup EXIT
make_veth_netns "$NS"
run() { in_netns "$NS" "$IOTRIM" "$@"; }

# --- usage errors -------------------------------------------------------
expect_exit "no command prints usage, exit 2" 2 "usage: iotrim" "$IOTRIM"
expect_exit "--help exits 0 and documents exit codes" 0 "exit codes" "$IOTRIM" --help
expect_exit "unknown command" 2 "unknown command 'frobnicate'" "$IOTRIM" frobnicate
expect_exit "unknown global option" 2 "unknown option '--bogus'" "$IOTRIM" --bogus
expect_exit "attach without --lan" 2 "attach needs --lan" run attach
expect_exit "attach with a bad mode" 2 "--mode must be native, generic or tc" run attach --lan lan0 --mode turbo
expect_exit "attach with too few flows" 2 "--max-flows must be a number" run attach --lan lan0 --max-flows 5
expect_exit "attach with junk flows" 2 "--max-flows must be a number" run attach --lan lan0 --max-flows 10k
expect_exit "attach with a stray argument" 2 "unexpected argument 'extra'" run attach --lan lan0 extra
expect_exit "flows with a bad MAC" 2 "--device takes a MAC" run flows --device 02:00:00:00:00
expect_exit "flows with a bad sort key" 2 "--sort must be bytes, packets or last" run flows --sort size
expect_exit "attach --help" 0 "usage: iotrim attach" run attach --help
expect_exit "unknown command option" 2 "unknown option '--bogus' \\(see iotrim flows --help\\)" run flows --bogus
expect_exit "option without its value" 2 "option '--device' needs a value" run flows --device
expect_exit "flag given a value" 2 "option '--json' takes no value" run status --json=yes
expect_exit "ambiguous abbreviation" 2 "ambiguous option '--sample'" "$IOTRIM" set --sample 3
expect_exit "unique abbreviation and --opt=value" 2 "--sort must be bytes, packets or last, not 'x'" run flows --so=x
expect_exit "geo without an address prints its usage" 2 "usage: iotrim geo" "$IOTRIM" geo
expect_exit "help names an unknown command" 2 "unknown command 'frobnicate'" "$IOTRIM" help frobnicate
expect_exit "help alone is the top-level usage" 0 "exit codes" "$IOTRIM" help
# Every command has --help and `iotrim help COMMAND`, both on stdout.
for cmd in attach detach flows devices status run destinations export geo set experiment block; do
	expect_exit "$cmd --help" 0 "^usage: iotrim $cmd" "$IOTRIM" $cmd --help
	expect_exit "help $cmd" 0 "^usage: iotrim $cmd" "$IOTRIM" help $cmd
	tap_check "help $cmd prints on stdout" bash -c "'$IOTRIM' help $cmd 2>/dev/null | grep -q '^usage: iotrim $cmd'"
done
for sub in "block add" "block del" "block list" "block import" "experiment run" "experiment list" \
	"experiment show" "experiment resume" "experiment abort" "experiment discover"; do
	expect_exit "$sub --help" 0 "iotrim $sub" "$IOTRIM" $sub --help
	expect_exit "help $sub" 0 "iotrim $sub" "$IOTRIM" help $sub
done

# --- environment errors -------------------------------------------------
expect_exit "no such interface" 5 "no such interface: nosuch0" run attach --lan nosuch0
expect_exit "interface name too long" 2 "interface name too long" run attach --lan aaaaaaaaaaaaaaaaaaaaaaaaa
expect_exit "not root" 3 "needs root" setpriv --reuid=65534 --regid=65534 --clear-groups "$IOTRIM" attach --lan lan0
expect_exit "no kernel BTF" 4 "kernel BTF not found at /nonexistent" env IOTRIM_VMLINUX_BTF=/nonexistent "$IOTRIM" attach --lan lo
expect_exit "pin dir off bpffs" 4 "not on a BPF filesystem" env IOTRIM_PIN_DIR=/tmp/iotrim-not-bpffs "$IOTRIM" attach --lan lo
expect_exit "flows before attach" 8 "run \`iotrim attach --lan IFACE\` first" run flows
expect_exit "status before attach" 8 "iotrim attach" run status
expect_exit "detach when not attached is harmless" 0 "not attached" run detach

# bpffs not mounted: in a private mount namespace without it, attach mounts
# it itself (as bpftool does) and goes on.  The namespace has a PID 1 of its
# own, as a container does, so the pins outlive the command (a mount
# namespace of the command's own is refused: test_pins_cli.sh).
out=$(unshare -m -p -f --mount-proc bash -c "umount -l /sys/fs/bpf 2>/dev/null; umount -l /sys/fs/bpf 2>/dev/null;
	nsenter --net=/run/netns/$NS $IOTRIM attach --lan lan0 &&
	nsenter --net=/run/netns/$NS $IOTRIM detach --purge" 2>&1)
if grep -q "mounted bpffs at /sys/fs/bpf" <<<"$out" && grep -q "attached to lan0" <<<"$out"; then
	tap_ok "attach mounts bpffs when it is missing"
else
	tap_not_ok "attach mounts bpffs when it is missing" "$out"
fi

# --- life cycle -----------------------------------------------------------
expect_exit "attach native" 0 "attached to lan0 \(native mode" run attach --lan lan0 --mode native
expect_exit "second attach refused" 6 "already attached to lan0" run attach --lan lan0
expect_exit "other interface refused while attached" 6 "attached to lan0 already" run attach --lan lo
expect_exit "resize while pinned refused" 6 "holds 65536 flows" run attach --lan lan0 --force --max-flows 4096
expect_exit "status shows the attachment" 0 "attached: +lan0 .*native mode" run status
tap_check "pinned maps are readable with bpftool" \
	bash -c "bpftool map dump pinned $IOTRIM_PIN_DIR/flows >/dev/null && bpftool map dump pinned $IOTRIM_PIN_DIR/counters | grep -q value"

in_netns "$NS" ping -c 3 -i 0.2 -I peer0 192.0.2.1 >/dev/null 2>&1
before=$(run devices --json | jq '[.[].packets_up] | add // 0')
expect_exit "detach keeps counts" 0 "detached from lan0" run detach
tap_check "no XDP program left after detach" bash -c "! ip -n $NS link show lan0 | grep -q xdp"
tap_check "no clsact qdisc left after detach" bash -c "! tc -n $NS qdisc show dev lan0 | grep -q clsact"
expect_exit "attach again" 0 "attached to lan0" run attach --lan lan0
after=$(run devices --json | jq '[.[].packets_up] | add // 0')
tap_check "re-attach reuses the pinned counts ($before packets)" test "$before" -gt 0 -a "$after" -ge "$before"

expect_exit "generic mode on request" 0 "generic mode" run attach --lan lan0 --force --mode generic
tap_check "generic XDP is attached" bash -c "ip -n $NS link show lan0 | grep -q xdpgeneric"
expect_exit "tc mode on request" 0 "tc mode" run attach --lan lan0 --force --mode tc
tap_check "tc mode leaves no XDP program" bash -c "! ip -n $NS link show lan0 | grep -q xdp"
expect_exit "status reports tc mode" 0 "tc mode" run status
expect_exit "detach --purge" 0 "removed pinned maps" run detach --purge
tap_check "purge removes the pin directory" test ! -e "$IOTRIM_PIN_DIR"

# Bridges get TC on both directions without being asked.
ip -n "$NS" link add br0 type bridge
ip -n "$NS" link set br0 up
expect_exit "a bridge is counted with TC" 0 "br0 is a bridge: counting with TC" run attach --lan br0
expect_exit "status shows tc mode on the bridge" 0 "attached: +br0 .*tc mode" run status
tap_check "no XDP program on the bridge" bash -c "! ip -n $NS link show br0 | grep -q xdp"
expect_exit "detach from the bridge" 0 "removed pinned maps" run detach --purge

# A program iotrim did not load is never replaced silently.
# iproute2 keeps state under the bpffs it loads through: give it a private one.
unshare -m sh -c "mount -t bpf bpf /sys/fs/bpf &&
	ip -n $NS link set dev lan0 xdp obj build/selftests/bpf/progs/xdp_pass.bpf.o sec xdp"
expect_exit "foreign XDP program refused" 6 "did not load: use --force" run attach --lan lan0
tap_check "foreign program still attached" bash -c "ip -n $NS -d link show lan0 | grep -q 'name xdp_pass'"
expect_exit "--force replaces it" 0 "attached to lan0" run attach --lan lan0 --force
expect_exit "detach after force" 0 "detached" run detach --purge
tap_check "nothing left on lan0" bash -c "! ip -n $NS link show lan0 | grep -q xdp && ! tc -n $NS qdisc show dev lan0 | grep -q clsact || { ip -n $NS link show lan0; tc -n $NS qdisc show dev lan0; false; }"

tap_done
