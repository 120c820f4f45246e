# shellcheck shell=bash
# testbed/lifecycle.sh - the commands up, down, run and status: the order of
# the steps, cleaning up after a failed 'up', and what 'down' removes.

STEP=init
step() { # NAME: 'up' enters step NAME (IOTRIM_TB_FAIL_AT=NAME fails here)
	STEP=$1
	if [ "${IOTRIM_TB_FAIL_AT:-}" = "$1" ]; then
		die "simulated failure at step '$1' (IOTRIM_TB_FAIL_AT)"
	fi
}

up_failed() {
	local rc=$1 f
	trap - EXIT INT TERM
	[ "$rc" -eq 0 ] && return 0
	log "up FAILED during step '$STEP' (exit $rc); cleaning up"
	# Show the logs that belong to the failed step (the state dir, and so
	# every log, is removed by the cleanup).
	local logs=()
	case $STEP in
	pki) logs=(pki) ;;
	inet-dns) logs=(inet-dnsmasq) ;;
	nginx) logs=(nginx) ;;
	mosquitto) logs=(mosquitto) ;;
	chrony) logs=(chronyd) ;;
	gw-dns) logs=(gw-dnsmasq) ;;
	dhcp) logs=(dhcp-dev1 dhcp-dev2 dhcp-dev3 gw-dnsmasq) ;;
	offloads) logs=(ethtool) ;;
	ready) logs=("${DAEMONS[@]}") ;;
	esac
	for f in "${logs[@]}"; do
		f=$STATE/$f.log
		[ -s "$f" ] || continue
		log "--- last lines of ${f##*/}:"
		tail -n 6 "$f" >&2 || true
	done
	do_down
	log "up FAILED: testbed removed again"
	exit "$rc"
}

cmd_up() {
	local offloads=on t0 ip4mode tool s
	LAN_KIND=veth
	while [ $# -gt 0 ]; do
		case $1 in
		--lan)
			[ $# -ge 2 ] || die "--lan needs veth|bridge"
			LAN_KIND=$2
			shift 2
			;;
		--lan=*)
			LAN_KIND=${1#*=}
			shift
			;;
		--offloads)
			[ $# -ge 2 ] || die "--offloads needs on|off"
			offloads=$2
			shift 2
			;;
		--offloads=*)
			offloads=${1#*=}
			shift
			;;
		*) die "up: unknown argument '$1' (see --help)" ;;
		esac
	done
	case $offloads in on | off) ;; *) die "--offloads must be on or off" ;; esac
	case $LAN_KIND in veth | bridge) ;; *) die "--lan must be veth or bridge" ;; esac
	need_root
	for tool in ip nft ethtool dnsmasq nginx mosquitto mosquitto_pub chronyd openssl curl dig timeout; do
		command -v "$tool" >/dev/null || die "missing tool '$tool' (run scripts/install-deps.sh)"
	done
	ip4mode=dhcp
	if [ "${IOTRIM_TB_DHCP:-1}" = 0 ] || ! command -v udhcpc >/dev/null; then
		ip4mode=static
	fi

	t0=$(now_ms)
	if anything_up; then
		log "up: tearing down the previous testbed instance first"
		do_down
	fi
	if [ -e "$STATE" ] && { [ ! -d "$STATE" ] || [ -n "$(ls -A "$STATE")" ]; }; then
		die "$STATE exists and is not a testbed state dir; set IOTRIM_TB_STATE"
	fi

	trap 'up_failed $?' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	mkdir -p "$STATE"
	: >"$STATE/$MARKER"
	if [ ! -d /etc/netns ]; then
		: >"$STATE/created-etc-netns"
		mkdir -p /etc/netns
	fi
	write_ntp_request

	step namespaces
	create_namespaces
	step links
	create_links
	step addresses
	assign_addresses
	step nat
	write_configs_gw
	apply_nat
	step pki
	make_pki
	step www
	write_configs_inet
	write_www
	for s in inet-dns nginx mosquitto chrony gw-dns; do
		step "$s"
		start_server "$s"
	done
	step dhcp
	if [ "$ip4mode" = dhcp ]; then
		dhcp_devices
	else
		static_ipv4_devices
	fi
	step offloads
	if [ "$offloads" = off ]; then
		set_offloads_off
	fi
	printf '%s\n' "$offloads" >"$STATE/offloads"
	printf '%s\n' "$LAN_KIND" >"$STATE/lan"
	step ready
	wait_ready

	trap - EXIT INT TERM
	local dt=$(($(now_ms) - t0))
	printf 'testbed up in %d.%01ds: ns %s %s %s %s_dev1..3; LAN lan0 (%s); devices dev1=%s dev2=%s dev3=%s (IPv4 by %s); servers dns http https mqtt mqtts ntp ok; offloads %s; state %s\n' \
		$((dt / 1000)) $((dt % 1000 / 100)) "$NS_INET" "$NS_GW" "$NS_SW" \
		"$PREFIX" "$LAN_KIND" "${DEV_IP4[dev1]}" "${DEV_IP4[dev2]}" \
		"${DEV_IP4[dev3]}" "$ip4mode" "$offloads" "$STATE"
}

