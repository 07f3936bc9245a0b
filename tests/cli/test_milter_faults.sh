#!/bin/sh
# partscan-milter under faults: malformed milter packets and an MTA that disconnects in the
# middle of a body (the daemon survives, serves the next message, stops cleanly — under
# `make check-asan` also without a leak); a quarantine store that cannot be written (the
# message is tempfailed, never lost); signature files deleted or a snapshot truncated under a
# reload (the loaded signatures stay); and privileges (root refused unless allowed, the
# configured user taken, socket and store permissions).
. "$(dirname "$0")/lib.sh"

MILTER="$TOP/$BUILD/partscan-milter"
command -v miltertest >/dev/null || { echo "SKIP: miltertest not installed"; exit 0; }
chmod 755 "$T"
mkdir -p "$T/db" "$T/q"
cp "$TOP/contrib/test-signatures/"* "$T/db/"
SOCK="$T/milter.sock"

write_conf() { # $1: [database] path, $2: quarantine directory, $3: extra lines at the end
	cat >"$T/partscan.conf" <<EOF
$(milter_conf "unix:$SOCK")
[database]
path = $1
[quarantine]
directory = $2
$(milter_log_conf)
$3
EOF
}

alive() {
	checks=$((checks + 1))
	"$PARTSCAN" ctl -s "$T/control.sock" ping >/dev/null 2>&1 || fail "daemon gone after $1"
}

EICAR_B64=$(eicar_b64)

# eicar_lua NAME CHECK: a miltertest script sending one EICAR message, then CHECK (Lua)
eicar_lua() {
	# (miltertest's MT_SMTPREPLY check wants code, extended code and text: all three)
	{
		mt_envelope "unix:$SOCK"
		cat <<EOF
mt.header(conn, "Subject", "fault $1")
mt.header(conn, "Content-Type", "multipart/mixed; boundary=\"XX\"")
mt.eoh(conn)
EOF
		mt_attachment e.txt "$EICAR_B64"
		printf '%s\nmt.disconnect(conn)\n' "$2"
	} >"$T/$1.lua"
	run_lua "$1"
}

# --- malformed input, and an MTA that goes away mid-message ---
write_conf "$T/db" "$T/q" ""
start_milter || { finish; exit 1; }
# (each case, then "sequences": a few hundred random command sequences, out of order too)
for c in $(python3 "$TOP/tests/cli/milter_malformed.py" --list); do
	python3 "$TOP/tests/cli/milter_malformed.py" "$SOCK" "$c" >>"$T/malformed.out" 2>&1
	alive "$c"
done
checks=$((checks + 1))
[ "$(grep -c . "$T/malformed.out")" -ge 28 ] || { fail "malformed cases not run"; cat "$T/malformed.out" >&2; }
checks=$((checks + 1))
grep -qx sequences "$T/malformed.out" || fail "random sequences not run"
eicar_lua after_malformed 'if not mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", "Message rejected: Eicar-Test-Signature (e.txt)") then error("not rejected") end'
{
	mt_envelope "unix:$SOCK"
	cat <<EOF
mt.header(conn, "Subject", "clean after malformed")
mt.eoh(conn)
mt.bodystring(conn, "just text\r\n")
if mt.eom(conn) ~= nil then error("eom failed") end
if not mt.eom_check(conn, MT_HDRADD, "X-Virus-Status", " Clean") then error("not tagged clean") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("not accepted") end
mt.disconnect(conn)
EOF
} >"$T/clean_after.lua"
run_lua clean_after "clean message after malformed input"
stop_milter

# --- the quarantine store cannot be written: tempfail, nothing lost, nothing held ---
printf 'a file, not a directory\n' >"$T/notadir"
write_conf "$T/db" "$T/notadir/q" "[policy]
infected = quarantine"
start_milter || { finish; exit 1; }
eicar_lua store_fails 'if not mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.1", "Message could not be processed (quarantine unavailable), try again later") then error("not tempfailed") end
if mt.eom_check(conn, MT_QUARANTINE) then error("held although not stored") end'
stop_milter
expect_log() {
	checks=$((checks + 1))
	grep -q -- "$1" "$T/milter.out" || { fail "log lacks $1"; tail -5 "$T/milter.out" >&2; }
}
expect_log "quarantine store: .*notadir"
write_conf "$T/db" "$T/notadir/q" "[policy]
infected = strip"
start_milter || { finish; exit 1; }
eicar_lua strip_store_fails 'if not mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.1", "Message could not be processed (attachment removal failed), try again later") then error("not tempfailed") end
if mt.eom_check(conn, MT_BODYCHANGE) then error("body changed although not stored") end'
stop_milter

# --- reload faults keep the loaded signatures ---
write_conf "$T/db" "$T/q" ""
start_milter || { finish; exit 1; }
mv "$T/db" "$T/db.away"
mkdir "$T/db"
sleep 1 # (inotify is watching the old directory: a RELOAD makes sure)
run 2 "$PARTSCAN" ctl -s "$T/control.sock" reload
expect out "^ERROR reload failed.*no signatures found"
run 0 "$PARTSCAN" ctl -s "$T/control.sock" version
expect out "loaded: generation 1, 4 signatures"
expect out "reload pending"
eicar_lua after_failed_reload 'if not mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", "Message rejected: Eicar-Test-Signature (e.txt)") then error("not rejected") end'
stop_milter
rmdir "$T/db"
mv "$T/db.away" "$T/db"

"$PARTSCAN" db compile -o "$T/sigs.psdb" "$T/db" >/dev/null
write_conf "$T/sigs.psdb" "$T/q" ""
start_milter || { finish; exit 1; }
head -c 300 "$T/sigs.psdb" >"$T/trunc" && cp "$T/trunc" "$T/sigs.psdb"
run 2 "$PARTSCAN" ctl -s "$T/control.sock" reload
expect out "truncated"
run 0 "$PARTSCAN" ctl -s "$T/control.sock" version
expect out "4 signatures"
stop_milter

# --- privileges ---
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	write_conf "$T/db" "$T/q" ""
	sed -i 's/^allow_root = yes/allow_root = no/' "$T/partscan.conf"
	run 1 "$MILTER" -f -c "$T/partscan.conf"
	expect err "refusing to run as root"
	# the configured user: sockets opened as root, then the daemon runs as nobody
	mkdir -p "$T/var/q"
	chown -R nobody "$T/var"
	write_conf "$T/db" "$T/var/q" ""
	sed -i "s/^user =$/user = nobody/; s|^json = .*|json = $T/var/messages.json|; s|^pid_file = .*|pid_file = $T/var/milter.pid|" \
		"$T/partscan.conf"
	start_milter || { finish; exit 1; }
	checks=$((checks + 1))
	uid=$(awk '/^Uid:/ {print $2 $3 $4 $5}' "/proc/$MPID/status")
	nuid=$(id -u nobody)
	[ "$uid" = "$nuid$nuid$nuid$nuid" ] || fail "daemon uids $uid, not nobody's $nuid"
	checks=$((checks + 1))
	[ "$(stat -c '%a %U' "$T/control.sock")" = "660 nobody" ] ||
		fail "control socket $(stat -c '%a %U' "$T/control.sock")"
	eicar_lua as_nobody 'if not mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", "Message rejected: Eicar-Test-Signature (e.txt)") then error("not rejected") end'
	stop_milter
else
	echo "SKIP: privilege checks need root and the user nobody"
fi

finish
