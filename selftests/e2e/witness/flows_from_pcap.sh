#!/usr/bin/env bash
# Independent witness: per-flow packets and layer-3 bytes from captures of
# the LAN interface, computed with tshark only (no iotrim code).
#   flows_from_pcap.sh IN.pcap OUT.pcap
# IN holds what devices sent (tcpdump -Q in), OUT what they received
# (tcpdump -Q out).  Prints one line per flow and direction:
#   MAC DEVICE_IP REMOTE_IP PROTO PORT up|down PACKETS BYTES
# with the same key iotrim uses: ICMP and non-first fragments have port 0,
# broadcast/multicast frames sent to the LAN belong to no device.
set -euo pipefail

fields() {
	tshark -r "$1" -n -o ip.defragment:FALSE -o ipv6.defragment:FALSE \
		-o tcp.desegment_tcp_streams:FALSE -T fields -E separator="|" -E occurrence=f \
		-e eth.src -e eth.dst -e ip.src -e ip.dst -e ip.len -e ip.proto -e ip.frag_offset \
		-e ipv6.src -e ipv6.dst -e ipv6.plen -e ipv6.fraghdr.offset \
		-e tcp.srcport -e tcp.dstport -e udp.srcport -e udp.dstport \
		-e icmp.type -e icmpv6.type -e ipv6.fraghdr.nxt -e ipv6.nxt "ip or ipv6" 2>/dev/null
}

aggregate() {	# DIRECTION: up keys on the sender, down on the receiver
	awk -F"|" -v dir="$1" '
	function group(mac) { return index("13579bdf", substr(mac, 2, 1)) > 0 }
	{
		esrc = $1; edst = $2
		if ($3 != "") { v = 4; src = $3; dst = $4; len = $5; proto = $6; nonfirst = ($7 + 0) > 0 }
		else { v = 6; src = $8; dst = $9; len = $10 + 40; nonfirst = ($11 + 0) > 0
			if ($17 != "") proto = 58; else if ($12 != "") proto = 6
			else if ($14 != "") proto = 17; else if (nonfirst) proto = $18
			else proto = $19 }
		# ICMP errors quote an inner TCP/UDP header: its ports are not ours.
		if (v == 4 && proto != 6 && proto != 17) { sport = 0; dport = 0 }
		else if (proto == 6) { sport = $12; dport = $13 }
		else if (proto == 17) { sport = $14; dport = $15 }
		else { sport = 0; dport = 0 }
		if (nonfirst) { sport = 0; dport = 0 }
		if (dir == "up") key = esrc " " src " " dst " " proto " " dport
		else { if (group(edst)) next; key = edst " " dst " " src " " proto " " sport }
		pk[key]++; by[key] += len
	}
	END { for (k in pk) print k, dir, pk[k], by[k] }'
}

fields "$1" | aggregate up
fields "$2" | aggregate down
