# shellcheck shell=bash
# The runner of the testbed tests (selftests/e2e/): it owns what surrounds
# their checks, so that a test is only its traffic and its assertions.
#
#	source selftests/lib/testbed.sh
#	tb_require "what this test checks"	# skips the test without a testbed
#	tb_up "testbed up" --offloads off	# a TAP check; stops the test if it fails
#	start_controller --lan lan0 --interval 1
#	...checks (tap_*, lib.sh)...
#	tap_done
#
# It gives the test a private work directory $WORK, its database
# ($IOTRIM_DB) and pin directory (lib.sh), and the testbed's namespaces
# (<prefix>_gw, ...; IOTRIM_TB_PREFIX) and state directory ($TB_STATE).
# On exit, whatever happened, it takes everything down again: the test's
# own test_cleanup function if it has one, the captures, the controller,
# iotrim's attachment and pins, the testbed and $WORK.

# shellcheck source=selftests/lib/lib.sh
source selftests/lib/lib.sh

TB=scripts/testbed.sh
# Testbed namespaces are <prefix>_gw, <prefix>_dev1, ...; a state directory
# of its own per prefix lets testbeds of several prefixes run at once.
TB_PREFIX=${IOTRIM_TB_PREFIX:-it}
export IOTRIM_TB_STATE=${IOTRIM_TB_STATE:-/run/iotrim-tb-$TB_PREFIX}
# shellcheck disable=SC2034 # for the tests
TB_STATE=$IOTRIM_TB_STATE

WORK=$(mktemp -d)
export IOTRIM_DB=$WORK/iotrim.db
run_pid=
run_rc=
capture_pids=()

gw() { in_netns "${TB_PREFIX}_gw" "$@"; }

tb_teardown() {
	declare -F test_cleanup >/dev/null && test_cleanup
	stop_captures
	stop_controller
	gw "$IOTRIM" detach --purge >/dev/null 2>&1
	case $IOTRIM_PIN_DIR in /sys/fs/bpf/iotrim-*) rm -rf "$IOTRIM_PIN_DIR" ;; esac
	$TB down >/dev/null 2>&1
	rm -rf "$WORK"
}
trap tb_teardown EXIT

# tb_require WHAT: without the testbed script, the test is one skip.
tb_require() {
	[ -x "$TB" ] && return 0
	tap_skip "$1" "$TB missing"
	tap_done
	exit
}

# tb_up NAME [UP-OPTIONS...]: brings the testbed up (again) as check NAME;
# if it does not come up, shows why and ends the test.
tb_up() {
	local name=$1
	shift
	if ! $TB up "$@" >"$WORK/up.log" 2>&1; then
		tap_not_ok "$name" "$(tail -20 "$WORK/up.log")"
		tap_done
		exit
	fi
	tap_ok "$name"
}

# --- the controller -----------------------------------------------------------
# start_controller OPTIONS...: `iotrim run OPTIONS` on the gateway in the
# background, its output appended to $WORK/run.log.  nsenter execs iotrim,
# so $run_pid is the controller itself and signals reach it.
start_controller() {
	nsenter --net="/run/netns/${TB_PREFIX}_gw" "$IOTRIM" run "$@" >>"$WORK/run.log" 2>&1 &
	run_pid=$!
}

# controller_collecting: waits (10 s) until the controller says it collects.
controller_collecting() {
	for _ in $(seq 100); do
		grep -q '^collecting' "$WORK/run.log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# stop_controller [SIGNAL]: sends SIGNAL (TERM), gives it 10 s to exit, then
# kills it; its exit status is left in $run_rc.  No-op when none runs.
# shellcheck disable=SC2120 # the signal is optional
stop_controller() {
	[ -n "$run_pid" ] || return 0
	kill "-${1:-TERM}" "$run_pid" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$run_pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$run_pid" 2>/dev/null
	wait "$run_pid" 2>/dev/null
	# shellcheck disable=SC2034 # for the tests
	run_rc=$?
	run_pid=
}

# --- captures on the gateway ------------------------------------------------------
# start_capture FILE TCPDUMP-OPTIONS...: tcpdump on the gateway into FILE
# (its stderr in FILE.log).  nsenter execs tcpdump, so the recorded pid is
# tcpdump's own (a backgrounded subshell would ignore the signal); -Z root
# lets it write into a private directory; immediate mode leaves nothing in
# the ring when it stops.
start_capture() {
	local file=$1
	shift
	nsenter --net="/run/netns/${TB_PREFIX}_gw" tcpdump -Z root -n -U --immediate-mode "$@" \
		-w "$file" 2>"$file.log" &
	capture_pids+=($!)
}

# start_lan_capture DIRECTION FILE: what the LAN sent (in) or was sent (out)
# on the gateway's lan0, headers only.
start_lan_capture() {
	start_capture "$2" -i lan0 -Q "$1" -s 200
}

# wait_captures_ready FILE...: until every capture says it listens (5 s).
wait_captures_ready() {
	local f ready
	for _ in $(seq 50); do
		ready=1
		for f in "$@"; do
			grep -q listening "$f.log" 2>/dev/null || ready=0
		done
		[ "$ready" = 1 ] && return 0
		sleep 0.1
	done
	return 1
}

stop_captures() {
	[ ${#capture_pids[@]} -gt 0 ] || return 0
	kill -TERM "${capture_pids[@]}" 2>/dev/null
	wait "${capture_pids[@]}" 2>/dev/null
	capture_pids=()
}

# --- comparing with the witness ------------------------------------------------
# The test flows: the simulated Internet's servers, and DNS.
# shellcheck disable=SC2016 # an awk program
TB_TEST_FLOW='$3 ~ /^203\.0\.113\./ || $3 ~ /^2001:db8:100:/ || $5 == 53'

# history_directions OUT: the SQLite history alone (export --no-live) as
# "MAC DEVICE-IP REMOTE-IP PROTO PORT up|down PACKETS BYTES" lines of the
# test flows, sorted, as e2e/witness/flows_from_pcap.sh prints them.
history_directions() {
	gw "$IOTRIM" export --json --no-live >"$WORK/export.json" 2>"$WORK/export.err"
	jq -r '[.flows[] | {k: "\(.device_mac) \(.device_ip) \(.remote_ip) \(.proto) \(.remote_port)",
			pu: .packets_up, bu: .bytes_up, pd: .packets_down, bd: .bytes_down}]
		| group_by(.k)[] | {k: .[0].k, pu: (map(.pu) | add), bu: (map(.bu) | add),
			pd: (map(.pd) | add), bd: (map(.bd) | add)}
		| (if .pu > 0 then "\(.k) up \(.pu) \(.bu)" else empty end),
		  (if .pd > 0 then "\(.k) down \(.pd) \(.bd)" else empty end)' "$WORK/export.json" |
		awk '{ p = $4; if (p == "tcp") p = 6; else if (p == "udp") p = 17;
			else if (p == "icmp") p = 1; else if (p == "icmpv6") p = 58; $4 = p; print }' |
		awk "$TB_TEST_FLOW" | sort >"$1"
}

# witness_directions IN.pcap OUT.pcap OUT: the same from the captures, by tshark alone.
witness_directions() {
	selftests/e2e/witness/flows_from_pcap.sh "$1" "$2" | awk "$TB_TEST_FLOW" | sort >"$3"
}
