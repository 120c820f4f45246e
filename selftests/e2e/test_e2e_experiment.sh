#!/usr/bin/env bash
# Experiments on the testbed, with ground truth: simulated devices
# (selftests/e2e/devices/) run real clients in their namespaces, iotrim counts
# and names their traffic (`iotrim run`) and blocks in the kernel.
#
#   bulb    (dev1) needs api.vendor.example:443; log.vendor.example:80 (same
#           address as the API), time.example NTP and a ping to a hard-coded
#           203.0.113.11 are not needed
#   camera  (dev2) watch needs cdn.example:80, snapshot does not
#   plug    (dev3) needs mqtt.vendor.example:1883 and one of time.example and
#           time2.example (a second NTP server this test adds): a conflict
#   flaky   (dev1) a check that fails one time in five
#
# Discovery runs on the real system.  The trials need enforcement (deny
# entries with leases, `iotrim block`): while this build has none they are
# skipped, with the reason.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
export IOTRIM_TB_PREFIX=${IOTRIM_TB_PREFIX:-exp}
export IOTRIM_TB_STATE=${IOTRIM_TB_STATE:-/run/iotrim-tb-exp-$$}
export IOTRIM_PIN_DIR=/sys/fs/bpf/iotrim-exp-$$
. selftests/lib/testbed.sh

if [ "$(id -u)" -ne 0 ]; then
	tap_skip "experiments on the testbed" "needs root"
	tap_done
	exit 0
fi

P=$TB_PREFIX
ST=$TB_STATE
# The devices' scripts find the testbed's CA through TB_STATE.
export TB_STATE
DEVICES=$PWD/selftests/e2e/devices
# nsenter itself, not a function: timeout runs it, and kill -9 reaches iotrim.
GW=(nsenter --net="/run/netns/${P}_gw")
CHRONY2_PID=""
test_cleanup() {
	[ -n "$CHRONY2_PID" ] && kill "$CHRONY2_PID" 2>/dev/null
}

tb_up "testbed up ($P)"

# A second NTP server for the plug: time2.example 203.0.113.13.
mkdir -p "$ST/chrony2"
cat >"$ST/chrony2/chrony.conf" <<EOF
pidfile $ST/chrony2/chronyd.pid
driftfile $ST/chrony2/drift
allow all
local stratum 8
bindaddress 203.0.113.13
cmdport 0
bindcmdaddress /
EOF
ip -n "${P}_inet" addr add 203.0.113.13/32 dev srv0
ip netns exec "${P}_inet" chronyd -x -u root -f "$ST/chrony2/chrony.conf" >/dev/null 2>&1
CHRONY2_PID=$(cat "$ST/chrony2/chronyd.pid" 2>/dev/null)
echo "host-record=time2.example,203.0.113.13" >>"$ST/inet-dnsmasq.conf"
kill "$(cat "$ST/inet-dnsmasq.pid")" 2>/dev/null
sleep 0.3
ip netns exec "${P}_inet" dnsmasq --conf-file="$ST/inet-dnsmasq.conf" >/dev/null 2>&1
ok=0
for _ in $(seq 1 30); do
	if ip netns exec "${P}_dev3" dig +short +time=1 +tries=1 time2.example A 2>/dev/null | grep -q 203.0.113.13; then
		ok=1
		break
	fi
	sleep 0.2
done
tap_check "second time server time2.example answers" test $ok -eq 1

# iotrim on the gateway: counting, and the controller naming destinations.
if ! "${GW[@]}" "$IOTRIM" attach --lan lan0 --mode native >"$WORK/attach.log" 2>&1; then
	tap_not_ok "attach" "$(cat "$WORK/attach.log")"
	tap_done
	exit 1
fi
start_controller --no-attach --interval 1
sleep 1
tap_check "iotrim run is naming destinations" kill -0 "$run_pid"

# experiment NAME DEV STRATEGY [extra run lines] -- FUNCTION LINES: writes $WORK/NAME.ini
experiment() {
	local name=$1 dev=$2 strategy=$3
	shift 3
	{
		printf '[device]\nmac = 02:00:00:00:00:2%s\nname = %s\n\n' "${dev#dev}" "$name"
		printf '[run]\nrepetitions = %s\nstrategy = %s\naction = reject\n' "${REPS:-5}" "$strategy"
		printf 'power_cycle = TB_NS=%s_%s %s/%s.sh cycle\n' "$P" "$dev" "$DEVICES" "${SCRIPT:-$name}"
		printf 'boot_wait = 0\nsettle = 0\ntimeout = %s\n' "${TIMEOUT:-20}"
		for l in "$@"; do printf '%s\n' "${l//@/TB_NS=${P}_$dev $DEVICES/${SCRIPT:-$name}.sh}"; done
	} >"$WORK/$name.ini"
}

labels() { jq -r '.[].label' | sort | tr '\n' ' '; }

