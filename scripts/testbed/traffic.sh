# shellcheck shell=bash
# testbed/traffic.sh - the traffic command: each device talks with real
# clients in a loop until the deadline (one background job per device), then
# a per-flow report. Results go to $TDIR/<dev>.res, logs to $TDIR/<dev>.log.

declare -A FLOW_DESC=()
FLOWS_dev1=() FLOWS_dev2=() FLOWS_dev3=()

def_flow() { # DEV NAME DESCRIPTION
	FLOW_DESC[$1:$2]=$3
	case $1 in
	dev1) FLOWS_dev1+=("$2") ;;
	dev2) FLOWS_dev2+=("$2") ;;
	dev3) FLOWS_dev3+=("$2") ;;
	esac
}

define_flows() {
	def_flow dev1 dns-A "udp $GW_LAN4:53 (gw resolver)  api.vendor.example A"
	def_flow dev1 dns-AAAA "udp $GW_LAN4:53 (gw resolver)  api.vendor.example AAAA"
	def_flow dev1 https-v4 "tcp $API4:443  GET https://api.vendor.example/status.json"
	def_flow dev1 https-v6 "tcp [$API6]:443  GET https://api.vendor.example/status.json"
	def_flow dev1 http-v4 "tcp $API4:80  GET http://api.vendor.example/page.html"
	def_flow dev1 http-log-v6 "tcp [$API6]:80  GET http://log.vendor.example/index.html (CNAME)"
	def_flow dev1 mqtt-v4 "tcp $MQTT4:1883  mosquitto_pub iot/bulb/state"
	def_flow dev1 mqtts-v4 "tcp $MQTT4:8883  mosquitto_pub TLS iot/bulb/state"
	def_flow dev1 mqtts-v6 "tcp [$MQTT6]:8883  mosquitto_pub TLS iot/bulb/telemetry"
	def_flow dev1 ntp-v4 "udp $TIME4:123  chronyd -Q 'server time.example' (NTP sync, clock untouched)"
	def_flow dev1 ntp-v6 "udp [$TIME6]:123  chronyd -Q 'server time.example' (NTP sync, clock untouched)"
	def_flow dev1 ping-v4 "icmp $API4  ping -c 2"
	def_flow dev1 ping-v6 "icmpv6 $API6  ping -6 -c 2"

	def_flow dev2 dns-A "udp $GW_LAN4:53 (gw resolver)  api.vendor.example A"
	def_flow dev2 http-big-v4 "tcp $API4:80  GET http://api.vendor.example/big.bin (1 MiB)"
	def_flow dev2 https-big-v6 "tcp [$API6]:443  GET https://api.vendor.example/big.bin (1 MiB)"
	def_flow dev2 http-jpg-v6 "tcp [$API6]:80  GET http://api.vendor.example/image.jpg"
	def_flow dev2 https-gz-v4 "tcp $API4:443  GET https://api.vendor.example/data.json.gz"

	def_flow dev3 dns-cdn-A "udp $GW_LAN4:53 (gw resolver)  cdn.example A (2 records)"
	def_flow dev3 dns-cdn-AAAA "udp $GW_LAN4:53 (gw resolver)  cdn.example AAAA (2 records)"
	def_flow dev3 http-cdn-v4 "tcp $CDN4A|$CDN4B:80  GET http://cdn.example/status.json"
	def_flow dev3 http-cdn-v6 "tcp [$CDN6A|$CDN6B]:80  GET http://cdn.example/status.json"
	def_flow dev3 dns-direct-v4 "udp $DNS4:53 (hard-coded, bypasses gw)  time.example A"
	def_flow dev3 dns-direct-v6 "udp [$DNS6]:53 (hard-coded, bypasses gw)  time.example AAAA"
}

