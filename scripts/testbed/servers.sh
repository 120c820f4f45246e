# shellcheck shell=bash
# testbed/servers.sh - the servers: their configs (rendered from templates/),
# starting them in their namespaces, stopping them by pid file, and the
# readiness probes 'up' waits on.
#
# Every daemon writes $STATE/<name>.pid and logs to $STATE/<name>.log; the
# name is the binary, prefixed with gw- or inet- when both namespaces run it.

# The daemons a healthy testbed runs, by pid file name.
# shellcheck disable=SC2034 # used by lifecycle.sh
DAEMONS=(inet-dnsmasq nginx mosquitto chronyd gw-dnsmasq)

# The gateway's configs: dnsmasq (DHCPv4 with a fixed lease per device MAC,
# DNS forwarder), NAT44 and the devices' DHCP client event script.
write_configs_gw() {
	local d DHCP_HOSTS=""
	for d in "${DEVS[@]}"; do
		DHCP_HOSTS+=${DHCP_HOSTS:+$'\n'}"dhcp-host=${DEV_MAC[$d]},${DEV_IP4[$d]}"
	done
	render gw-dnsmasq.conf "$STATE/gw-dnsmasq.conf"
	render gw-nat.nft "$STATE/gw-nat.nft"
	render udhcpc.script "$STATE/udhcpc.script"
	chmod 755 "$STATE/udhcpc.script"
}

# The simulated Internet's configs: DNS for the zone 'example', nginx, the
# MQTT broker and the NTP server (own files; never the host's).
write_configs_inet() {
	mkdir -p "$STATE/www" "$STATE/nginx/tmp" "$STATE/chrony"
	render inet-dnsmasq.conf "$STATE/inet-dnsmasq.conf"
	render nginx.conf "$STATE/nginx/nginx.conf"
	render mosquitto.conf "$STATE/mosquitto.conf"
	render chrony.conf "$STATE/chrony/chrony.conf"
}

daemon() { # NS LOGNAME CMD... ; starts a self-daemonizing server in NS
	local ns=$1 name=$2
	shift 2
	nsx "$ns" "$@" </dev/null >>"$STATE/$name.log" 2>&1 ||
		die "starting $name in $ns failed: $* (see $STATE/$name.log)"
}

start_server() { # STEP: the server started at that step of 'up'
	local s=$STATE
	case $1 in
	inet-dns) daemon "$NS_INET" inet-dnsmasq dnsmasq --conf-file="$s/inet-dnsmasq.conf" ;;
	nginx) daemon "$NS_INET" nginx nginx -p "$s/nginx" -c "$s/nginx/nginx.conf" -e "$s/nginx.log" ;;
	mosquitto) daemon "$NS_INET" mosquitto mosquitto -d -c "$s/mosquitto.conf" ;;
	chrony) daemon "$NS_INET" chronyd chronyd -x -u root -f "$s/chrony/chrony.conf" ;;
	gw-dns) daemon "$NS_GW" gw-dnsmasq dnsmasq --conf-file="$s/gw-dnsmasq.conf" ;;
	*) die "no server for step '$1'" ;;
	esac
}

