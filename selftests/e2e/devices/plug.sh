#!/bin/sh
# A smart plug.  Its schedule needs the vendor's MQTT broker and the time
# from at least one of two redundant servers (time.example, time2.example):
# each server is blockable alone, not both.
#   plug.sh cycle | schedule | scheduled
. "$(dirname "$0")/common.sh"
case ${1:-} in
cycle) rm -f "$DEV_DIR/scheduled" ;;
schedule)
	rm -f "$DEV_DIR/scheduled"
	t=0
	ntp_ok time.example && t=1
	ntp_ok time2.example && t=1
	mqtt_ok mqtt.vendor.example && [ $t = 1 ] && echo yes >"$DEV_DIR/scheduled"
	exit 0
	;;
scheduled) [ -f "$DEV_DIR/scheduled" ] ;;
*) echo "usage: plug.sh cycle|schedule|scheduled" >&2; exit 2 ;;
esac
