# Shared helpers for the command-line tests (sourced). Each test script runs the built
# binaries in a temporary directory and fails on the first broken expectation.
set -u
BUILD=${BUILD:-build}
TOP=$(pwd)
PARTSCAN="$TOP/$BUILD/partscan"
CLAMFILES=${CLAMAV_TESTFILES:-/usr/share/clamav-testfiles}
T=$(mktemp -d "${TMPDIR:-/tmp}/partscan-cli-XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
failures=0
checks=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# run EXPECTED_EXIT CMD... : run, keep stdout in $T/out and stderr in $T/err
run() {
	want=$1
	shift
	checks=$((checks + 1))
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" != "$want" ]; then
		fail "exit $got (wanted $want): $*"
		sed 's/^/  out: /' "$T/out" | head -20 >&2
		sed 's/^/  err: /' "$T/err" | head -20 >&2
	fi
}

# expect FILE PATTERN : grep -E PATTERN in $T/FILE (out or err)
expect() {
	checks=$((checks + 1))
	grep -Eq -- "$2" "$T/$1" || {
		fail "$1 lacks /$2/"
		sed "s/^/  $1: /" "$T/$1" | head -20 >&2
	}
}

# refute FILE PATTERN
refute() {
	checks=$((checks + 1))
	if grep -Eq -- "$2" "$T/$1"; then
		fail "$1 has /$2/"
		sed "s/^/  $1: /" "$T/$1" | head -20 >&2
	fi
}

finish() {
	echo "$(basename "$0"): $checks checks, $failures failures"
	[ "$failures" = 0 ]
}

# The milter tests (sourced helpers): start "$MILTER" -f -c $T/partscan.conf and wait for its
# control socket ($T/control.sock); stop it with SIGTERM and check it exits 0. MPID: its pid.
start_milter() {
	rm -f "$T/milter.sock" "$T/control.sock"
	"$MILTER" -f -c "$T/partscan.conf" >"$T/milter.out" 2>&1 &
	MPID=$!
	for i in $(seq 50); do
		"$PARTSCAN" ctl -s "$T/control.sock" ping >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "partscan-milter did not start"
	cat "$T/milter.out" >&2
	return 1
}

stop_milter() {
	kill -TERM "$MPID" 2>/dev/null
	wait "$MPID"
	st=$?
	checks=$((checks + 1))
	[ "$st" = 0 ] || { fail "partscan-milter exited $st on SIGTERM"; tail -20 "$T/milter.out" >&2; }
}

# The EICAR test string as base64 (written in two halves: this file is not a test file itself).
eicar_b64() {
	printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-' 'ANTIVIRUS-TEST-FILE!$H+H*' |
		base64 -w0
}
