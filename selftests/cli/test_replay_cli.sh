#!/usr/bin/env bash
# `iotrim replay` on captures written by gen_pcap: per-flow packets and L3
# bytes equal tshark's (the e2e witness), names equal tshark's DNS answers
# and SNI, capture times in the history, link types, several files, which
# side is the device, and a matrix of malformed files.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/lib.sh

GEN=${GEN:-$PWD/build/selftests/lib/gen_pcap}
WITNESS=$PWD/selftests/e2e/witness/flows_from_pcap.sh
GW=02:00:00:00:00:01
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP replay loads BPF programs: needs root"
	exit 0
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export IOTRIM_DB=$WORK/default.db
cd "$WORK" || exit 1
for l in eth sll sll2 raw; do "$GEN" mixed "m_$l.pcap" "$l" || exit 1; done

# Replay JSON as witness lines: MAC DEVICE_IP REMOTE_IP PROTO PORT up|down PACKETS BYTES.
flows_of() {
	jq -r '.[] | . as $f | ({"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}[$f.proto] // ($f.proto | tonumber)) as $p
		| (if .packets_up > 0 then "\(.device_mac) \(.device_ip) \(.remote_ip) \($p) \(.remote_port) up \(.packets_up) \(.bytes_up)" else empty end),
		  (if .packets_down > 0 then "\(.device_mac) \(.device_ip) \(.remote_ip) \($p) \(.remote_port) down \(.packets_down) \(.bytes_down)" else empty end)' "$1" | sort
}

witness() {	# witness FILE: tshark alone, split by the gateway's MAC
	tshark -r "$1" -Y "!(eth.src == $GW)" -w "$WORK/in.pcap" 2>/dev/null
	tshark -r "$1" -Y "eth.src == $GW" -w "$WORK/out.pcap" 2>/dev/null
	"$WITNESS" "$WORK/in.pcap" "$WORK/out.pcap" | sort
}

same() {	# same NAME FILE_A FILE_B
	if diff -u "$2" "$3" >"$WORK/diff"; then tap_ok "$1"; else tap_not_ok "$1" "$(cat "$WORK/diff")"; fi
}

# --- counts, names and times on an Ethernet capture with VLAN and fragments
"$IOTRIM" replay m_eth.pcap --db eth.db --json >eth.json 2>eth.err
tap_check "replay of an Ethernet capture exits 0" test $? -eq 0
tap_check "the inferred gateway is said" grep -q "gateway $GW inferred: it sent 3 DNS answers" eth.err
flows_of eth.json >eth.flows
witness m_eth.pcap >eth.witness
tap_check "the witness sees IPv4, IPv6, VLAN and fragments" \
	bash -c "grep -q ' 2001:db8:100::10 17 0 up ' eth.witness && grep -q '02:00:00:00:00:22 192.168.1.22 ' eth.witness && grep -q ' 203.0.113.20 17 0 up ' eth.witness"
same "per-flow packets and L3 bytes equal tshark's" eth.witness eth.flows

"$IOTRIM" export --json --no-live --db eth.db >eth.export 2>/dev/null
tshark -r m_eth.pcap -Y "dns.flags.response == 1" -T fields -E separator=' ' -E occurrence=a \
	-E aggregator=' ' -e dns.qry.name -e dns.a -e dns.aaaa 2>/dev/null |
	awk '{ for (i = 2; i <= NF; i++) print $1, $i }' | sort -u >names.witness
tshark -r m_eth.pcap -Y "tls.handshake.extensions_server_name" -T fields -E separator=' ' \
	-e tls.handshake.extensions_server_name -e ip.dst -e ipv6.dst 2>/dev/null |
	awk '{ print $1, $2 }' | sort -u >sni.witness
jq -r '.names[] | select(.source == "dns") | "\(.name) \(.ip)"' eth.export | sort -u >names.replay
jq -r '.names[] | select(.source == "sni") | "\(.name) \(.ip)"' eth.export | sort -u >sni.replay
same "names equal tshark's DNS answers" names.witness names.replay
same "SNI names equal tshark's ClientHello SNI" sni.witness sni.replay

