# shellcheck shell=sh
# Helpers for simulated devices on the "sim" experiment backend
# (IOTRIM_EXPERIMENT_BACKEND=sim:DIR): iotrim writes its deny entries to
# DIR/rules ("ID MAC KIND VALUE PROTO PORT ACTION LEASE_END_MS OWNER"); a
# device decides whether it works from the entries whose lease has not ended,
# as the kernel would.  Source it with SIM_DIR set (SIM_MAC defaults to the
# IOTRIM_DEVICE_MAC iotrim gives its commands).

SIM_MAC=${SIM_MAC:-${IOTRIM_DEVICE_MAC:-}}

# sim_blocked NAME IP PROTO PORT: is this destination denied to the device?
sim_blocked() {
	[ -f "$SIM_DIR/rules" ] || return 1
	awk -v mac="$SIM_MAC" -v name="$1" -v ip="$2" -v proto="$3" -v port="$4" \
		-v now="$(date +%s%3N)" '
		$2 == mac && $8 > now && (($3 == "name" && $4 == name) ||
			($3 == "ip" && $4 == ip && ($5 == 0 || $5 == proto) && ($6 == 0 || $6 == port))) { f = 1 }
		END { exit !f }' "$SIM_DIR/rules"
}

# sim_reach NAME IP PROTO PORT: the device reaches it (not blocked).
sim_reach() {
	! sim_blocked "$@"
}
