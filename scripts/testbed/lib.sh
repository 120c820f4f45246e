# shellcheck shell=bash
# testbed/lib.sh - helpers shared by every part of the testbed: messages,
# namespaces, time, template rendering and waiting for processes.

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

need_root() { [ "$(id -u)" -eq 0 ] || die "must run as root"; }

all_ns() {
	local d
	for d in "${DEVS[@]}"; do printf '%s\n' "${PREFIX}_$d"; done
	printf '%s\n' "$NS_SW" "$NS_GW" "$NS_INET"
}

ns_exists() { [ -e "/run/netns/$1" ] || [ -e "/var/run/netns/$1" ]; }

nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

now_ms() {
	local t=${EPOCHREALTIME/./}
	printf '%s\n' "$((t / 1000))"
}

# Map a NODE argument (dev1, gw, it_dev1, ...) to a namespace name.
resolve_node() {
	local n=$1 ns x
	case $n in
	gw | inet | sw | dev[123]) ns=${PREFIX}_$n ;;
	*) ns=$n ;;
	esac
	while read -r x; do
		if [ "$x" = "$ns" ]; then
			printf '%s\n' "$ns"
			return 0
		fi
	done < <(all_ns)
	return 1
}

# The placeholders a template may use, written @NAME@; the value is the
# shell variable NAME, inserted literally. Nothing else is expanded, so a
# template's own '$' (shell scripts, nft) stays as it is.
TEMPLATE_VARS=(STATE API4 API6 MQTT4 MQTT6 TIME4 TIME6 CDN4A CDN4B CDN6A CDN6B
	CLOUD4 CLOUD6 DNS4 DNS6 GW_LAN4 GW_LAN6 DHCP_HOSTS CHRONY_CLIENT_DIR)

# render TEMPLATE OUT: write $TB_TEMPLATES/TEMPLATE to OUT with its
# placeholders filled in; an unknown placeholder is an error.
render() {
	local src=$TB_TEMPLATES/$1 out=$2 text v
	text=$(<"$src") || die "cannot read template $src"
	for v in "${TEMPLATE_VARS[@]}"; do
		[[ $text == *"@$v@"* ]] || continue
		text=${text//"@$v@"/"${!v}"}
	done
	if [[ $text =~ @[A-Z0-9_]+@ ]]; then
		die "template $1: unknown placeholder ${BASH_REMATCH[0]}"
	fi
	printf '%s\n' "$text" >"$out"
}

# Is PID running? A zombie is not: daemons are reparented to PID 1, which
# may reap them only after a while.
pid_alive() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

wait_gone() { # PID... ; waits up to ~3 s
	local i p alive
	for ((i = 0; i < 30; i++)); do
		alive=0
		for p in "$@"; do
			if pid_alive "$p"; then alive=1; fi
		done
		[ "$alive" -eq 0 ] && return 0
		sleep 0.1
	done
	return 1
}

# Wait (bounded) until killed daemons are reaped by PID 1, so that `ps` right
# after `down` shows no <defunct> leftovers.
wait_reaped() {
	local i p left
	for ((i = 0; i < 40; i++)); do
		left=0
		for p in "$@"; do
			if [ -e "/proc/$p" ]; then left=1; fi
		done
		[ "$left" -eq 0 ] && return 0
		sleep 0.1
	done
	return 0
}