first_ms=$(tshark -r m_eth.pcap -Y "tls.handshake.type == 1" -T fields -e frame.time_epoch 2>/dev/null |
	awk '{ printf "%.0f\n", $1 * 1000 }')
got_ms=$(jq -r '.flows[] | select(.remote_ip == "203.0.113.10" and .proto == "tcp") | .first_seen' eth.export |
	xargs -I{} date -u -d {} +%s%3N)
tap_check "history rows carry capture time ($first_ms = $got_ms)" test "$first_ms" = "$got_ms"
tap_check "the TLS flow is named from DNS in the history" \
	bash -c "jq -e '.flows[] | select(.remote_ip == \"203.0.113.10\" and .proto == \"tcp\" and .name == \"api.vendor.example\")' eth.export >/dev/null"
"$IOTRIM" destinations --db eth.db --no-live --providers /dev/null >dest.txt 2>/dev/null
tap_check "destinations --db reads the replay" grep -q "api.vendor.example:443" dest.txt

# --- which side is the device
"$IOTRIM" replay m_eth.pcap --db gw.db --lan-mac $GW --json 2>/dev/null | flows_of /dev/stdin >gw.flows
same "--lan-mac gives what inference gives" eth.flows gw.flows
"$IOTRIM" replay m_eth.pcap --db dev.db --devices 02:00:00:00:00:21 --json 2>/dev/null | flows_of /dev/stdin >dev.flows
grep '^02:00:00:00:00:21 ' eth.flows >dev.want
same "--devices keeps only the listed devices" dev.want dev.flows
expect_exit "--lan-mac and --devices together are refused" 2 "not both" \
	"$IOTRIM" replay m_eth.pcap --lan-mac $GW --devices $GW
expect_exit "replay needs a file" 2 "needs a capture FILE" "$IOTRIM" replay

# --- --phases: a mark in the middle of the TLS client's frames splits its
# bytes exactly where tshark splits the capture at the same time.
hello_mac=$(tshark -r m_eth.pcap -Y "tls.handshake.type == 1" -T fields -e eth.src 2>/dev/null | head -1)
mark_ms=$(tshark -r m_eth.pcap -Y "eth.addr == $hello_mac" -T fields -e frame.time_epoch 2>/dev/null |
	awk '{ t[NR] = $1 } END { printf "%.0f", int(t[int(NR / 2) + 1] * 1000) }')
iso() { date -u -d "@$(awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }')" +%Y-%m-%dT%H:%M:%S.%3NZ; }
{
	echo "# the device's life in the capture"
	echo "$(iso $((mark_ms - 3600000))) $hello_mac setup"
	echo "$(iso "$mark_ms") $hello_mac interaction"
} >marks.txt
"$IOTRIM" replay m_eth.pcap --db phases.db --phases marks.txt --json >/dev/null 2>phases.err
tap_check "replay --phases exits 0" test $? -eq 0
"$IOTRIM" phase list --db phases.db --json >phases.json 2>/dev/null
split_at=$(awk -v ms="$mark_ms" 'BEGIN { printf "%.3f", ms / 1000 }')
tshark -r m_eth.pcap -Y "frame.time_epoch < $split_at" -w before.pcap 2>/dev/null
tshark -r m_eth.pcap -Y "frame.time_epoch >= $split_at" -w after.pcap 2>/dev/null
phase_witness() {	# FILE: "BYTES_UP BYTES_DOWN" of $hello_mac, by tshark
	witness "$1" | awk -v mac="$hello_mac" '$1 == mac { b[$6] += $8 }
		END { printf "%d %d\n", b["up"], b["down"] }'
}
phase_bytes() {	# PHASE: "BYTES_UP BYTES_DOWN" of that interval
	jq -r --arg p "$1" '.[] | select(.phase == $p) | "\(.bytes_up) \(.bytes_down)"' phases.json
}
want_setup=$(phase_witness before.pcap) want_inter=$(phase_witness after.pcap)
got_setup=$(phase_bytes setup) got_inter=$(phase_bytes interaction)
tap_check "setup bytes before the mark equal tshark's ($got_setup = $want_setup)" \
	test "$got_setup" = "$want_setup"
