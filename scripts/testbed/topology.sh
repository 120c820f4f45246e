# shellcheck shell=bash
# testbed/topology.sh - the network: namespaces, veth pairs, the bridge,
# addresses, routes, resolv.conf per namespace, NAT, device IPv4 (DHCP or
# static), offloads; and deleting all of it.

create_namespaces() {
	local ns d k
	while read -r ns; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done < <(all_ns)
	for d in "${DEVS[@]}"; do
		nsx "${PREFIX}_$d" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_ra=0 \
			net.ipv6.conf.default.accept_ra=0
	done
	nsx "$NS_GW" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.forwarding=1 net.ipv6.conf.default.forwarding=1
	nsx "$NS_INET" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_ra=0 \
		net.ipv6.conf.default.accept_ra=0
	# The switch is pure L2: no IPv6 on the bridge or its ports (no MLD/ND
	# noise from the switch itself).
	nsx "$NS_SW" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	# With br_netfilter, bridged frames would traverse the switch's own
	# netfilter hooks; a plain switch should not (there are no rules anyway).
	for k in iptables ip6tables arptables; do
		nsx "$NS_SW" sysctl -qw "net.bridge.bridge-nf-call-$k=0" 2>/dev/null || true
		nsx "$NS_GW" sysctl -qw "net.bridge.bridge-nf-call-$k=0" 2>/dev/null || true
	done
}

# The LAN interface lan0 is a veth to the switch (LAN_KIND veth), or (bridge)
# a bridge in the gateway, as on most home gateways, over two veth ports:
# lan-sw to the switch (dev1, dev2) and lan-dev3, where dev3 plugs in.
create_links() {
	local d ns
	ip -n "$NS_GW" link add wan0 address "$GW_WAN_MAC" type veth \
		peer name wan address "$INET_WAN_MAC" netns "$NS_INET"
	if [ "$LAN_KIND" = bridge ]; then
		ip -n "$NS_GW" link add lan0 address "$GW_LAN_MAC" type bridge stp_state 0 \
			forward_delay 0
		ip -n "$NS_GW" link add lan-sw type veth peer name sw-gw netns "$NS_SW"
		ip -n "$NS_GW" link set lan-sw master lan0 up
	else
		ip -n "$NS_GW" link add lan0 address "$GW_LAN_MAC" type veth \
			peer name sw-gw netns "$NS_SW"
	fi
	ip -n "$NS_SW" link add br0 type bridge stp_state 0 forward_delay 0
	ip -n "$NS_SW" link set sw-gw master br0 up
	for d in "${DEVS[@]}"; do
		ns=${PREFIX}_$d
		if [ "$LAN_KIND" = bridge ] && [ "$d" = dev3 ]; then
			ip -n "$ns" link add eth0 address "${DEV_MAC[$d]}" type veth \
				peer name "lan-$d" netns "$NS_GW"
			ip -n "$NS_GW" link set "lan-$d" master lan0 up
			continue
		fi
		ip -n "$ns" link add eth0 address "${DEV_MAC[$d]}" type veth \
			peer name "sw-$d" netns "$NS_SW"
		ip -n "$NS_SW" link set "sw-$d" master br0 up
	done
	ip -n "$NS_SW" link set br0 up
	# srv0 carries the server addresses. This kernel may lack the dummy
	# driver (CONFIG_DUMMY); ifb behaves the same for local addresses.
	ip -n "$NS_INET" link add srv0 type dummy 2>/dev/null ||
		ip -n "$NS_INET" link add srv0 type ifb ||
		die "cannot create srv0 (neither dummy nor ifb is available)"
}

# Addresses and routes (device IPv4 comes later: DHCP or static) and each
# namespace's /etc/netns/<ns>/resolv.conf.
assign_addresses() {
	local a d ns
	ip -n "$NS_INET" addr add "$INET_WAN4/24" dev wan
	ip -n "$NS_INET" addr add "$INET_WAN6/64" dev wan nodad
	for a in "${SRV4[@]}"; do ip -n "$NS_INET" addr add "$a/32" dev srv0; done
	for a in "${SRV6[@]}"; do ip -n "$NS_INET" addr add "$a/128" dev srv0 nodad; done
	ip -n "$NS_INET" link set wan up
	ip -n "$NS_INET" link set srv0 up
	ip -n "$NS_INET" -6 route add "$LAN6_NET" via "$GW_WAN6"

	ip -n "$NS_GW" addr add "$GW_WAN4/24" dev wan0
	ip -n "$NS_GW" addr add "$GW_WAN6/64" dev wan0 nodad
	ip -n "$NS_GW" addr add "$GW_LAN4/24" dev lan0
	ip -n "$NS_GW" addr add "$GW_LAN6/64" dev lan0 nodad
	ip -n "$NS_GW" link set wan0 up
	ip -n "$NS_GW" link set lan0 up
	ip -n "$NS_GW" route add default via "$INET_WAN4"
	ip -n "$NS_GW" -6 route add default via "$INET_WAN6"

	for d in "${DEVS[@]}"; do
		ns=${PREFIX}_$d
		ip -n "$ns" link set eth0 up
		ip -n "$ns" addr add "${DEV_IP6[$d]}/64" dev eth0 nodad
		ip -n "$ns" -6 route add default via "$GW_LAN6"
		mkdir -p "/etc/netns/$ns"
		printf 'nameserver %s\noptions timeout:2 attempts:2\n' "$GW_LAN4" >"/etc/netns/$ns/resolv.conf"
	done
	mkdir -p "/etc/netns/$NS_GW" "/etc/netns/$NS_INET"
	printf 'nameserver %s\n' "$GW_LAN4" >"/etc/netns/$NS_GW/resolv.conf"
	printf 'nameserver %s\n' "$DNS4" >"/etc/netns/$NS_INET/resolv.conf"
}