experiment bulb dev1 group '[function switch]' 'trigger = @ on' 'check = @ is-on'
experiment camera dev2 group '[function watch]' 'trigger = @ watch' 'check = @ watching' \
	'[function snapshot]' 'trigger = @ snapshot' 'check = @ snapped'
experiment plug dev3 group '[function schedule]' 'trigger = @ schedule' 'check = @ scheduled'
SCRIPT=flaky experiment flaky dev1 group '[function report]' 'trigger = @ report' 'check = @ reported'

# The bulb's and flaky's log.vendor.example is a CNAME of api.vendor.example: on :80 both
# names were valid for the address, so both are candidates (shared destinations); only
# api's name can block api:80, which takes api:443 along: unblockable.
declare -A WANT_DISCOVERED=(
	[bulb]="203.0.113.11/icmp api.vendor.example:443 api.vendor.example:80 log.vendor.example:80 time.example:123/udp "
	[camera]="api.vendor.example:443 cdn.example:80 time.example:123/udp "
	[plug]="mqtt.vendor.example:1883 time.example:123/udp time2.example:123/udp "
	[flaky]="api.vendor.example:443 api.vendor.example:80 log.vendor.example:80 time.example:123/udp "
)
for d in bulb camera plug flaky; do
	got=$("${GW[@]}" "$IOTRIM" experiment discover "$WORK/$d.ini" --json 2>"$WORK/discover.err" | labels)
	if [ "$got" = "${WANT_DISCOVERED[$d]}" ]; then
		tap_ok "discovery on the real system, $d: $got"
	else
		tap_not_ok "discovery on the real system, $d" "got:  $got" "want: ${WANT_DISCOVERED[$d]}" \
			"$(tail -3 "$WORK/discover.err")"
	fi
done

# ---- trials: need enforcement
# The bulb's run, while the camera (another device) keeps using the same API:
# the camera must never notice.
"${GW[@]}" "$IOTRIM" experiment run "$WORK/bulb.ini" --json >"$WORK/bulb.json" 2>"$WORK/bulb.err" &
pid=$!
other_ok=0 other_fail=0
while kill -0 "$pid" 2>/dev/null; do
	if ip netns exec "${P}_dev2" curl -sS -f -4 --max-time 3 --cacert "$ST/ca.crt" -o /dev/null \
		https://api.vendor.example/status.json 2>/dev/null; then
		other_ok=$((other_ok + 1))
	else
		other_fail=$((other_fail + 1))
	fi
	sleep 0.5
done
wait "$pid"
rc=$?
out=$(cat "$WORK/bulb.json")

verdicts() { jq -r '.destinations[] | "\(.label)=\(.verdict)\(if .flaky then "(flaky)" else "" end)"' | sort | tr '\n' ' '; }
jqe() { jq -e "$@" >/dev/null; }
declare -A TRUTH=(
	[bulb]="203.0.113.11/icmp=blockable api.vendor.example:443=unblockable api.vendor.example:80=unblockable log.vendor.example:80=blockable time.example:123/udp=blockable "
	[camera]="api.vendor.example:443=unblockable cdn.example:80=blockable-some time.example:123/udp=blockable "
	[plug]="mqtt.vendor.example:1883=unblockable time.example:123/udp=blockable time2.example:123/udp=blockable "
	[flaky]="api.vendor.example:443=unblockable api.vendor.example:80=unblockable log.vendor.example:80=blockable(flaky) time.example:123/udp=blockable(flaky) "
)
declare -A TRIALS=() WALL=()
got=$(verdicts <<<"$out")
if [ "$rc" -eq 0 ] && [ "$got" = "${TRUTH[bulb]}" ]; then
	tap_ok "bulb, group: ground truth"
else
	tap_not_ok "bulb, group: ground truth" "exit $rc" "got:  $got" "want: ${TRUTH[bulb]}" "$(tail -3 "$WORK/bulb.err")"
fi
TRIALS[bulb-group]=$(jq .trials_run <<<"$out")
WALL[bulb-group]=$(jq .wall_seconds <<<"$out")
tap_check "other devices untouched during the run (camera: $other_ok requests to the API, $other_fail failed)" \
	test "$other_fail" -eq 0 -a "$other_ok" -gt 0