tap_check "interaction bytes from the mark on equal tshark's ($got_inter = $want_inter)" \
	test "$got_inter" = "$want_inter"
tap_check "both phases carry bytes" test "${want_setup% *}" -gt 0 -a "${want_inter% *}" -gt 0
tap_check "the marks are stored as imported" \
	bash -c "jq -e 'length == 2 and all(.[]; .source == \"import:marks.txt\")' phases.json >/dev/null"
printf 'yesterday 02:00:00:00:00:21 setup\n' >bad_marks.txt
expect_exit "a bad phase file is refused before the replay" 2 "bad_marks.txt:1" \
	"$IOTRIM" replay m_eth.pcap --db bad.db --phases bad_marks.txt
tap_check "... and creates no database" test ! -e bad.db
expect_exit "replay --help" 0 "usage: iotrim replay" "$IOTRIM" replay --help

# --- several files into one database, in time order
editcap -c 30 m_eth.pcap part.pcap >/dev/null 2>&1
parts=(part_*.pcap)
"$IOTRIM" replay "${parts[1]}" "${parts[0]}" --db parts.db --json 2>/dev/null | flows_of /dev/stdin >parts.flows
same "two files (given out of order) count as the whole" eth.flows parts.flows
"$IOTRIM" export --json --no-live --db parts.db 2>/dev/null | jq -S '.flows' >parts.hist
jq -S '.flows' eth.export >eth.hist
same "and leave the same history" eth.hist parts.hist

# --- link types: the same traffic counts the same (devices' MACs are derived in cooked and raw)
strip() { awk '$3 !~ /^192\.168\.1\./ { $1 = ""; print }' "$1" | sort; }
strip eth.flows >eth.nomac
for l in sll sll2 raw; do
	"$IOTRIM" replay "m_$l.pcap" --db "$l.db" --json >"$l.json" 2>/dev/null
	flows_of "$l.json" >"$l.flows"
	strip "$l.flows" >"$l.nomac"
	same "$l: the same per-flow counts as Ethernet" eth.nomac "$l.nomac"
	classes() { jq -S '[.[] | select(.remote_ip | startswith("192.168.1.") | not) | {remote_ip, proto, remote_port, payload_up, payload_down}] | sort_by(.remote_ip, .proto, .remote_port)' "$1"; }
	classes eth.json >eth.classes
	classes "$l.json" >"$l.classes"
	same "$l: the same payload classes as Ethernet" eth.classes "$l.classes"
done
tap_check "pcapng reads as pcap" bash -c "editcap -F pcapng m_eth.pcap m.pcapng 2>/dev/null && '$IOTRIM' replay m.pcapng --db ng.db --json 2>/dev/null | jq -c . >ng.json && [ \"\$(jq -r 'length' ng.json)\" = \"\$(jq -r length eth.json)\" ]"

# --- malformed files: a message per problem, a summary, never a crash, earlier frames kept
size=$(stat -c %s m_eth.pcap)
head -c $((size - 30)) m_eth.pcap >trunc.pcap
expect_exit "truncated file: said, and the frames before it replayed" 0 \
	"the file is truncated after 57 frames" "$IOTRIM" replay trunc.pcap --db t.db
expect_exit "truncated file: counted in the summary" 0 "truncated file: 1" \
	"$IOTRIM" replay trunc.pcap --db t2.db
head -c 4000 /dev/urandom >garbage.pcap
expect_exit "garbage: not a capture" 1 "garbage.pcap: cannot read it as a capture" \
	"$IOTRIM" replay garbage.pcap --db g.db
