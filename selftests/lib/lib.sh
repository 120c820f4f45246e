# shellcheck shell=bash
# Helpers for the shell tests: TAP output and throw-away network namespaces.
# The testbed tests (selftests/e2e/) source testbed.sh, which sources this.
# Source it, call tap_* for each check, and `tap_done` last.

IOTRIM=${IOTRIM:-$PWD/build/iotrim}
# Tests pin under their own directory so a live deployment is never touched.
export IOTRIM_PIN_DIR=${IOTRIM_PIN_DIR:-/sys/fs/bpf/iotrim-test-$$}

tap_n=0
tap_failed=0

tap_ok() {	# tap_ok NAME
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1"
}

tap_not_ok() {	# tap_not_ok NAME DETAIL...
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $1"
	shift
	[ $# -gt 0 ] && printf '#   %s\n' "$@"
	return 0
}

tap_skip() {	# tap_skip NAME REASON
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

tap_check() {	# tap_check NAME CONDITION-COMMAND...
	local name=$1
	shift
	if "$@"; then tap_ok "$name"; else tap_not_ok "$name" "failed: $*"; fi
}

tap_done() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# expect_exit NAME CODE PATTERN CMD...: CMD exits with CODE and its
# stderr+stdout matches the extended regex PATTERN.
expect_exit() {
	local name=$1 code=$2 pattern=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$code" ] && grep -qE -- "$pattern" <<<"$out"; then
		tap_ok "$name"
	else
		tap_not_ok "$name" "command: $*" "exit $rc (want $code), output:" "$out"
	fi
}

# in_netns NS CMD...: run in NS's network namespace only (unlike
# `ip netns exec`, this keeps the host's /sys and so /sys/fs/bpf).
in_netns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# make_veth_netns NS: a namespace with veth pair lan0 <-> peer0 up and
# addressed (192.0.2.1/24 and .2/24), for tests that need an interface.
make_veth_netns() {
	local ns=$1
	ip netns add "$ns"
	ip -n "$ns" link add lan0 type veth peer name peer0
	ip -n "$ns" addr add 192.0.2.1/24 dev lan0
	ip -n "$ns" link set lan0 up
	ip -n "$ns" link set peer0 up
	ip -n "$ns" link set lo up
}
