#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
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
# The parts, one job each, live in scripts/testbed/ (the config templates in
# scripts/testbed/templates/); this file is the command: usage and dispatch.
TB_LIB=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/testbed
TB_TEMPLATES=$TB_LIB/templates

# shellcheck source=testbed/env.sh
. "$TB_LIB/env.sh"
# shellcheck source=testbed/lib.sh
. "$TB_LIB/lib.sh"
# shellcheck source=testbed/topology.sh
. "$TB_LIB/topology.sh"
# shellcheck source=testbed/pki.sh
. "$TB_LIB/pki.sh"
# shellcheck source=testbed/www.sh
. "$TB_LIB/www.sh"
# shellcheck source=testbed/servers.sh
. "$TB_LIB/servers.sh"
# shellcheck source=testbed/lifecycle.sh
. "$TB_LIB/lifecycle.sh"
# shellcheck source=testbed/traffic.sh
. "$TB_LIB/traffic.sh"

usage() {
	cat <<EOF
Usage: $PROG COMMAND [ARGS]

Network-namespace testbed for iotrim: three IoT devices behind a home
gateway, a simulated Internet with real servers. Needs root.

Commands:
  up [--offloads on|off] [--lan veth|bridge]
                          Build the testbed (tears down a previous instance
                          first), wait until every server answers, print a
                          one-line summary. --offloads off (default: on) turns
                          TSO/GSO/GRO off on every veth so that packets on the
                          wire equal packets captured. --lan bridge makes the
                          gateway's lan0 a bridge (as on home gateways) over
                          two veth ports: lan-sw to the switch (dev1, dev2)
                          and lan-dev3 (dev3); default veth: lan0 is a veth
                          to the switch. On failure it cleans up and exits
                          non-zero.
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
