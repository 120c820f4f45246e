#!/usr/bin/env bash
# testbed.sh - network-namespace testbed for iotrim (demo and end-to-end tests).
#
# Builds a small, fully isolated home network out of network namespaces:
#
#   it_dev1 ─┐
#   it_dev2 ─┼─ it_sw (bridge br0) ─ lan0 [it_gw] wan0 ─ wan [it_inet] srv0
#   it_dev3 ─┘                        NAT44, routed IPv6     nginx, mosquitto,
#                                     dnsmasq (DHCP + DNS)    chronyd, dnsmasq
#
# Only documentation address ranges are used (192.0.2.0/24, 198.51.100.0/24,
# 203.0.113.0/24, 2001:db8::/32). Nothing is connected to the host's own
# network: every veth has both ends inside testbed namespaces, and every
# server runs inside a namespace via `ip netns exec`, never on the host.
#
# Device IPv4 addresses come from the gateway's dnsmasq through a real DHCP
# client (busybox udhcpc, run one-shot with -q, so it never stays running);
# the gateway hands out fixed leases for the device MACs. If udhcpc is not
# installed (or IOTRIM_TB_DHCP=0), the same addresses are set statically.
# Device IPv6 addresses are always static (nodad).
#
# Run `testbed.sh --help` for the commands.

set -euo pipefail