# The pids 'down' signalled, to wait until they are reaped.
KILLED=()
do_down() {
	KILLED=()
	kill_pidfiles
	delete_namespaces
	[ ${#KILLED[@]} -eq 0 ] || wait_reaped "${KILLED[@]}"
	wait_daemon_zombies
	if [ -e "$STATE/$MARKER" ]; then
		if [ -e "$STATE/created-etc-netns" ]; then rmdir /etc/netns 2>/dev/null || true; fi
		rm -rf "${STATE:?}"
	elif [ -d "$STATE" ]; then
		rmdir "$STATE" 2>/dev/null ||
			log "warning: $STATE exists but is not a testbed state dir; left alone"
	fi
	return 0
}

anything_up() {
	local ns
	[ -e "$STATE/$MARKER" ] && return 0
	while read -r ns; do
		ns_exists "$ns" && return 0
	done < <(all_ns)
	return 1
}

cmd_down() {
	need_root
	[ $# -eq 0 ] || die "down takes no arguments"
	if anything_up; then
		do_down
		log "down: testbed removed"
	else
		do_down
		log "down: nothing was up"
	fi
}

cmd_run() {
	need_root
	[ $# -ge 2 ] || die "usage: $PROG run NODE CMD [ARG...]"
	local ns
	if ! ns=$(resolve_node "$1"); then
		log "unknown node '$1' (dev1 dev2 dev3 gw inet sw or ${PREFIX}_<node>)"
		exit 125
	fi
	ns_exists "$ns" || {
		log "namespace $ns does not exist (is the testbed up?)"
		exit 125
	}
	shift
	exec ip netns exec "$ns" "$@"
}

cmd_status() {
	need_root
	local ns present=0 total=0 missing=() f pid base dead=() p
	while read -r ns; do
		total=$((total + 1))
		if ns_exists "$ns"; then
			present=$((present + 1))
			printf '%-12s up    ' "$ns"
			nsx "$ns" ip -br addr show 2>/dev/null | awk '$1 != "lo" {
				printf "%s", sep $1 "[" $2 "]"; for (i = 3; i <= NF; i++) printf " %s", $i; sep = "; " }'
			echo
			while read -r p; do
				[ -n "$p" ] || continue
				printf '             pid %-7s %s\n' "$p" "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-100)"
			done < <(ip netns pids "$ns" 2>/dev/null || true)
		else
			printf '%-12s down\n' "$ns"
			missing+=("$ns")
		fi
	done < <(all_ns)
	if [ -d "$STATE" ]; then
		for f in "$STATE"/*.pid; do
			[ -e "$f" ] || continue
			pid=$(head -n1 "$f" | tr -dc '0-9')
			base=${f##*/}
			base=${base%.pid}
			if [ -z "$pid" ] || ! pid_is_ours "$pid" "$(pidfile_comm "$f")"; then dead+=("$base"); fi
		done
		echo "state: $STATE (offloads $(cat "$STATE/offloads" 2>/dev/null || echo '?'), LAN $(cat "$STATE/lan" 2>/dev/null || echo '?'))"
	fi
	if [ "$present" -eq 0 ] && [ ! -e "$STATE/$MARKER" ]; then
		echo "testbed: not up"
		return 1
	fi
	for base in "${DAEMONS[@]}"; do
		[ -e "$STATE/$base.pid" ] || dead+=("$base")
	done
	if [ "$present" -ne "$total" ] || [ ${#dead[@]} -gt 0 ]; then
		echo "testbed: PARTIAL (missing namespaces: ${missing[*]:-none}; daemons not running: ${dead[*]:-none})"
		return 2
	fi
	echo "testbed: up"
	return 0
}
