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
	spawn_milter
	wait_until 50 control_ping && return 0
	fail "partscan-milter did not start"
	cat "$T/milter.out" >&2
	return 1
}

# spawn_milter [CONF] : start "$MILTER" -f -c CONF (default $T/partscan.conf) in the
# background, its output in $T/milter.out, its pid in MPID; does not wait for it.
spawn_milter() {
	"$MILTER" -f -c "${1:-$T/partscan.conf}" >"$T/milter.out" 2>&1 &
	MPID=$!
}

# wait_until N CMD... : run CMD (quietly) every 0.1 s until it succeeds, at most N times;
# returns 0 once it succeeded, 1 if it never did. Counts no check.
wait_until() {
	wait_n_=$1
	shift
	for wait_i_ in $(seq "$wait_n_"); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# control_ping : 0 when the daemon's control socket $T/control.sock answers PING.
control_ping() {
	"$PARTSCAN" ctl -s "$T/control.sock" ping
}

stop_milter() {
	kill -TERM "$MPID" 2>/dev/null
	wait "$MPID"
	st=$?
	checks=$((checks + 1))
	[ "$st" = 0 ] || { fail "partscan-milter exited $st on SIGTERM"; tail -20 "$T/milter.out" >&2; }
}

# milter_conf [--no-pid-file] SOCKET [LINE]... : the [milter] and [control] sections of a
# test configuration: the milter listens on SOCKET (unix:PATH or inet:PORT@HOST), runs as the
# invoking user with its pid file $T/milter.pid (none with --no-pid-file), each LINE (e.g.
# "on_no_database = tempfail") added to [milter]; the control socket is $T/control.sock.
# For use in a here-document: $(milter_conf ...).
milter_conf() {
	conf_pid_=yes
	[ "$1" = --no-pid-file ] && { conf_pid_=; shift; }
	printf '[milter]\nsocket = %s\nuser =\nallow_root = yes\n' "$1"
	[ -n "$conf_pid_" ] && printf 'pid_file = %s\n' "$T/milter.pid"
	shift
	for conf_line_ in "$@"; do printf '%s\n' "$conf_line_"; done
	printf '[control]\nsocket = %s\n' "$T/control.sock"
}

# milter_log_conf [JSON] : the [log] section of a test configuration: JSON records to JSON
# (default $T/messages.json), no syslog.
milter_log_conf() {
	printf '[log]\njson = %s\nsyslog = no\n' "${1:-$T/messages.json}"
}

# mt_envelope SOCKET [LUA]... : the miltertest Lua that opens a message: connect to SOCKET,
# the client client.example.org [192.0.2.10], each LUA line (a HELO, macros), then MAIL FROM
# $MT_FROM (default <sender@example.org>) and RCPT TO $MT_RCPT (default <rcpt@example.net>).
# Headers and body follow.
mt_envelope() {
	printf 'conn = mt.connect("%s", 20, 0.1)\n' "$1"
	printf 'if conn == nil then error("connect failed") end\n'
	printf 'mt.conninfo(conn, "client.example.org", "192.0.2.10")\n'
	shift
	for conf_line_ in "$@"; do printf '%s\n' "$conf_line_"; done
	printf 'mt.mailfrom(conn, "%s")\n' "${MT_FROM:-<sender@example.org>}"
	printf 'mt.rcptto(conn, "%s")\n' "${MT_RCPT:-<rcpt@example.net>}"
}

# mt_attachment NAME B64 [TEXT] : the miltertest Lua that sends a multipart/mixed body
# (boundary XX; the headers saying so are the caller's) of a text/plain part TEXT (none when
# TEXT is empty or absent) and an application/octet-stream attachment NAME whose base64 is
# B64, and ends the message (mt.eom; an error when it fails). Checks of the reply follow.
mt_attachment() {
	mt_text_=
	[ -n "${3:-}" ] && mt_text_="--XX\\r\\nContent-Type: text/plain\\r\\n\\r\\n$3\\r\\n"
	printf 'mt.bodystring(conn, "%s--XX\\r\\nContent-Type: application/octet-stream; name=\\"%s\\"\\r\\nContent-Transfer-Encoding: base64\\r\\n\\r\\n%s\\r\\n--XX--\\r\\n")\n' \
		"$mt_text_" "$1" "$2"
	printf 'if mt.eom(conn) ~= nil then error("eom failed") end\n'
}

# run_lua NAME [WHAT] : run miltertest on $T/NAME.lua (output in $T/NAME.out) as one check;
# on failure say WHAT (default "miltertest NAME") and show the output. Not in a pipeline:
# the failure must be counted in this shell.
run_lua() {
	checks=$((checks + 1))
	# (miltertest prints nothing for a failed check: it only exits 1)
	if ! miltertest -s "$T/$1.lua" >"$T/$1.out" 2>&1; then
		fail "${2:-miltertest $1}"
		sed 's/^/  /' "$T/$1.out" >&2
	fi
}

# The EICAR test string as base64 (written in two halves: this file is not a test file itself).
eicar_b64() {
	printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-' 'ANTIVIRUS-TEST-FILE!$H+H*' |
		base64 -w0
}
