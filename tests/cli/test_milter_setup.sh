#!/bin/sh
# partscan-milter set up as a new admin does: started as root with milter.user set, the log,
# pid file and quarantine store it writes after dropping privileges are made ready for that
# user first; -t refuses a socket libmilter cannot use and a user or group that does not
# exist; a failed start leaves no socket behind and prints its error once with -f; a relative
# -c keeps working for reloads once the daemon is in the background; a signature directory
# created after the start is loaded without a manual reload.
. "$(dirname "$0")/lib.sh"

MILTER="$TOP/$BUILD/partscan-milter"
chmod 755 "$T"
mkdir -p "$T/db"
cp "$TOP/contrib/test-signatures/"* "$T/db/"

write_conf() { # $1: [milter] user lines, $2: extra sections
	cat >"$T/partscan.conf" <<EOF
[milter]
socket = unix:$T/milter.sock
$1
pid_file = $T/run/milter.pid
[control]
socket = $T/control.sock
[database]
path = $T/db
[policy]
infected = strip
[quarantine]
directory = $T/var/q
[log]
json = $T/log/messages.json
syslog = no
${2:-}
EOF
}

# --- -t: the socket's syntax, and names that must exist on this host ---
write_conf "user = partscan-no-such-user"
run 1 "$MILTER" -t -c "$T/partscan.conf"
expect err "milter.user 'partscan-no-such-user' does not exist"
write_conf "user =
allow_root = yes
socket_group = partscan-no-such-group"
run 1 "$MILTER" -t -c "$T/partscan.conf"
expect err "group 'partscan-no-such-group' does not exist"
sed "s|^socket = unix:.*|socket = tcp:25|" "$T/partscan.conf" >"$T/bad.conf"
run 1 "$MILTER" -t -c "$T/bad.conf"
expect err "milter.socket = 'tcp:25': expected unix:PATH"
run 1 "$MILTER" -t -c "$T/partscan.conf" -p inet:99999@127.0.0.1
expect err "PORT 1 to 65535"

# --- a failed start: no socket left behind, the error printed once with -f ---
write_conf "user =
allow_root = yes"
sed "s|^socket = $T/control.sock|socket = $T/no/such/dir/control.sock|" "$T/partscan.conf" \
	>"$T/fail.conf"
run 1 "$MILTER" -f -c "$T/fail.conf"
checks=$((checks + 1))
[ ! -e "$T/milter.sock" ] && [ ! -e "$T/milter.sock.gate" ] ||
	fail "a failed start left $(ls "$T" | grep milter.sock | tr '\n' ' ')"
checks=$((checks + 1))
[ "$(grep -c "control.sock" "$T/err")" = 1 ] || { fail "the fatal error is not printed once"; cat "$T/err" >&2; }

# --- started as root with a user: log, pid file and quarantine belong to that user ---
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 && command -v miltertest >/dev/null; then
	write_conf "user = nobody"
	rm -rf "$T/log" "$T/run" "$T/var"
	spawn_milter
	wait_until 50 control_ping
	cat >"$T/m.lua" <<EOF
$(mt_envelope "unix:$T/milter.sock")
mt.header(conn, "Subject", "setup")
mt.header(conn, "MIME-Version", "1.0")
mt.header(conn, "Content-Type", "multipart/mixed; boundary=\"XX\"")
mt.eoh(conn)
$(mt_attachment e.txt "$(eicar_b64)" hello)
if not mt.eom_check(conn, MT_BODYCHANGE) then error("not stripped") end
mt.disconnect(conn)
EOF
	run 0 miltertest -s "$T/m.lua"
	for f in "$T/log/messages.json" "$T/run/milter.pid" "$T/var/q"; do
		checks=$((checks + 1))
		[ "$(stat -c %U "$f" 2>/dev/null)" = nobody ] || fail "$f: not nobody's ($(stat -c %U "$f" 2>&1))"
	done
	checks=$((checks + 1))
	ls "$T/var/q/"*.json >/dev/null 2>&1 || { fail "nothing stored in the quarantine"; cat "$T/milter.out" >&2; }
	cp "$T/log/messages.json" "$T/log.txt"
	expect log.txt '"action":"strip","result":"accept"'
	refute log.txt 'quarantine unavailable'
	stop_milter
fi

# --- a relative -c and a signature directory created after the start ---
write_conf "user =
allow_root = yes
on_no_database = tempfail"
sed -i "s|^path = .*|path = $T/later|" "$T/partscan.conf"
mkdir -p "$T/log" "$T/run" "$T/var/q"
(cd "$T" && "$MILTER" -c partscan.conf) >"$T/milter.out" 2>&1
wait_until 50 control_ping
MPID=$(cat "$T/run/milter.pid" 2>/dev/null) # written once the daemon is in the background
# the configuration is read again (only the signatures are missing yet)
run 2 "$PARTSCAN" ctl -s "$T/control.sock" reload
expect out "later: No such file"
refute out "partscan.conf"
mkdir "$T/later"
printf 'partscan setup test\n' >"$T/setup.txt"
"$PARTSCAN" hash --md5 "$T/setup.txt" | sed 's/:setup.txt$/:Partscan.Setup.Later/' >"$T/later/late.hdb"
checks=$((checks + 1))
ok=
for i in $(seq 60); do
	"$PARTSCAN" ctl -s "$T/control.sock" version >"$T/out" 2>&1
	grep -q "late.hdb" "$T/out" && { ok=1; break; }
	sleep 0.1
done
[ -n "$ok" ] || { fail "a signature directory created after the start is not loaded"; cat "$T/out" >&2; }
checks=$((checks + 1))
if [ -n "$MPID" ] && kill -TERM "$MPID"; then
	for i in $(seq 50); do kill -0 "$MPID" 2>/dev/null || break; sleep 0.1; done
else
	fail "no pid file for the daemon in the background"
fi

finish
