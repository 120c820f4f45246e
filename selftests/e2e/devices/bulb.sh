#!/bin/sh
# A smart bulb.  "on" goes through the vendor's cloud API (needed); it also
# logs to a log host over HTTP that shares the API's address (the testbed's
# log.vendor.example is a CNAME of api.vendor.example), syncs its clock
# (time.example) and pings a hard-coded address (203.0.113.11): none needed.
#   bulb.sh cycle | on | is-on
. "$(dirname "$0")/common.sh"
case ${1:-} in
cycle) rm -f "$DEV_DIR/bulb.on" ;;
on)
	rm -f "$DEV_DIR/bulb.on"
	get_ok https://api.vendor.example/status.json && echo on >"$DEV_DIR/bulb.on"
	get_ok http://log.vendor.example/index.html
	ntp_ok time.example
	ping_ok 203.0.113.11
	exit 0
	;;
is-on) [ -f "$DEV_DIR/bulb.on" ] ;;
*) echo "usage: bulb.sh cycle|on|is-on" >&2; exit 2 ;;
esac