# Both strategies on the bulb (their trial counts are compared below); the
# others run the default, group: single's verdicts on every device are
# checked against the same ground truth by cli/test_experiment_cli.sh, which
# keeps this test within the suite's time (the plug took ~80 s a run).  The
# camera and the plug answer the same way every time: 3 repetitions do; the
# bulb keeps 5 (its trial counts) and flaky needs them.
declare -A STRATEGIES=([bulb]="single" [camera]="group" [plug]="group" [flaky]="group")
for d in bulb camera plug flaky; do
	for s in ${STRATEGIES[$d]}; do
		case $d in
		bulb) experiment bulb dev1 $s '[function switch]' 'trigger = @ on' 'check = @ is-on' ;;
		camera) REPS=3 experiment camera dev2 $s '[function watch]' 'trigger = @ watch' 'check = @ watching' \
			'[function snapshot]' 'trigger = @ snapshot' 'check = @ snapped' ;;
		plug) REPS=3 experiment plug dev3 $s '[function schedule]' 'trigger = @ schedule' 'check = @ scheduled' ;;
		flaky) SCRIPT=flaky experiment flaky dev1 $s '[function report]' 'trigger = @ report' 'check = @ reported' ;;
		esac
		out=$("${GW[@]}" "$IOTRIM" experiment run "$WORK/$d.ini" --json 2>"$WORK/$d.err")
		rc=$?
		got=$(verdicts <<<"$out")
		extra=true
		case $d in
		camera) extra=$(jq '[.destinations[] | select(.label == "cdn.example:80") | .breaks] == [["watch"]]' <<<"$out") ;;
		plug) extra=$(jq '.conflicts | length == 1 and .[0].destinations == ["time.example:123/udp", "time2.example:123/udp"]' <<<"$out") ;;
		esac
		if [ "$rc" -eq 0 ] && [ "$got" = "${TRUTH[$d]}" ] && [ "$extra" = true ]; then
			tap_ok "$d, $s: ground truth"
		else
			tap_not_ok "$d, $s: ground truth" "exit $rc" "got:  $got" "want: ${TRUTH[$d]}" \
				"$(jq -c .conflicts <<<"$out")" "$(tail -3 "$WORK/$d.err")"
		fi
		TRIALS[$d-$s]=$(jq .trials_run <<<"$out")
		WALL[$d-$s]=$(jq .wall_seconds <<<"$out")
	done
done

# kill -9 mid-run, then resume: same verdicts, nothing left blocked
experiment bulb dev1 group '[function switch]' 'trigger = @ on' 'check = @ is-on'
"${GW[@]}" "$IOTRIM" experiment run "$WORK/bulb.ini" --json >/dev/null 2>&1 &
pid=$!
id=""
for _ in $(seq 1 300); do
	sleep 0.2
	id=$("$IOTRIM" experiment list --json | jq '[.[] | select(.status == "running")] | .[0].id // empty')
	[ -n "$id" ] && [ "$(jq --argjson id "$id" '.[] | select(.id == $id) | .trials_run' <("$IOTRIM" experiment list --json))" -ge 3 ] && break
done
kill -9 "$pid"
wait "$pid" 2>/dev/null
out=$("${GW[@]}" "$IOTRIM" experiment resume "$id" --json 2>/dev/null)
got=$(verdicts <<<"$out")
left=$(sqlite3 "$IOTRIM_DB" "SELECT count(*) FROM experiment_rules WHERE experiment_id = $id AND state IN ('intent', 'applied')")
if sqlite3 "$IOTRIM_DB" "SELECT 1 FROM block_rules LIMIT 0" >/dev/null 2>&1; then
	left=$((left + $(sqlite3 "$IOTRIM_DB" "SELECT count(*) FROM block_rules WHERE owner = 'experiment:$id'")))
fi
if [ "$got" = "${TRUTH[bulb]}" ] && [ "$left" -eq 0 ]; then
	tap_ok "kill -9 then resume: same verdicts, no entry of the run left"
else
	tap_not_ok "kill -9 then resume" "got $got" "entries left: $left"
fi

SCRIPT=bulb experiment broken dev1 group '[function switch]' 'trigger = @ on' 'check = false'
expect_exit "failing baseline aborts" 1 "failed 3 times in a row with nothing blocked" \
	"${GW[@]}" "$IOTRIM" experiment run "$WORK/broken.ini"
SCRIPT=bulb TIMEOUT=1 REPS=3 experiment hang dev1 group '[function switch]' 'trigger = @ on' 'check = sleep 60'
expect_exit "hanging check is cut at the timeout" 1 "failed 3 times in a row" \
	timeout 60 "${GW[@]}" "$IOTRIM" experiment run "$WORK/hang.ini"
printf '[device]\nmac = 02:00:00:00:21\n[function f]\ncheck = true\n' >"$WORK/bad.ini"
expect_exit "malformed experiment file names the line" 2 "bad.ini:2: mac must look like" \
	"${GW[@]}" "$IOTRIM" experiment run "$WORK/bad.ini"
for run in "${!TRIALS[@]}"; do
	printf '# %-14s %3s trials, %6.1f s\n' "$run" "${TRIALS[$run]}" "${WALL[$run]}"
done
tap_check "group needs fewer trials than single on the bulb (${TRIALS[bulb-group]} vs ${TRIALS[bulb-single]})" \
	test "${TRIALS[bulb-group]}" -lt "${TRIALS[bulb-single]}"
tap_done