# flow DEV NAME LIMIT EXPECT CMD...
# Runs CMD in DEV's namespace bounded by min(LIMIT, time left). EXPECT '-'
# means "exit code 0"; otherwise the whitespace-separated words of stdout
# must equal EXPECT's (order ignored). Appends "NAME ok|fail|cut|skip" to
# $TDIR/DEV.res and a log line to $TDIR/DEV.log.
flow() {
	local dev=$1 name=$2 limit=$3 expect=$4
	shift 4
	local ns=${PREFIX}_$dev res=$TDIR/$dev.res lg=$TDIR/$dev.log
	local rem t rc=0 out verdict clamped=0
	rem=$(((DEADLINE_MS - $(now_ms)) / 1000))
	if [ "$rem" -lt 1 ]; then
		echo "$name skip" >>"$res"
		return 0
	fi
	t=$limit
	if [ "$rem" -lt "$t" ]; then
		t=$rem
		clamped=1
	fi
	out=$(timeout -k 1 "$t" ip netns exec "$ns" "$@" 2>>"$lg") || rc=$?
	verdict=ok
	if [ "$rc" -ne 0 ]; then
		verdict=fail
		if [ "$clamped" -eq 1 ] && { [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; }; then
			verdict="cut"
		fi
	elif [ "$expect" != - ]; then
		# shellcheck disable=SC2086
		if [ "$(printf '%s\n' $out | sort | tr '\n' ' ')" != "$(printf '%s\n' $expect | sort | tr '\n' ' ')" ]; then
			verdict=fail
			rc=99
		fi
	fi
	printf '%s %s rc=%s %s out=%s\n' "$(date +%T)" "$name" "$rc" "$verdict" "$(printf '%s' "$out" | tr '\n' ' ' | cut -c1-200)" >>"$lg"
	echo "$name $verdict" >>"$res"
}

pace() { # sleep SECS but not past the deadline
	local rem_ms=$((DEADLINE_MS - $(now_ms))) s=$1
	[ "$rem_ms" -le 0 ] && return 0
	if [ $((s * 1000)) -gt "$rem_ms" ]; then
		sleep "$((rem_ms / 1000)).$(printf '%03d' $((rem_ms % 1000)))"
	else
		sleep "$s"
	fi
}

time_left() { [ "$(now_ms)" -le $((DEADLINE_MS - 1000)) ]; } # >= 1 s left

traffic_dev1() { # the bulb
	local ca=$STATE/ca.crt d=dev1 n=0 cfg=$TDIR/chrony-dev1
	mkdir -p "$cfg"
	# A one-shot NTP client: chronyd -Q measures the offset and exits, never
	# touching the clock. Sub-second polling makes a sync take ~0.3 s
	# instead of ~4 s with plain iburst.
	# shellcheck disable=SC2034 # read by render
	local CHRONY_CLIENT_DIR=$cfg
	render chrony-client.conf "$cfg/chrony.conf"
	local curl=(curl -sS -f --max-time 5 -o /dev/null -w '%{http_code}')
	local dig=(dig +short +time=2 +tries=1)
	while time_left; do
		n=$((n + 1))
		flow $d dns-A 4 "$API4" "${dig[@]}" api.vendor.example A
		flow $d dns-AAAA 4 "$API6" "${dig[@]}" api.vendor.example AAAA
		flow $d https-v4 6 200 "${curl[@]}" -4 --cacert "$ca" https://api.vendor.example/status.json
		flow $d https-v6 6 200 "${curl[@]}" -6 --cacert "$ca" https://api.vendor.example/status.json
		flow $d http-v4 6 200 "${curl[@]}" -4 http://api.vendor.example/page.html
		flow $d http-log-v6 6 200 "${curl[@]}" -6 http://log.vendor.example/index.html
		flow $d mqtt-v4 5 - mosquitto_pub -h "$MQTT4" -p 1883 -q 1 -i bulb-$n \
			-t iot/bulb/state -m "{\"on\":true,\"seq\":$n}"
		flow $d mqtts-v4 5 - mosquitto_pub -h "$MQTT4" -p 8883 --cafile "$ca" -q 1 -i bulb-$n \
			-t iot/bulb/state -m "{\"on\":true,\"seq\":$n}"
		flow $d mqtts-v6 5 - mosquitto_pub -h "$MQTT6" -p 8883 --cafile "$ca" -q 1 -i bulb-$n \
			-t iot/bulb/telemetry -m "{\"w\":7.5,\"seq\":$n}"
		flow $d ntp-v4 6 - chronyd -4 -Q -u root -t 5 -f "$cfg/chrony.conf"
		flow $d ntp-v6 6 - chronyd -6 -Q -u root -t 5 -f "$cfg/chrony.conf"
		flow $d ping-v4 4 - ping -n -q -c 2 -i 0.2 -W 1 "$API4"
		flow $d ping-v6 4 - ping -6 -n -q -c 2 -i 0.2 -W 1 "$API6"
		pace 2
	done
	echo "iterations $n" >>"$TDIR/$d.res"
}

traffic_dev2() { # the camera
	local ca=$STATE/ca.crt d=dev2 n=0
	local big=(curl -sS -f --max-time 10 -o /dev/null -w '%{http_code} %{size_download}')
	local curl=(curl -sS -f --max-time 5 -o /dev/null -w '%{http_code}')
	while time_left; do
		n=$((n + 1))
		flow $d dns-A 4 "$API4" dig +short +time=2 +tries=1 api.vendor.example A
		flow $d http-big-v4 10 "200 1048576" "${big[@]}" -4 http://api.vendor.example/big.bin
		flow $d https-big-v6 10 "200 1048576" "${big[@]}" -6 --cacert "$ca" https://api.vendor.example/big.bin
		flow $d http-jpg-v6 5 200 "${curl[@]}" -6 http://api.vendor.example/image.jpg
		flow $d https-gz-v4 5 200 "${curl[@]}" -4 --cacert "$ca" https://api.vendor.example/data.json.gz
		pace 3
	done
	echo "iterations $n" >>"$TDIR/$d.res"
}

traffic_dev3() { # the plug
	local d=dev3 n=0
	local curl=(curl -sS -f --max-time 5 -o /dev/null -w '%{http_code}')
	local dig=(dig +short +time=2 +tries=1)
	while time_left; do
		n=$((n + 1))
		flow $d dns-cdn-A 4 "$CDN4A $CDN4B" "${dig[@]}" cdn.example A
		flow $d dns-cdn-AAAA 4 "$CDN6A $CDN6B" "${dig[@]}" cdn.example AAAA
		flow $d http-cdn-v4 6 200 "${curl[@]}" -4 http://cdn.example/status.json
		flow $d http-cdn-v6 6 200 "${curl[@]}" -6 http://cdn.example/status.json
		flow $d dns-direct-v4 4 "$TIME4" "${dig[@]}" @"$DNS4" time.example A
		flow $d dns-direct-v6 4 "$TIME6" "${dig[@]}" @"$DNS6" time.example AAAA
		pace 2
	done
	echo "iterations $n" >>"$TDIR/$d.res"
}

TREE=()
kill_tree() { # PID: TERM the process and all its descendants
	local p=$1 c
	for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do kill_tree "$c"; done
	kill -TERM "$p" 2>/dev/null || true
	TREE+=("$p")
}

TDIR=""
TPIDS=()
traffic_cleanup() {
	local p
	TREE=()
	for p in "${TPIDS[@]}"; do kill_tree "$p"; done
	for p in "${TPIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ ${#TREE[@]} -gt 0 ]; then
		wait_gone "${TREE[@]}" || kill -KILL "${TREE[@]}" 2>/dev/null || true
		wait_reaped "${TREE[@]}"
	fi
	[ -n "$TDIR" ] && rm -rf "$TDIR"
	return 0
}

cmd_traffic() {
	need_root
	local secs=${1:-20}
	[ $# -le 1 ] || die "usage: $PROG traffic [SECONDS]"
	if ! [[ $secs =~ ^[0-9]+$ ]] || [ "$secs" -lt 1 ] || [ "$secs" -gt 3600 ]; then
		die "SECONDS must be an integer 1..3600"
	fi
	local d ns
	for d in "${DEVS[@]}"; do
		ns=${PREFIX}_$d
		ns_exists "$ns" || die "$ns does not exist: run '$PROG up' first"
	done
	[ -r "$STATE/ca.crt" ] || die "$STATE/ca.crt missing: run '$PROG up' first"

	define_flows
	mkdir -p "$STATE/tmp"
	TDIR=$(mktemp -d "$STATE/tmp/traffic.XXXXXX")
	trap traffic_cleanup EXIT
	trap 'log "traffic: interrupted"; exit 130' INT
	trap 'log "traffic: terminated"; exit 143' TERM
	DEADLINE_MS=$(($(now_ms) + secs * 1000))

	log "traffic: ${secs}s from dev1 (bulb), dev2 (camera), dev3 (plug)"
	for d in "${DEVS[@]}"; do
		: >"$TDIR/$d.res"
		"traffic_$d" >>"$TDIR/$d.log" 2>&1 &
		TPIDS+=($!)
	done
	local p
	for p in "${TPIDS[@]}"; do wait "$p" || true; done
	TPIDS=()

	# ---- report
	local bad=0 f name desc ok fail cut iters flows
	for d in "${DEVS[@]}"; do
		iters=$(awk '$1 == "iterations" { print $2 }' "$TDIR/$d.res")
		printf '%s (%s, %s %s, ns %s): %s iterations\n' "$d" "${DEV_ROLE[$d]}" \
			"${DEV_IP4[$d]}" "${DEV_IP6[$d]}" "${PREFIX}_$d" "${iters:-0}"
		flows="FLOWS_${d}[@]"
		for name in "${!flows}"; do
			desc=${FLOW_DESC[$d:$name]}
			read -r ok fail cut _ < <(awk -v n="$name" '$1 == n { c[$2]++ }
				END { printf "%d %d %d %d\n", c["ok"], c["fail"], c["cut"], c["skip"] }' "$TDIR/$d.res")
			f="ok"
			if [ "$fail" -gt 0 ] || [ "$ok" -eq 0 ]; then
				f="FAIL"
				bad=1
			fi
			printf '  %-4s %-13s %3d ok %2d failed%s  %s\n' "$f" "$name" "$ok" "$fail" \
				"$([ "$cut" -gt 0 ] && echo " ($cut cut off by the deadline)")" "$desc"
		done
	done
	# keep the logs of the last run for inspection (removed by 'down')
	cat "$TDIR"/dev*.log >"$STATE/traffic-last.log" 2>/dev/null || true
	if [ "$bad" -ne 0 ]; then
		log "traffic: some flows failed; see $STATE/traffic-last.log"
		return 1
	fi
	log "traffic: all flows succeeded"
	return 0
}

