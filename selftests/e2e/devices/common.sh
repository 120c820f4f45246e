# shellcheck shell=sh
# Shared by the simulated testbed devices (bulb.sh, camera.sh, plug.sh,
# flaky.sh): each runs real clients (curl, chronyd, mosquitto_pub, ping)
# inside its device namespace of scripts/testbed.sh and keeps its state
# ("is the light on?") in a file, like a real device keeps it in memory.
#   TB_NS     the device's namespace (e.g. exp_dev1)
#   TB_STATE  the testbed's state directory (for its CA certificate)
#   DEV_DIR   where the device keeps its state (default TB_STATE/devices)

: "${TB_NS:?set TB_NS to the device namespace}"
: "${TB_STATE:?set TB_STATE to the testbed state directory}"
DEV_DIR=${DEV_DIR:-$TB_STATE/devices/$TB_NS}
mkdir -p "$DEV_DIR"
CA=$TB_STATE/ca.crt

# in_dev CMD...: run a client in the device's namespace (and its resolv.conf)
in_dev() {
	ip netns exec "$TB_NS" "$@"
}

# https_ok URL: an HTTPS (or HTTP) GET succeeds within 3 s
get_ok() {
	in_dev curl -sS -f -4 --max-time 3 --cacert "$CA" -o /dev/null "$1" 2>/dev/null
}

# ntp_ok SERVER: one NTP exchange with SERVER (clock untouched)
ntp_ok() {
	conf=$DEV_DIR/chrony-$1.conf
	printf 'server %s iburst minpoll -4 maxpoll -4\npidfile %s/chronyd-%s.pid\ncmdport 0\nbindcmdaddress /\n' \
		"$1" "$DEV_DIR" "$1" >"$conf"
	in_dev timeout 5 chronyd -4 -Q -u root -t 3 -f "$conf" >/dev/null 2>&1
}

# ping_ok IP: one echo answered within 1 s
ping_ok() {
	in_dev ping -n -q -c 1 -W 1 "$1" >/dev/null 2>&1
}

# mqtt_ok HOST: publish one message over plain MQTT
mqtt_ok() {
	in_dev timeout 4 mosquitto_pub -h "$1" -p 1883 -q 1 -i "$TB_NS-$$" -t iot/state -m on \
		>/dev/null 2>&1
}