# The binary a pid file's daemon runs: gw-dnsmasq.pid -> dnsmasq.
pidfile_comm() {
	local base=${1##*/}
	base=${base%.pid}
	base=${base#gw-}
	printf '%s\n' "${base#inet-}"
}

# Is PID a testbed daemon? It must run the binary WANT and live in a
# namespace other than ours (a testbed namespace, possibly already
# unlinked). Guards against stale pid files whose pid was reused by an
# unrelated host process.
pid_is_ours() {
	local pid=$1 want=$2 comm mine theirs
	[ -r "/proc/$pid/comm" ] || return 1
	comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
	[ "$comm" = "$want" ] || return 1
	mine=$(readlink /proc/self/ns/net) || return 1
	theirs=$(readlink "/proc/$pid/ns/net" 2>/dev/null) || return 1
	[ "$mine" != "$theirs" ]
}

# Stop the daemons named by the pid files in $STATE; their pids are added
# to KILLED (see do_down).
kill_pidfiles() {
	local f pid pids=()
	[ -d "$STATE" ] || return 0
	for f in "$STATE"/*.pid; do
		[ -e "$f" ] || continue
		pid=$(head -n1 "$f" 2>/dev/null | tr -dc '0-9') || true
		[ -n "$pid" ] || continue
		if pid_is_ours "$pid" "$(pidfile_comm "$f")"; then
			kill -TERM "$pid" 2>/dev/null || true
			pids+=("$pid")
			KILLED+=("$pid")
		fi
	done
	[ ${#pids[@]} -eq 0 ] && return 0
	wait_gone "${pids[@]}" || kill -KILL "${pids[@]}" 2>/dev/null || true
}

# The daemons' short-lived daemonizing parents also end as zombies of PID 1;
# give a slow-reaping init (bounded) time so `ps` shows nothing after down.
wait_daemon_zombies() {
	local i
	for ((i = 0; i < 30; i++)); do
		ps -eo stat=,comm= | awk '$1 ~ /^Z/ && $2 ~ /^(dnsmasq|nginx|mosquitto|chronyd|udhcpc)$/ { f = 1 } END { exit !f }' || return 0
		sleep 0.1
	done
	return 0
}

# NTP probe without an NTP client: one 48-byte client request via bash's
# /dev/udp; succeeds if a synchronised (LI != 3) reply arrives.
ntp_probe() { # NS ADDR
	local ns=$1 addr=$2
	# shellcheck disable=SC2016
	nsx "$ns" timeout 3 bash -c '
		exec 3<>"/dev/udp/$1/123" || exit 1
		cat "$2" >&3
		b=$(timeout 2 head -c 48 <&3 | od -An -tu1 -N2) || exit 1
		set -- $b
		[ -n "${1:-}" ] && [ "$1" -lt 192 ] && [ "${2:-0}" -gt 0 ]
	' _ "$addr" "$STATE/ntp-request.bin" >/dev/null 2>&1
}

write_ntp_request() { # the probe's request: LI 0, version 4, mode 3 (client)
	{
		printf '\043'
		head -c 47 /dev/zero
	} >"$STATE/ntp-request.bin"
}

# check NAME WANT NS CMD... : one readiness probe, run in NS with a 3 s bound;
# some line of its stdout must equal WANT
READY_FAIL=""
check() {
	local name=$1 want=$2 ns=$3 out
	shift 3
	if out=$(timeout 3 ip netns exec "$ns" "$@" 2>/dev/null) &&
		grep -qxF -- "$want" <<<"$out"; then
		return 0
	fi
	READY_FAIL+=" $name"
	return 1
}

probe_all() {
	local ca=$STATE/ca.crt d gw=$NS_GW
	local dig=(dig +short +time=1 +tries=1)
	local curl=(curl -sf -o /dev/null -w '%{http_code}')
	READY_FAIL=""
	check dns-inet-v4 "$API4" "$gw" "${dig[@]}" @"$DNS4" api.vendor.example A
	check dns-inet-v6 "$CDN6B" "$gw" "${dig[@]}" @"$DNS6" cdn.example AAAA
	check dns-gw-v4 "$API4" "$gw" "${dig[@]}" @"$GW_LAN4" api.vendor.example A
	check dns-gw-v6 "$API6" "$gw" "${dig[@]}" @"$GW_LAN6" api.vendor.example AAAA
	check http-v4 200 "$gw" "${curl[@]}" "http://$API4/healthz"
	check https-v6 200 "$gw" "${curl[@]}" --cacert "$ca" "https://[$API6]/healthz"
	check https-cdn 200 "$gw" "${curl[@]}" --cacert "$ca" "https://$CDN4B/healthz"
	check mqtt-v4 "" "$gw" mosquitto_pub -h "$MQTT4" -p 1883 -t testbed/ready -m up -i tb-ready
	check mqtts-v6 "" "$gw" mosquitto_pub -h "$MQTT6" -p 8883 --cafile "$ca" -t testbed/ready -m up -i tb-ready
	ntp_probe "$gw" "$TIME4" || READY_FAIL+=" ntp-v4"
	ntp_probe "$gw" "$TIME6" || READY_FAIL+=" ntp-v6"
	# end to end through the bridge, the gateway and NAT
	for d in "${DEVS[@]}"; do
		check "$d-http-v4" 200 "${PREFIX}_$d" "${curl[@]}" "http://$API4/healthz"
		check "$d-http-v6" 200 "${PREFIX}_$d" "${curl[@]}" "http://[$API6]/healthz"
	done
	[ -z "$READY_FAIL" ]
}

wait_ready() {
	local deadline=$(($(now_ms) + UP_WAIT_SECS * 1000))
	while :; do
		probe_all && return 0
		if [ "$(now_ms)" -ge "$deadline" ]; then
			die "servers not answering after ${UP_WAIT_SECS}s:$READY_FAIL"
		fi
		sleep 0.3
	done
}
