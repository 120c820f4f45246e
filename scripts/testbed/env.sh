# shellcheck shell=bash disable=SC2034 # variables used by the files that source this one
# testbed/env.sh - the testbed's settings (from the environment), namespace
# names, devices and addresses. Sourced by scripts/testbed.sh; defines
# variables only, plus check_config.

PREFIX=${IOTRIM_TB_PREFIX:-it}
STATE=${IOTRIM_TB_STATE:-/run/iotrim-testbed}
UP_WAIT_SECS=${IOTRIM_TB_WAIT:-15}
# A state dir holding this file was made by 'up' and may be removed by 'down'.
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
# cloud.vendor.example, the end of the CNAME alias.other.example (block tests)
CLOUD4=203.0.113.14 CLOUD6=2001:db8:100::14
SRV4=("$API4" "$MQTT4" "$TIME4" "$CDN4A" "$CDN4B" "$DNS4" "$CLOUD4")
SRV6=("$API6" "$MQTT6" "$TIME6" "$CDN6A" "$CDN6B" "$DNS6" "$CLOUD6")

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