PROG=${0##*/}

PREFIX=${IOTRIM_TB_PREFIX:-it}
STATE=${IOTRIM_TB_STATE:-/run/iotrim-testbed}
MARKER=.iotrim-testbed

NS_INET=${PREFIX}_inet
NS_GW=${PREFIX}_gw
NS_SW=${PREFIX}_sw
DEVS=(dev1 dev2 dev3)

declare -A DEV_MAC=([dev1]=02:00:00:00:00:21 [dev2]=02:00:00:00:00:22 [dev3]=02:00:00:00:00:23)
declare -A DEV_IP4=([dev1]=192.0.2.21 [dev2]=192.0.2.22 [dev3]=192.0.2.23)
declare -A DEV_IP6=([dev1]=2001:db8:1::21 [dev2]=2001:db8:1::22 [dev3]=2001:db8:1::23)
declare -A DEV_ROLE=([dev1]=bulb [dev2]=camera [dev3]=plug)

GW_LAN_MAC=02:00:00:00:00:01
GW_WAN_MAC=02:00:00:00:ff:01
INET_WAN_MAC=02:00:00:00:ff:02
GW_LAN4=192.0.2.1
GW_LAN6=2001:db8:1::1
GW_WAN4=198.51.100.1
GW_WAN6=2001:db8:ff::1
INET_WAN4=198.51.100.2
INET_WAN6=2001:db8:ff::2
LAN6_NET=2001:db8:1::/64

API4=203.0.113.10 API6=2001:db8:100::10
MQTT4=203.0.113.11 MQTT6=2001:db8:100::11
TIME4=203.0.113.12 TIME6=2001:db8:100::12
CDN4A=203.0.113.20 CDN6A=2001:db8:100::20
CDN4B=203.0.113.21 CDN6B=2001:db8:100::21
DNS4=203.0.113.53 DNS6=2001:db8:100::53
SRV4=("$API4" "$MQTT4" "$TIME4" "$CDN4A" "$CDN4B" "$DNS4")
SRV6=("$API6" "$MQTT6" "$TIME6" "$CDN6A" "$CDN6B" "$DNS6")

UP_WAIT_SECS=${IOTRIM_TB_WAIT:-15}

# --------------------------------------------------------------------------
# helpers

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

usage() {
	cat <<EOF
Usage: $PROG COMMAND [ARGS]

Network-namespace testbed for iotrim: three IoT devices behind a home
gateway, a simulated Internet with real servers. Needs root.

Commands:
  up [--offloads on|off]  Build the testbed (tears down a previous instance
                          first), wait until every server answers, print a
                          one-line summary. --offloads off (default: on) turns
                          TSO/GSO/GRO off on every veth so that packets on the
                          wire equal packets captured. On failure it cleans up
                          and exits non-zero.
  down                    Kill every testbed process, delete the namespaces,
                          /etc/netns/<ns> and the state dir. Idempotent; safe
                          when nothing (or only part of the testbed) is up.
  run NODE CMD [ARG...]   Run CMD inside a namespace; its exit code is
                          propagated (125 if the namespace does not exist).
                          NODE: dev1 dev2 dev3 gw inet sw, or the full
                          namespace name (e.g. ${PREFIX}_dev1).
  traffic [SECONDS]       Make all devices talk with real clients for SECONDS
                          (default 20, each command bounded by a timeout,
                          the whole run bounded by SECONDS). Prints per device
                          what it did. Exits 1 if any attempt failed or a flow
                          never succeeded. Leaves no process behind.
  status                  Show namespaces, addresses and processes. Exit 0 if
                          the testbed is up and healthy, 1 if not up, 2 if
                          only partly up.
  -h, --help              This help.

Topology (namespace prefix '${PREFIX}'):
  ${NS_INET}  wan 198.51.100.2/24 2001:db8:ff::2/64; servers on srv0 (a dummy
           device, or ifb where the kernel has no dummy driver):
           203.0.113.10  2001:db8:100::10  api.vendor.example  nginx :80 :443
           203.0.113.11  2001:db8:100::11  mqtt.vendor.example mosquitto :1883 :8883
           203.0.113.12  2001:db8:100::12  time.example        chronyd NTP :123
           203.0.113.20/.21 2001:db8:100::20/::21  cdn.example  nginx :80 :443
           203.0.113.53  2001:db8:100::53  dnsmasq DNS :53 (zone 'example',
                         log.vendor.example is a CNAME of api.vendor.example,
                         fw.vendor.example a CNAME of log.vendor.example, TTL 5)
           HTTP files: /status.json /page.html /big.bin (1 MiB) /data.json.gz
                       /image.jpg /index.html
  ${NS_GW}    wan0 198.51.100.1/24 2001:db8:ff::1/64 (default routes to inet),
           lan0 02:00:00:00:00:01 192.0.2.1/24 2001:db8:1::1/64; NAT44 on wan0,
           IPv6 routed; dnsmasq on lan0: DHCPv4 .100-.199 + fixed leases, DNS
           forwarder to 203.0.113.53
  ${NS_SW}    bridge br0 with ports sw-gw (to lan0), sw-dev1, sw-dev2, sw-dev3
  ${PREFIX}_dev1 bulb    eth0 02:00:00:00:00:21 192.0.2.21 (DHCP) 2001:db8:1::21
  ${PREFIX}_dev2 camera  eth0 02:00:00:00:00:22 192.0.2.22 (DHCP) 2001:db8:1::22
  ${PREFIX}_dev3 plug    eth0 02:00:00:00:00:23 192.0.2.23 (DHCP) 2001:db8:1::23
  Devices resolve via 192.0.2.1 (/etc/netns/<ns>/resolv.conf).
  TLS clients trust the testbed CA: --cacert \$STATE/ca.crt (the server
  certificate covers every server name and IP address above).

Traffic (each iteration; clients: dig, curl, mosquitto_pub, chronyd -Q, ping):
  dev1 bulb    DNS A/AAAA via gw; HTTPS v4+v6 /status.json; HTTP v4
               /page.html, HTTP v6 log.vendor.example; MQTT 1883 v4, MQTTS
               8883 v4+v6; NTP sync v4+v6 (clock untouched); ping v4+v6
  dev2 camera  DNS A via gw; 1 MiB /big.bin over HTTP v4 and HTTPS v6;
               /image.jpg HTTP v6; /data.json.gz HTTPS v4
  dev3 plug    DNS cdn.example A/AAAA via gw; HTTP v4+v6 to cdn.example;
               DNS straight to 203.0.113.53 / 2001:db8:100::53 (UDP to a
               hard-coded IP, bypassing the gateway resolver)
  Logs of the last run: \$STATE/traffic-last.log.

Environment:
  IOTRIM_TB_PREFIX   namespace prefix (default: it)
  IOTRIM_TB_STATE    state dir: configs, pid files, CA, logs
                     (default: /run/iotrim-testbed; currently: $STATE)
  IOTRIM_TB_DHCP     0 = set device IPv4 addresses statically instead of DHCP
  IOTRIM_TB_WAIT     seconds 'up' waits for the servers (default: 15)
  IOTRIM_TB_FAIL_AT  testing aid: make 'up' fail at the named step
                     (namespaces links addresses nat pki www inet-dns nginx
                     mosquitto chrony gw-dns dhcp offloads ready)
EOF
}

need_root() { [ "$(id -u)" -eq 0 ] || die "must run as root"; }

check_config() {
	[[ $PREFIX =~ ^[A-Za-z0-9][A-Za-z0-9_-]{0,20}$ ]] ||
		die "IOTRIM_TB_PREFIX '$PREFIX' must be 1-21 chars of [A-Za-z0-9_-]"
	case $STATE in
	/*) ;;
	*) die "IOTRIM_TB_STATE must be an absolute path (got '$STATE')" ;;
	esac
	[[ $STATE != *[[:space:]]* ]] || die "IOTRIM_TB_STATE must not contain spaces"
	[[ $UP_WAIT_SECS =~ ^[0-9]{1,4}$ ]] || die "IOTRIM_TB_WAIT must be a number of seconds"
	case ${STATE%/} in
	"" | /etc | /run | /tmp | /var | /var/tmp | /usr | /root | /home | /proc | /sys | /dev)
		die "IOTRIM_TB_STATE '$STATE' is too broad; use a dedicated directory"
		;;
	esac
}

all_ns() {
	local d
	for d in "${DEVS[@]}"; do printf '%s\n' "${PREFIX}_$d"; done
	printf '%s\n' "$NS_SW" "$NS_GW" "$NS_INET"
}

ns_exists() { [ -e "/run/netns/$1" ] || [ -e "/var/run/netns/$1" ]; }

nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

now_ms() {
	local t=${EPOCHREALTIME/./}
	printf '%s\n' "$((t / 1000))"
}

# Map a NODE argument (dev1, gw, it_dev1, ...) to a namespace name.
resolve_node() {
	local n=$1 ns x
	case $n in
	gw | inet | sw | dev[123]) ns=${PREFIX}_$n ;;
	*) ns=$n ;;
	esac
	while read -r x; do
		if [ "$x" = "$ns" ]; then
			printf '%s\n' "$ns"
			return 0
		fi
	done < <(all_ns)
	return 1
}

# --------------------------------------------------------------------------
# down

# Is PID a testbed daemon? Its pid file names the daemon ("gw-dnsmasq.pid"
# -> dnsmasq); it must run that binary and live in a namespace other than
# ours (a testbed namespace, possibly already unlinked). Guards against
# stale pid files whose pid was reused by an unrelated host process.
pid_is_ours() {
	local pid=$1 want=$2 comm mine theirs
	[ -r "/proc/$pid/comm" ] || return 1
	comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
	[ "$comm" = "$want" ] || return 1
	mine=$(readlink /proc/self/ns/net) || return 1
	theirs=$(readlink "/proc/$pid/ns/net" 2>/dev/null) || return 1
	[ "$mine" != "$theirs" ]
}

# Is PID running? A zombie is not: daemons are reparented to PID 1, which
# may reap them only after a while.
pid_alive() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

wait_gone() { # PID... ; waits up to ~3 s
	local i p alive
	for ((i = 0; i < 30; i++)); do
		alive=0
		for p in "$@"; do
			if pid_alive "$p"; then alive=1; fi
		done
		[ "$alive" -eq 0 ] && return 0
		sleep 0.1
	done
	return 1
}

kill_pidfiles() {
	local f pid base want pids=()
	[ -d "$STATE" ] || return 0
	for f in "$STATE"/*.pid; do
		[ -e "$f" ] || continue
		pid=$(head -n1 "$f" 2>/dev/null | tr -dc '0-9') || true
		[ -n "$pid" ] || continue
		base=${f##*/}
		base=${base%.pid}
		want=${base#gw-}
		want=${want#inet-}
		if pid_is_ours "$pid" "$want"; then
			kill -TERM "$pid" 2>/dev/null || true
			pids+=("$pid")
			KILLED+=("$pid")
		fi
	done
	[ ${#pids[@]} -eq 0 ] && return 0
	wait_gone "${pids[@]}" || kill -KILL "${pids[@]}" 2>/dev/null || true
}

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

# Wait (bounded) until killed daemons are reaped by PID 1, so that `ps` right
# after `down` shows no <defunct> leftovers.
wait_reaped() {
	local i p left
	for ((i = 0; i < 40; i++)); do
		left=0
		for p in "$@"; do
			if [ -e "/proc/$p" ]; then left=1; fi
		done
		[ "$left" -eq 0 ] && return 0
		sleep 0.1
	done
	return 0
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

KILLED=()
do_down() {
	local ns
	KILLED=()
	kill_pidfiles
	while read -r ns; do
		if ns_exists "$ns"; then
			kill_ns_procs "$ns"
			ip netns del "$ns" 2>/dev/null || log "warning: could not delete namespace $ns"
		fi
		rm -rf "/etc/netns/${ns:?}"
	done < <(all_ns)
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

# --------------------------------------------------------------------------
# up

STEP=init
step() {
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
	ready) logs=(inet-dnsmasq nginx mosquitto chronyd gw-dnsmasq) ;;
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

write_configs_inet() {
	local s=$STATE
	mkdir -p "$s/www" "$s/nginx/tmp" "$s/chrony"

	# ---- DNS for the zone 'example' (authoritative-ish, no upstream)
	cat >"$s/inet-dnsmasq.conf" <<EOF
# iotrim testbed: DNS server of the simulated Internet (no DHCP, no upstream)
port=53
listen-address=$DNS4,$DNS6
bind-interfaces
no-resolv
no-hosts
no-poll
local=/example/
local-ttl=30
host-record=api.vendor.example,$API4,$API6
host-record=mqtt.vendor.example,$MQTT4,$MQTT6
host-record=time.example,$TIME4,$TIME6
host-record=ns.example,$DNS4,$DNS6
host-record=cdn.example,$CDN4A,$CDN6A
host-record=cdn.example,$CDN4B,$CDN6B
cname=log.vendor.example,api.vendor.example
# a two-hop chain with a short TTL (attribution tests): fw -> log -> api
cname=fw.vendor.example,log.vendor.example,5
pid-file=$s/inet-dnsmasq.pid
log-facility=$s/inet-dnsmasq.log
log-queries
user=root
group=root
EOF

	# ---- nginx for api.vendor.example and cdn.example
	local listen="" a
	for a in "$API4" "$CDN4A" "$CDN4B"; do
		listen+="        listen $a:80;"$'\n'"        listen $a:443 ssl;"$'\n'
	done
	for a in "$API6" "$CDN6A" "$CDN6B"; do
		listen+="        listen [$a]:80;"$'\n'"        listen [$a]:443 ssl;"$'\n'
	done
	cat >"$s/nginx/nginx.conf" <<EOF
# iotrim testbed: web server of the simulated Internet
daemon on;
user nobody nogroup;
worker_processes 1;
pid $s/nginx.pid;
error_log $s/nginx.log warn;
events { worker_connections 256; }
http {
    types {
        text/html html;
        application/json json;
        application/octet-stream bin;
        application/gzip gz;
        image/jpeg jpg;
        text/plain txt;
    }
    default_type application/octet-stream;
    access_log $s/nginx-access.log;
    client_body_temp_path $s/nginx/tmp/body;
    proxy_temp_path $s/nginx/tmp/proxy;
    fastcgi_temp_path $s/nginx/tmp/fastcgi;
    uwsgi_temp_path $s/nginx/tmp/uwsgi;
    scgi_temp_path $s/nginx/tmp/scgi;
    sendfile on;
    keepalive_timeout 5;
    server_tokens off;
    ssl_certificate $s/pki/server.crt;
    ssl_certificate_key $s/pki/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    server {
$listen        server_name _;
        root $s/www;
        location = /healthz { default_type text/plain; return 200 "ok\n"; }
    }
}
EOF

	# ---- MQTT broker
	local l tls="cafile $s/pki/ca.crt
certfile $s/pki/server.crt
keyfile $s/pki/server.key"
	{
		echo "# iotrim testbed: MQTT broker of the simulated Internet"
		echo "pid_file $s/mosquitto.pid"
		echo "user root"
		echo "persistence false"
		echo "log_dest file $s/mosquitto.log"
		echo "log_type error"
		echo "log_type warning"
		echo "log_type notice"
		echo "log_type information"
		echo "allow_anonymous true"
		for l in "1883 $MQTT4" "1883 $MQTT6"; do echo "listener $l"; done
		for l in "8883 $MQTT4" "8883 $MQTT6"; do
			echo "listener $l"
			echo "$tls"
		done
	} >"$s/mosquitto.conf"

	# ---- NTP server (own files; never touches the host's chrony)
	cat >"$s/chrony/chrony.conf" <<EOF
# iotrim testbed: NTP server of the simulated Internet (local reference)
pidfile $s/chronyd.pid
driftfile $s/chrony/drift
allow all
local stratum 8
bindaddress $TIME4
bindaddress $TIME6
cmdport 0
bindcmdaddress /
EOF
}

write_www() {
	local w=$STATE/www
	cat >"$w/status.json" <<'EOF'
{"device":"bulb","fw":"1.4.2","online":true,"next_poll":30}
EOF
	cat >"$w/index.html" <<'EOF'
<!doctype html><html><head><title>vendor.example</title></head><body><p>iotrim testbed</p></body></html>
EOF
	{
		echo '<!doctype html><html><head><meta charset="utf-8"><title>Device portal</title></head><body>'
		echo '<h1>Device portal</h1>'
		local i
		for ((i = 1; i <= 60; i++)); do
			echo "<p>Line $i of a small page served by the iotrim testbed.</p>"
		done
		echo '</body></html>'
	} >"$w/page.html"
	head -c 1048576 /dev/urandom >"$w/big.bin"
	{
		local i
		echo '['
		for ((i = 1; i < 200; i++)); do
			echo "{\"t\":$i,\"temp\":21.$((i % 10)),\"hum\":4$((i % 10))},"
		done
		echo '{"t":200,"temp":21.0,"hum":40}]'
	} | gzip -9 -n -c >"$w/data.json.gz"
	# A real (tiny) baseline JPEG: 8x8 pixels, mid grey. SOI, JFIF APP0,
	# DQT (all ones), SOF0 8x8 1 component, one-code DC and AC Huffman
	# tables, SOS, scan data (DC diff 0, EOB), EOI.
	printf '%b' \
		'\xff\xd8' \
		'\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00' \
		'\xff\xdb\x00\x43\x00' \
		'\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01' \
		'\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01' \
		'\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01' \
		'\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01' \
		'\xff\xc0\x00\x0b\x08\x00\x08\x00\x08\x01\x01\x11\x00' \
		'\xff\xc4\x00\x14\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' \
		'\xff\xc4\x00\x14\x10\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' \
		'\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00' \
		'\x3f' \
		'\xff\xd9' >"$w/image.jpg"
	chmod -R a+rX "$w"
}

make_pki() {
	local p=$STATE/pki
	mkdir -p "$p"
	cat >"$p/ca.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[dn]
CN = iotrim testbed CA
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
EOF
	cat >"$p/server.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = api.vendor.example
EOF
	cat >"$p/server-ext.cnf" <<EOF
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:api.vendor.example,DNS:log.vendor.example,DNS:fw.vendor.example,DNS:mqtt.vendor.example,DNS:cdn.example,DNS:time.example,IP:$API4,IP:$MQTT4,IP:$CDN4A,IP:$CDN4B,IP:$API6,IP:$MQTT6,IP:$CDN6A,IP:$CDN6B
EOF
	{
		openssl req -x509 -new -config "$p/ca.cnf" -newkey ec \
			-pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout "$p/ca.key" -out "$p/ca.crt" -days 30
		openssl req -new -config "$p/server.cnf" -newkey ec \
			-pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout "$p/server.key" -out "$p/server.csr"
		openssl x509 -req -in "$p/server.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" \
			-set_serial "0x$(openssl rand -hex 8)" -days 30 \
			-extfile "$p/server-ext.cnf" -out "$p/server.crt"
	} >>"$STATE/pki.log" 2>&1
	chmod 600 "$p/ca.key" "$p/server.key"
	cp "$p/ca.crt" "$STATE/ca.crt"
	chmod 644 "$STATE/ca.crt" "$p/server.crt"
}

write_configs_gw() {
	local s=$STATE d
	{
		cat <<EOF
# iotrim testbed: home gateway DHCPv4 server and DNS forwarder (lan0 only)
interface=lan0
except-interface=lo
bind-interfaces
listen-address=$GW_LAN4,$GW_LAN6
no-resolv
no-hosts
no-poll
server=$DNS4
dhcp-range=192.0.2.100,192.0.2.199,255.255.255.0,12h
dhcp-option=option:router,$GW_LAN4
dhcp-option=option:dns-server,$GW_LAN4
dhcp-authoritative
dhcp-leasefile=$s/gw-dnsmasq.leases
pid-file=$s/gw-dnsmasq.pid
log-facility=$s/gw-dnsmasq.log
log-queries
log-dhcp
user=root
group=root
EOF
		for d in "${DEVS[@]}"; do
			echo "dhcp-host=${DEV_MAC[$d]},${DEV_IP4[$d]}"
		done
	} >"$s/gw-dnsmasq.conf"

	cat >"$s/gw-nat.nft" <<'EOF'
# iotrim testbed: home gateway NAT44 (IPv6 is routed, not translated)
table ip iotrim_testbed {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan0" masquerade
	}
}
EOF

	# udhcpc event script: applies the IPv4 lease only (never resolv.conf).
	cat >"$s/udhcpc.script" <<'EOF'
#!/bin/sh
# iotrim testbed: busybox udhcpc event script
case "$1" in
deconfig)
	ip -4 addr flush dev "$interface"
	ip link set "$interface" up
	;;
bound | renew)
	ip -4 addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	if [ -n "$router" ]; then
		set -- $router
		ip route replace default via "$1" dev "$interface"
	fi
	;;
esac
exit 0
EOF
	chmod 755 "$s/udhcpc.script"
}

daemon() { # NS LOGNAME CMD... ; starts a self-daemonizing server in NS
	local ns=$1 name=$2
	shift 2
	nsx "$ns" "$@" </dev/null >>"$STATE/$name.log" 2>&1 ||
		die "starting $name in $ns failed: $* (see $STATE/$name.log)"
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

set_offloads_off() {
	local pair ns ifc
	for pair in "$NS_INET:wan" "$NS_GW:wan0" "$NS_GW:lan0" "$NS_SW:sw-gw" \
		"${PREFIX}_dev1:eth0" "$NS_SW:sw-dev1" \
		"${PREFIX}_dev2:eth0" "$NS_SW:sw-dev2" \
		"${PREFIX}_dev3:eth0" "$NS_SW:sw-dev3"; do
		ns=${pair%%:*}
		ifc=${pair#*:}
		nsx "$ns" ethtool -K "$ifc" tso off gso off gro off >/dev/null 2>>"$STATE/ethtool.log" ||
			die "ethtool -K $ifc (in $ns) failed"
	done
}

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

cmd_up() {
	local offloads=on t0 d ns ip4mode
	while [ $# -gt 0 ]; do
		case $1 in
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
	need_root
	local tool
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
	{
		printf '\043'
		head -c 47 /dev/zero
	} >"$STATE/ntp-request.bin"

	step namespaces
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
	local k
	for k in iptables ip6tables arptables; do
		nsx "$NS_SW" sysctl -qw "net.bridge.bridge-nf-call-$k=0" 2>/dev/null || true
	done

	step links
	ip -n "$NS_GW" link add wan0 address "$GW_WAN_MAC" type veth \
		peer name wan address "$INET_WAN_MAC" netns "$NS_INET"
	ip -n "$NS_GW" link add lan0 address "$GW_LAN_MAC" type veth \
		peer name sw-gw netns "$NS_SW"
	ip -n "$NS_SW" link add br0 type bridge stp_state 0 forward_delay 0
	ip -n "$NS_SW" link set sw-gw master br0 up
	for d in "${DEVS[@]}"; do
		ns=${PREFIX}_$d
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

	step addresses
	local a
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

	step nat
	write_configs_gw
	nsx "$NS_GW" nft -f "$STATE/gw-nat.nft"

	step pki
	make_pki

	step www
	write_configs_inet
	write_www

	step inet-dns
	daemon "$NS_INET" inet-dnsmasq dnsmasq --conf-file="$STATE/inet-dnsmasq.conf"

	step nginx
	daemon "$NS_INET" nginx nginx -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf" -e "$STATE/nginx.log"

	step mosquitto
	daemon "$NS_INET" mosquitto mosquitto -d -c "$STATE/mosquitto.conf"

	step chrony
	daemon "$NS_INET" chronyd chronyd -x -u root -f "$STATE/chrony/chrony.conf"

	step gw-dns
	daemon "$NS_GW" gw-dnsmasq dnsmasq --conf-file="$STATE/gw-dnsmasq.conf"

	step dhcp
	if [ "$ip4mode" = dhcp ]; then
		dhcp_devices
	else
		for d in "${DEVS[@]}"; do
			ns=${PREFIX}_$d
			ip -n "$ns" addr add "${DEV_IP4[$d]}/24" dev eth0
			ip -n "$ns" route add default via "$GW_LAN4"
		done
	fi

	step offloads
	if [ "$offloads" = off ]; then
		set_offloads_off
	fi
	printf '%s\n' "$offloads" >"$STATE/offloads"

	step ready
	wait_ready

	trap - EXIT INT TERM
	local dt=$(($(now_ms) - t0))
	printf 'testbed up in %d.%01ds: ns %s %s %s %s_dev1..3; devices dev1=%s dev2=%s dev3=%s (IPv4 by %s); servers dns http https mqtt mqtts ntp ok; offloads %s; state %s\n' \
		$((dt / 1000)) $((dt % 1000 / 100)) "$NS_INET" "$NS_GW" "$NS_SW" \
		"$PREFIX" "${DEV_IP4[dev1]}" "${DEV_IP4[dev2]}" \
		"${DEV_IP4[dev3]}" "$ip4mode" "$offloads" "$STATE"
}

# --------------------------------------------------------------------------
# run / status

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
	local ns present=0 total=0 missing=() f pid want base dead=()
	while read -r ns; do
		total=$((total + 1))
		if ns_exists "$ns"; then
			present=$((present + 1))
			printf '%-12s up    ' "$ns"
			nsx "$ns" ip -br addr show 2>/dev/null | awk '$1 != "lo" {
				printf "%s", sep $1 "[" $2 "]"; for (i = 3; i <= NF; i++) printf " %s", $i; sep = "; " }'
			echo
			local p
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
			want=${base#gw-}
			want=${want#inet-}
			if [ -z "$pid" ] || ! pid_is_ours "$pid" "$want"; then dead+=("$base"); fi
		done
		echo "state: $STATE (offloads $(cat "$STATE/offloads" 2>/dev/null || echo '?'))"
	fi
	if [ "$present" -eq 0 ] && [ ! -e "$STATE/$MARKER" ]; then
		echo "testbed: not up"
		return 1
	fi
	local want_daemons=(inet-dnsmasq nginx mosquitto chronyd gw-dnsmasq)
	for base in "${want_daemons[@]}"; do
		[ -e "$STATE/$base.pid" ] || dead+=("$base")
	done
	if [ "$present" -ne "$total" ] || [ ${#dead[@]} -gt 0 ]; then
		echo "testbed: PARTIAL (missing namespaces: ${missing[*]:-none}; daemons not running: ${dead[*]:-none})"
		return 2
	fi
	echo "testbed: up"
	return 0
}

# --------------------------------------------------------------------------
# traffic

declare -A FLOW_DESC=()
FLOWS_dev1=() FLOWS_dev2=() FLOWS_dev3=()

def_flow() { # DEV NAME DESCRIPTION
	FLOW_DESC[$1:$2]=$3
	case $1 in
	dev1) FLOWS_dev1+=("$2") ;;
	dev2) FLOWS_dev2+=("$2") ;;
	dev3) FLOWS_dev3+=("$2") ;;
	esac
}

define_flows() {
	def_flow dev1 dns-A "udp $GW_LAN4:53 (gw resolver)  api.vendor.example A"
	def_flow dev1 dns-AAAA "udp $GW_LAN4:53 (gw resolver)  api.vendor.example AAAA"
	def_flow dev1 https-v4 "tcp $API4:443  GET https://api.vendor.example/status.json"
	def_flow dev1 https-v6 "tcp [$API6]:443  GET https://api.vendor.example/status.json"
	def_flow dev1 http-v4 "tcp $API4:80  GET http://api.vendor.example/page.html"
	def_flow dev1 http-log-v6 "tcp [$API6]:80  GET http://log.vendor.example/index.html (CNAME)"
	def_flow dev1 mqtt-v4 "tcp $MQTT4:1883  mosquitto_pub iot/bulb/state"
	def_flow dev1 mqtts-v4 "tcp $MQTT4:8883  mosquitto_pub TLS iot/bulb/state"
	def_flow dev1 mqtts-v6 "tcp [$MQTT6]:8883  mosquitto_pub TLS iot/bulb/telemetry"
	def_flow dev1 ntp-v4 "udp $TIME4:123  chronyd -Q 'server time.example' (NTP sync, clock untouched)"
	def_flow dev1 ntp-v6 "udp [$TIME6]:123  chronyd -Q 'server time.example' (NTP sync, clock untouched)"
	def_flow dev1 ping-v4 "icmp $API4  ping -c 2"
	def_flow dev1 ping-v6 "icmpv6 $API6  ping -6 -c 2"

	def_flow dev2 dns-A "udp $GW_LAN4:53 (gw resolver)  api.vendor.example A"
	def_flow dev2 http-big-v4 "tcp $API4:80  GET http://api.vendor.example/big.bin (1 MiB)"
	def_flow dev2 https-big-v6 "tcp [$API6]:443  GET https://api.vendor.example/big.bin (1 MiB)"
	def_flow dev2 http-jpg-v6 "tcp [$API6]:80  GET http://api.vendor.example/image.jpg"
	def_flow dev2 https-gz-v4 "tcp $API4:443  GET https://api.vendor.example/data.json.gz"

	def_flow dev3 dns-cdn-A "udp $GW_LAN4:53 (gw resolver)  cdn.example A (2 records)"
	def_flow dev3 dns-cdn-AAAA "udp $GW_LAN4:53 (gw resolver)  cdn.example AAAA (2 records)"
	def_flow dev3 http-cdn-v4 "tcp $CDN4A|$CDN4B:80  GET http://cdn.example/status.json"
	def_flow dev3 http-cdn-v6 "tcp [$CDN6A|$CDN6B]:80  GET http://cdn.example/status.json"
	def_flow dev3 dns-direct-v4 "udp $DNS4:53 (hard-coded, bypasses gw)  time.example A"
	def_flow dev3 dns-direct-v6 "udp [$DNS6]:53 (hard-coded, bypasses gw)  time.example AAAA"
}

# flow DEV NAME LIMIT EXPECT CMD...
# Runs CMD in DEV's namespace bounded by min(LIMIT, time left). EXPECT '-'
# means "exit code 0"; otherwise the whitespace-separated words of stdout
# must equal EXPECT's (order ignored). Appends "NAME ok|fail|cut|skip" to
# $TDIR/DEV.res and a log line to $TDIR/DEV.log.
flow() {
	local dev=$1 name=$2 limit=$3 expect=$4
	shift 4
	local ns=${PREFIX}_$dev res=$TDIR/$dev.res lg=$TDIR/$dev.log
	local rem t rc=0 out verdict clamped=0
	rem=$(((DEADLINE_MS - $(now_ms)) / 1000))
	if [ "$rem" -lt 1 ]; then
		echo "$name skip" >>"$res"
		return 0
	fi
	t=$limit
	if [ "$rem" -lt "$t" ]; then
		t=$rem
		clamped=1
	fi
	out=$(timeout -k 1 "$t" ip netns exec "$ns" "$@" 2>>"$lg") || rc=$?
	verdict=ok
	if [ "$rc" -ne 0 ]; then
		verdict=fail
		if [ "$clamped" -eq 1 ] && { [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; }; then
			verdict="cut"
		fi
	elif [ "$expect" != - ]; then
		# shellcheck disable=SC2086
		if [ "$(printf '%s\n' $out | sort | tr '\n' ' ')" != "$(printf '%s\n' $expect | sort | tr '\n' ' ')" ]; then
			verdict=fail
			rc=99
		fi
	fi
	printf '%s %s rc=%s %s out=%s\n' "$(date +%T)" "$name" "$rc" "$verdict" "$(printf '%s' "$out" | tr '\n' ' ' | cut -c1-200)" >>"$lg"
	echo "$name $verdict" >>"$res"
}

pace() { # sleep SECS but not past the deadline
	local rem_ms=$((DEADLINE_MS - $(now_ms))) s=$1
	[ "$rem_ms" -le 0 ] && return 0
	if [ $((s * 1000)) -gt "$rem_ms" ]; then
		sleep "$((rem_ms / 1000)).$(printf '%03d' $((rem_ms % 1000)))"
	else
		sleep "$s"
	fi
}

time_left() { [ "$(now_ms)" -le $((DEADLINE_MS - 1000)) ]; } # >= 1 s left

traffic_dev1() { # the bulb
	local ca=$STATE/ca.crt d=dev1 n=0 cfg=$TDIR/chrony-dev1
	mkdir -p "$cfg"
	# A one-shot NTP client: chronyd -Q measures the offset and exits, never
	# touching the clock. Sub-second polling makes a sync take ~0.3 s
	# instead of ~4 s with plain iburst.
	printf 'server time.example iburst minpoll -4 maxpoll -4\npidfile %s/chronyd.pid\ncmdport 0\nbindcmdaddress /\n' \
		"$cfg" >"$cfg/chrony.conf"
	local curl=(curl -sS -f --max-time 5 -o /dev/null -w '%{http_code}')
	local dig=(dig +short +time=2 +tries=1)
	while time_left; do
		n=$((n + 1))
		flow $d dns-A 4 "$API4" "${dig[@]}" api.vendor.example A
		flow $d dns-AAAA 4 "$API6" "${dig[@]}" api.vendor.example AAAA
		flow $d https-v4 6 200 "${curl[@]}" -4 --cacert "$ca" https://api.vendor.example/status.json
		flow $d https-v6 6 200 "${curl[@]}" -6 --cacert "$ca" https://api.vendor.example/status.json
		flow $d http-v4 6 200 "${curl[@]}" -4 http://api.vendor.example/page.html
		flow $d http-log-v6 6 200 "${curl[@]}" -6 http://log.vendor.example/index.html
		flow $d mqtt-v4 5 - mosquitto_pub -h "$MQTT4" -p 1883 -q 1 -i bulb-$n \
			-t iot/bulb/state -m "{\"on\":true,\"seq\":$n}"
		flow $d mqtts-v4 5 - mosquitto_pub -h "$MQTT4" -p 8883 --cafile "$ca" -q 1 -i bulb-$n \
			-t iot/bulb/state -m "{\"on\":true,\"seq\":$n}"
		flow $d mqtts-v6 5 - mosquitto_pub -h "$MQTT6" -p 8883 --cafile "$ca" -q 1 -i bulb-$n \
			-t iot/bulb/telemetry -m "{\"w\":7.5,\"seq\":$n}"
		flow $d ntp-v4 6 - chronyd -4 -Q -u root -t 5 -f "$cfg/chrony.conf"
		flow $d ntp-v6 6 - chronyd -6 -Q -u root -t 5 -f "$cfg/chrony.conf"
		flow $d ping-v4 4 - ping -n -q -c 2 -i 0.2 -W 1 "$API4"
		flow $d ping-v6 4 - ping -6 -n -q -c 2 -i 0.2 -W 1 "$API6"
		pace 2
	done
	echo "iterations $n" >>"$TDIR/$d.res"
}

traffic_dev2() { # the camera
	local ca=$STATE/ca.crt d=dev2 n=0
	local big=(curl -sS -f --max-time 10 -o /dev/null -w '%{http_code} %{size_download}')
	local curl=(curl -sS -f --max-time 5 -o /dev/null -w '%{http_code}')
	while time_left; do
		n=$((n + 1))
		flow $d dns-A 4 "$API4" dig +short +time=2 +tries=1 api.vendor.example A
		flow $d http-big-v4 10 "200 1048576" "${big[@]}" -4 http://api.vendor.example/big.bin
		flow $d https-big-v6 10 "200 1048576" "${big[@]}" -6 --cacert "$ca" https://api.vendor.example/big.bin
		flow $d http-jpg-v6 5 200 "${curl[@]}" -6 http://api.vendor.example/image.jpg
		flow $d https-gz-v4 5 200 "${curl[@]}" -4 --cacert "$ca" https://api.vendor.example/data.json.gz
		pace 3
	done
	echo "iterations $n" >>"$TDIR/$d.res"
}

traffic_dev3() { # the plug
	local d=dev3 n=0
	local curl=(curl -sS -f --max-time 5 -o /dev/null -w '%{http_code}')
	local dig=(dig +short +time=2 +tries=1)
	while time_left; do
		n=$((n + 1))
		flow $d dns-cdn-A 4 "$CDN4A $CDN4B" "${dig[@]}" cdn.example A
		flow $d dns-cdn-AAAA 4 "$CDN6A $CDN6B" "${dig[@]}" cdn.example AAAA
		flow $d http-cdn-v4 6 200 "${curl[@]}" -4 http://cdn.example/status.json
		flow $d http-cdn-v6 6 200 "${curl[@]}" -6 http://cdn.example/status.json
		flow $d dns-direct-v4 4 "$TIME4" "${dig[@]}" @"$DNS4" time.example A
		flow $d dns-direct-v6 4 "$TIME6" "${dig[@]}" @"$DNS6" time.example AAAA
		pace 2
	done
	echo "iterations $n" >>"$TDIR/$d.res"
}

TREE=()
kill_tree() { # PID: TERM the process and all its descendants
	local p=$1 c
	for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do kill_tree "$c"; done
	kill -TERM "$p" 2>/dev/null || true
	TREE+=("$p")
}

TDIR=""
TPIDS=()
traffic_cleanup() {
	local p
	TREE=()
	for p in "${TPIDS[@]}"; do kill_tree "$p"; done
	for p in "${TPIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ ${#TREE[@]} -gt 0 ]; then
		wait_gone "${TREE[@]}" || kill -KILL "${TREE[@]}" 2>/dev/null || true
		wait_reaped "${TREE[@]}"
	fi
	[ -n "$TDIR" ] && rm -rf "$TDIR"
	return 0
}

cmd_traffic() {
	need_root
	local secs=${1:-20}
	[ $# -le 1 ] || die "usage: $PROG traffic [SECONDS]"
	if ! [[ $secs =~ ^[0-9]+$ ]] || [ "$secs" -lt 1 ] || [ "$secs" -gt 3600 ]; then
		die "SECONDS must be an integer 1..3600"
	fi
	local d ns
	for d in "${DEVS[@]}"; do
		ns=${PREFIX}_$d
		ns_exists "$ns" || die "$ns does not exist: run '$PROG up' first"
	done
	[ -r "$STATE/ca.crt" ] || die "$STATE/ca.crt missing: run '$PROG up' first"

	define_flows
	mkdir -p "$STATE/tmp"
	TDIR=$(mktemp -d "$STATE/tmp/traffic.XXXXXX")
	trap traffic_cleanup EXIT
	trap 'log "traffic: interrupted"; exit 130' INT
	trap 'log "traffic: terminated"; exit 143' TERM
	DEADLINE_MS=$(($(now_ms) + secs * 1000))

	log "traffic: ${secs}s from dev1 (bulb), dev2 (camera), dev3 (plug)"
	for d in "${DEVS[@]}"; do
		: >"$TDIR/$d.res"
		"traffic_$d" >>"$TDIR/$d.log" 2>&1 &
		TPIDS+=($!)
	done
	local p
	for p in "${TPIDS[@]}"; do wait "$p" || true; done
	TPIDS=()

	# ---- report
	local bad=0 f name desc ok fail cut iters flows
	for d in "${DEVS[@]}"; do
		iters=$(awk '$1 == "iterations" { print $2 }' "$TDIR/$d.res")
		printf '%s (%s, %s %s, ns %s): %s iterations\n' "$d" "${DEV_ROLE[$d]}" \
			"${DEV_IP4[$d]}" "${DEV_IP6[$d]}" "${PREFIX}_$d" "${iters:-0}"
		flows="FLOWS_${d}[@]"
		for name in "${!flows}"; do
			desc=${FLOW_DESC[$d:$name]}
			read -r ok fail cut _ < <(awk -v n="$name" '$1 == n { c[$2]++ }
				END { printf "%d %d %d %d\n", c["ok"], c["fail"], c["cut"], c["skip"] }' "$TDIR/$d.res")
			f="ok"
			if [ "$fail" -gt 0 ] || [ "$ok" -eq 0 ]; then
				f="FAIL"
				bad=1
			fi
			printf '  %-4s %-13s %3d ok %2d failed%s  %s\n' "$f" "$name" "$ok" "$fail" \
				"$([ "$cut" -gt 0 ] && echo " ($cut cut off by the deadline)")" "$desc"
		done
	done
	# keep the logs of the last run for inspection (removed by 'down')
	cat "$TDIR"/dev*.log >"$STATE/traffic-last.log" 2>/dev/null || true
	if [ "$bad" -ne 0 ]; then
		log "traffic: some flows failed; see $STATE/traffic-last.log"
		return 1
	fi
	log "traffic: all flows succeeded"
	return 0
}

# --------------------------------------------------------------------------

main() {
	local cmd=${1:-}
	[ $# -gt 0 ] && shift
	case $cmd in
	-h | --help | help)
		usage
		return 0
		;;
	"")
		usage >&2
		return 2
		;;
	esac
	check_config
	case $cmd in
	up) cmd_up "$@" ;;
	down) cmd_down "$@" ;;
	run) cmd_run "$@" ;;
	traffic) cmd_traffic "$@" ;;
	status) cmd_status "$@" ;;
	*)
		log "unknown command '$cmd'"
		usage >&2
		return 2
		;;
	esac
}

main "$@"
