#!/bin/sh
# A sensor whose check fails one time in five (every fifth check), whatever
# is blocked.  It needs its cloud API; it also syncs its clock and logs.
#   flaky.sh cycle | report | reported
. "$(dirname "$0")/common.sh"
case ${1:-} in
cycle) rm -f "$DEV_DIR/reported" ;;
report)
	rm -f "$DEV_DIR/reported"
	get_ok https://api.vendor.example/status.json && echo yes >"$DEV_DIR/reported"
	get_ok http://log.vendor.example/index.html
	ntp_ok time.example
	exit 0
	;;
reported)
	n=$(($(cat "$DEV_DIR/checks" 2>/dev/null || echo 0) + 1))
	echo "$n" >"$DEV_DIR/checks"
	[ $((n % 5)) -ne 0 ] || { echo "check $n: spurious failure"; exit 1; }
	[ -f "$DEV_DIR/reported" ]
	;;
*) echo "usage: flaky.sh cycle|report|reported" >&2; exit 2 ;;
esac