: >empty.pcap
expect_exit "empty file: not a capture" 1 "empty.pcap: cannot read it as a capture" \
	"$IOTRIM" replay empty.pcap --db e.db
expect_exit "missing file" 1 "none.pcap: cannot read it as a capture" \
	"$IOTRIM" replay none.pcap --db n.db
cp m_eth.pcap wifi.pcap
printf '\x69\x00\x00\x00' | dd of=wifi.pcap bs=1 seek=20 conv=notrunc 2>/dev/null
expect_exit "unknown link type: said and skipped" 1 "link type 105 .* is not one iotrim reads" \
	"$IOTRIM" replay wifi.pcap --db w.db --lan-mac $GW
cp m_eth.pcap corrupt.pcap
printf '\x00\x00\x00\x7f' | dd of=corrupt.pcap bs=1 seek=$((24 + 16 + 42 + 8)) conv=notrunc 2>/dev/null
expect_exit "corrupt record: said, the frame before it kept" 0 "corrupt record after 1 frames" \
	"$IOTRIM" replay corrupt.pcap --db c.db --lan-mac $GW
expect_exit "a bad file beside a good one: the good one counts" 0 "replayed 58 frames .* of 1 file" \
	"$IOTRIM" replay garbage.pcap m_eth.pcap --db gg.db
editcap -s 64 m_eth.pcap snap64.pcap 2>/dev/null
"$IOTRIM" replay snap64.pcap --db s.db --lan-mac $GW --json >snap.json 2>snap.err
tap_check "snap length 64: replayed, said once, counted" bash -c "grep -q 'frame 1 is cut by the snap length (42 of 64 bytes)' snap.err || grep -q 'is cut by the snap length' snap.err && grep -q 'frame cut by the snap length (payload ignored): 54' snap.err"
# IPv4 headers fit in 64 bytes; IPv6 TCP headers do not (the programs count those as bad_tcp_data_offset).
flows_of snap.json | grep -v ' fd00:' >snap.flows
witness snap64.pcap | grep -v ' fd00:' >snap.witness
same "snap length 64: IPv4 packets and L3 bytes still equal tshark's" snap.witness snap.flows
tap_check "snap length 64: no payload class guessed" \
	test "$(jq '[.[] | .payload_up.sampled + .payload_down.sampled] | add' snap.json)" = 0
# A record that claims 4 GiB on the wire (raw IP: 14 bytes of made-up
# Ethernet header are added to it) is skipped, the others count.
cp m_raw.pcap hugelen.pcap
printf '\xff\xff\xff\xff' | dd of=hugelen.pcap bs=1 seek=36 conv=notrunc 2>/dev/null
out=$("$IOTRIM" replay hugelen.pcap --db h.db --json 2>&1 >/dev/null); rc=$?
all=$(capinfos -c -M m_raw.pcap 2>/dev/null | awk '/Number of packets/ { print $NF }')
tap_check "a frame claiming 4 GiB: skipped, said, counted, the rest replayed (exit $rc)" \
	bash -c "[ $rc = 0 ] && grep -q 'frame 1 claims 4294967295 bytes on the wire' <<<\"\$1\" &&
		grep -q 'wire length over 256 KiB (skipped): 1' <<<\"\$1\" &&
		grep -q 'replayed $((all - 1)) frames' <<<\"\$1\"" _ "$out"
cp m_eth.pcap oversnap.pcap
printf '\x40\x00\x00\x00' | dd of=oversnap.pcap bs=1 seek=16 conv=notrunc 2>/dev/null
out=$("$IOTRIM" replay oversnap.pcap --db o.db --lan-mac $GW 2>&1); rc=$?
tap_check "frames over the snap length: no crash, said (exit $rc)" \
	bash -c "[ $rc -lt 128 ] && grep -qE 'corrupt record|cut by the snap length|replayed' <<<\"\$1\"" _ "$out"

tap_done
