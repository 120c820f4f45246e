# shellcheck shell=bash
# bench_counters.sh - sourced by the testbed benchmarks (bench_throughput.sh,
# bench_cpu.sh), not run: the ways to count that they compare, each started
# on the gateway's LAN interface and stopped again.  iotrim in one of its
# attach modes, or one of two baselines that count without iotrim:
#   nft   nftables, a dynamic set with a counter per device-destination key,
#         upload and download (as Mon(IoT)r and SPIN count)
#   pcap  libpcap, tcpdump writing every whole frame of the LAN to /dev/null
#         (the capture loop IoT Inspector counts from)
# The caller sets IOTRIM (the binary) and exports IOTRIM_TB_PREFIX and
# IOTRIM_PIN_DIR; counter_pid is the tcpdump process while pcap runs.

gw() { nsenter --net="/run/netns/${IOTRIM_TB_PREFIX}_gw" "$@"; }

# The nftables baseline: per-flow counters keyed as iotrim keys its flows
# (IPv4, the benchmarks' traffic), on the LAN interface $1.
nft_counters() {
	gw nft -f - <<NFT
table inet iotrim_bench {
	set up {
		type ether_addr . ipv4_addr . inet_proto . inet_service; flags dynamic; size 65536; counter
	}
	set down {
		type ipv4_addr . ipv4_addr . inet_proto . inet_service; flags dynamic; size 65536; counter
	}
	chain up {
		type filter hook prerouting priority -300; policy accept;
		iifname "$1" meta nfproto ipv4 update @up { ether saddr . ip daddr . meta l4proto . th dport }
	}
	chain down {
		type filter hook postrouting priority 300; policy accept;
		oifname "$1" meta nfproto ipv4 update @down { ip daddr . ip saddr . meta l4proto . th sport }
	}
}
NFT
}

counter_pid=
# start_counter LAN MODE / stop_counter MODE: iotrim in MODE (native,
# generic, tc), a baseline (nft, pcap), or nothing at all (none).
start_counter() {
	case $2 in
	none) ;;
	nft) nft_counters "$1" ;;
	pcap)
		# nsenter execs tcpdump in place: $! is tcpdump itself.
		gw tcpdump -i "$1" -s 0 -w /dev/null 2>/dev/null &
		counter_pid=$!
		sleep 0.5
		;;
	*) gw "$IOTRIM" attach --lan "$1" --mode "$2" >/dev/null ;;
	esac
}
stop_counter() {
	case $1 in
	none) ;;
	nft) gw nft delete table inet iotrim_bench ;;
	pcap)
		if kill "$counter_pid"; then wait "$counter_pid" 2>/dev/null || true; fi
		counter_pid=
		;;
	*) gw "$IOTRIM" detach --purge >/dev/null ;;
	esac
}

# On exit, whatever may still count goes: tcpdump would keep the gateway's
# namespace alive past testbed down.
stop_any_counter() {
	[ -z "$counter_pid" ] || kill "$counter_pid" 2>/dev/null || true
	gw "$IOTRIM" detach --purge >/dev/null 2>&1 || true
}