apply_nat() { nsx "$NS_GW" nft -f "$STATE/gw-nat.nft"; }

# Device IPv4 from the gateway's dnsmasq through busybox udhcpc, run
# one-shot (-q) so that it never stays running.
dhcp_devices() {
	local d ns pids=() rc=0 i
	for d in "${DEVS[@]}"; do
		ns=${PREFIX}_$d
		nsx "$ns" timeout 10 udhcpc -i eth0 -f -q -n -t 5 -T 1 -A 1 \
			-s "$STATE/udhcpc.script" -x "hostname:${DEV_ROLE[$d]}" \
			</dev/null >"$STATE/dhcp-$d.log" 2>&1 &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || {
			rc=1
			log "DHCP failed for ${DEVS[$i]} (see $STATE/dhcp-${DEVS[$i]}.log)"
		}
	done
	[ "$rc" -eq 0 ] || die "DHCP failed"
	for d in "${DEVS[@]}"; do
		nsx "${PREFIX}_$d" ip -4 -o addr show dev eth0 | grep -q " ${DEV_IP4[$d]}/24 " ||
			die "$d did not get ${DEV_IP4[$d]} by DHCP"
	done
}

static_ipv4_devices() {
	local d ns
	for d in "${DEVS[@]}"; do
		ns=${PREFIX}_$d
		ip -n "$ns" addr add "${DEV_IP4[$d]}/24" dev eth0
		ip -n "$ns" route add default via "$GW_LAN4"
	done
}

# TSO/GSO/GRO off on every veth, so that packets on the wire equal packets
# captured.
set_offloads_off() {
	local pair ns ifc lan_ports=("$NS_SW:sw-dev3")
	[ "$LAN_KIND" = bridge ] && lan_ports=("$NS_GW:lan-sw" "$NS_GW:lan-dev3")
	for pair in "$NS_INET:wan" "$NS_GW:wan0" "$NS_GW:lan0" "$NS_SW:sw-gw" \
		"${PREFIX}_dev1:eth0" "$NS_SW:sw-dev1" \
		"${PREFIX}_dev2:eth0" "$NS_SW:sw-dev2" \
		"${PREFIX}_dev3:eth0" "${lan_ports[@]}"; do
		ns=${pair%%:*}
		ifc=${pair#*:}
		nsx "$ns" ethtool -K "$ifc" tso off gso off gro off >/dev/null 2>>"$STATE/ethtool.log" ||
			die "ethtool -K $ifc (in $ns) failed"
	done
}

# Kill whatever still runs in NS; the pids are added to KILLED (see do_down).
kill_ns_procs() {
	local ns=$1 pids=() p
	for _ in 1 2 3; do
		pids=()
		while read -r p; do
			[ -n "$p" ] && [ "$p" != "$$" ] && pids+=("$p")
		done < <(ip netns pids "$ns" 2>/dev/null || true)
		[ ${#pids[@]} -eq 0 ] && return 0
		KILLED+=("${pids[@]}")
		kill -TERM "${pids[@]}" 2>/dev/null || true
		wait_gone "${pids[@]}" && return 0
		kill -KILL "${pids[@]}" 2>/dev/null || true
		wait_gone "${pids[@]}" && return 0
	done
	log "warning: processes left in $ns: ${pids[*]}"
}

# Every testbed namespace (after killing what runs in it) and its
# /etc/netns/<ns>; fine when some or all of them do not exist.
delete_namespaces() {
	local ns
	while read -r ns; do
		if ns_exists "$ns"; then
			kill_ns_procs "$ns"
			ip netns del "$ns" 2>/dev/null || log "warning: could not delete namespace $ns"
		fi
		rm -rf "/etc/netns/${ns:?}"
	done < <(all_ns)
}
