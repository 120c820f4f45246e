#!/bin/sh
# A camera.  Both functionalities need its cloud API; "watch" also needs the
# streaming host (cdn.example), "snapshot" does not.  It syncs its clock
# (time.example, not needed).
#   camera.sh cycle | watch | snapshot | watching | snapped
. "$(dirname "$0")/common.sh"
case ${1:-} in
cycle) rm -f "$DEV_DIR/watching" "$DEV_DIR/snapped"; ntp_ok time.example; exit 0 ;;
watch)
	rm -f "$DEV_DIR/watching"
	get_ok https://api.vendor.example/status.json && get_ok http://cdn.example/status.json &&
		echo yes >"$DEV_DIR/watching"
	exit 0
	;;
snapshot)
	rm -f "$DEV_DIR/snapped"
	get_ok https://api.vendor.example/image.jpg && echo yes >"$DEV_DIR/snapped"
	exit 0
	;;
watching) [ -f "$DEV_DIR/watching" ] ;;
snapped) [ -f "$DEV_DIR/snapped" ] ;;
*) echo "usage: camera.sh cycle|watch|snapshot|watching|snapped" >&2; exit 2 ;;
esac
