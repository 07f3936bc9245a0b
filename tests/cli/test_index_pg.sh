#!/bin/sh
# The part-hash index on a real PostgreSQL (Debian's postgresql: initdb in a temporary
# directory, run as the postgres user when root, listening only on a unix socket there): the
# driver-level suites (the postgresql cases of check_index and check_index_faults), then two
# partscan-milter instances writing to one database under miltertest, `partscan hunt` reading
# it, and the database stopped mid-run and at a milter's start: mail flows, drops are counted
# in STATS, the writer reconnects.
# A milter stops at once while its hunt's query waits on the server (it is cancelled).
# Then the retro-hunt across both: a signature for the attachment arrives and both reload;
# each message that carried it is reported exactly once in total (one retro record, in the log
# of whichever instance recorded the hit first), however many reloads run. A hunt that fails
# (the database down) is made good by the next one.
. "$(dirname "$0")/lib.sh"

MILTER="$TOP/$BUILD/partscan-milter"
command -v miltertest >/dev/null || { echo "SKIP: miltertest not installed"; exit 0; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ] || { echo "SKIP: postgresql not installed"; exit 0; }

# the server runs as postgres when we are root (it refuses to run as root)
as_pg() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
PGDIR="$T/pg"
mkdir -p "$PGDIR/data"
chmod 755 "$T"
[ "$(id -u)" = 0 ] && chown -R postgres "$PGDIR"
chmod 700 "$PGDIR/data"
pg_start() {
	as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w -t 30 \
		-o "-c listen_addresses='' -k $PGDIR -c fsync=off" start >/dev/null
}
pg_stop() {
	as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1
}
MPIDS=""
cleanup() {
	for p in $MPIDS; do kill -TERM "$p" 2>/dev/null; done
	pg_stop
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

as_pg "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U postgres --no-sync >"$T/initdb.out" 2>&1 ||
	{ fail "initdb"; cat "$T/initdb.out" >&2; finish; exit 1; }
pg_start || { fail "postgres did not start"; cat "$PGDIR/log" >&2; finish; exit 1; }
as_pg "$PGBIN/createdb" -h "$PGDIR" -U postgres partscan || { fail "createdb"; finish; exit 1; }
URL="postgresql:///partscan?host=$PGDIR&user=postgres"
psql_q() { as_pg "$PGBIN/psql" -h "$PGDIR" -U postgres -d partscan -Atc "$1"; }
[ -x "$PGBIN/psql" ] || psql_q() { psql -h "$PGDIR" -U postgres -d partscan -Atc "$1"; }

# the driver's own suites on this server
for suite in check_index check_index_faults; do
	checks=$((checks + 1))
	PARTSCAN_TEST_PG_URL="$URL" CK_RUN_CASE=postgresql "$TOP/$BUILD/tests/$suite" \
		>"$T/check.out" 2>&1 || { fail "$suite (postgresql)"; cat "$T/check.out" >&2; }
	grep -q "Checks: [1-9]" "$T/check.out" || { fail "$suite ran no postgresql test"; }
done
psql_q "DROP TABLE IF EXISTS messages, rcpts, parts, hits, schema_version" >/dev/null

mkdir -p "$T/db"
cp "$TOP/contrib/test-signatures/"* "$T/db/"

# milter instance $1 (a, b): its own sockets, the shared index
write_conf() {
	mkdir -p "$T/$1/q"
	cat >"$T/$1/partscan.conf" <<EOF
[milter]
socket = unix:$T/$1/milter.sock
user =
allow_root = yes
pid_file = $T/$1/milter.pid
[control]
socket = $T/$1/control.sock
[database]
path = $T/db
[quarantine]
directory = $T/$1/q
[index]
url = $URL
$(milter_log_conf "$T/$1/messages.json")
EOF
}
start_one() { # $1: instance; sets PID_$1
	rm -f "$T/$1/control.sock"
	"$MILTER" -f -c "$T/$1/partscan.conf" >>"$T/$1/milter.out" 2>&1 &
	eval "PID_$1=$!"
	MPIDS="$MPIDS $!"
	wait_until 50 "$PARTSCAN" ctl -s "$T/$1/control.sock" ping && return 0
	fail "partscan-milter $1 did not start"
	cat "$T/$1/milter.out" >&2
	return 1
}
stop_one() {
	eval "p=\$PID_$1"
	kill -TERM "$p"
	wait "$p"
	st=$?
	checks=$((checks + 1))
	[ "$st" = 0 ] || fail "partscan-milter $1 exited $st"
}
stat_of() { # instance key: a number of the "index" object of STATS
	"$PARTSCAN" ctl -s "$T/$1/control.sock" stats |
		python3 -c 'import json,sys; print(int(json.load(sys.stdin)["index"][sys.argv[1]]))' "$2"
}
stat_at_least() { # instance key min
	[ "$(stat_of "$1" "$2")" -ge "$3" ] 2>/dev/null
}
wait_stat() { # instance key min [seconds]
	wait_until $((${4:-5} * 10)) stat_at_least "$1" "$2" "$3" && return 0
	checks=$((checks + 1))
	fail "$1: index $2 did not reach $3 (is $(stat_of "$1" "$2"))"
}

printf 'partscan pg index attachment %s\n' "$$-$(date +%s%N)" >"$T/att.bin"
ATT_B64=$(base64 -w0 "$T/att.bin")
SHA256=$(sha256sum "$T/att.bin" | cut -d' ' -f1)
MD5=$(md5sum "$T/att.bin" | cut -d' ' -f1)

send() { # instance qid: one message, delivered
	{
		MT_RCPT="<rcpt-$1@example.net>" mt_envelope "unix:$T/$1/milter.sock" \
			'mt.helo(conn, "client.example.org")' "mt.macro(conn, SMFIC_MAIL, \"i\", \"$2\")"
		cat <<EOF
mt.header(conn, "From", "sender@example.org")
mt.header(conn, "MIME-Version", "1.0")
mt.header(conn, "Content-Type", "multipart/mixed; boundary=\"XX\"")
mt.eoh(conn)
EOF
		mt_attachment data.bin "$ATT_B64" hello
		printf '%s\n' 'if mt.getreply(conn) ~= SMFIR_CONTINUE then error("not delivered") end' \
			'mt.disconnect(conn)'
	} >"$T/send.lua"
	run_lua send "mail through $1 ($2)"
}

write_conf a
write_conf b
start_one a || { finish; exit 1; }
start_one b || { finish; exit 1; }
send a 4PGA1
send b 4PGB1
wait_stat a written 1
wait_stat b written 1
checks=$((checks + 1))
[ "$(psql_q 'SELECT count(*) FROM messages')" = 2 ] || fail "messages rows: $(psql_q 'SELECT count(*) FROM messages')"
checks=$((checks + 1))
[ "$(psql_q "SELECT count(*) FROM parts WHERE sha256 = decode('$SHA256', 'hex') AND md5 = decode('$MD5', 'hex')")" = 2 ] ||
	fail "the attachment's part rows"
checks=$((checks + 1))
[ "$(psql_q 'SELECT max(version) FROM schema_version')" = 1 ] || fail "schema_version"
run 1 "$PARTSCAN" hunt --index "$URL" "$SHA256"
expect out '4PGA1.*rcpt-a@example.net.*data.bin'
expect out '4PGB1.*rcpt-b@example.net.*data.bin'
run 1 "$PARTSCAN" hunt --index "$URL" --json "$MD5"
expect out '"queue_id":"4PGB1"'
run 0 "$PARTSCAN" ctl -s "$T/a/control.sock" version
expect out '^index: postgresql, up, 1 written, 0 dropped'

# the database goes down mid-run: mail flows, records are dropped and counted
pg_stop
send a 4PGA2
send a 4PGA3
wait_stat a dropped 2
run 0 "$PARTSCAN" ctl -s "$T/a/control.sock" version
expect out '^index: postgresql, down'
checks=$((checks + 1))
grep -q "dropped" "$T/a/milter.out" || fail "drops not logged"
# down at start: the milter starts all the same and drops
stop_one b
start_one b || { finish; exit 1; }
send b 4PGB2
wait_stat b dropped 1
checks=$((checks + 1))
[ "$(stat_of b written)" = 0 ] || fail "b wrote while the database was down"
# back up: both reconnect (backoff at most 30 s) and write again
pg_start || fail "postgres did not restart"
send a 4PGA4
wait_stat a up 1 35
send a 4PGA5
send b 4PGB3
wait_stat b up 1 35
send b 4PGB4
wait_stat a written 2 10
wait_stat b written 1 10
run 1 "$PARTSCAN" hunt --index "$URL" "$SHA256"
expect out 4PGA5
expect out 4PGB4
refute out 4PGA2

# the retro-hunt with two milters on one index: each hit reported once in all
N=$(psql_q "SELECT count(DISTINCT msg_key) FROM parts WHERE sha256 = decode('$SHA256', 'hex')")
checks=$((checks + 1))
[ "$N" -ge 4 ] 2>/dev/null || fail "the attachment is in $N messages (wanted 4 or more)"
retro_total() {
	cat "$T/a/messages.json" "$T/b/messages.json" 2>/dev/null | grep -c '"type":"retro"'
}
printf '%s:%s:Test.Retro.Pg-1-0\n' "$MD5" "$(stat -c %s "$T/att.bin")" >"$T/retro.hdb"
cp "$T/retro.hdb" "$T/db/"
run 0 "$PARTSCAN" ctl -s "$T/a/control.sock" reload
run 0 "$PARTSCAN" ctl -s "$T/b/control.sock" reload
checks=$((checks + 1))
for i in $(seq 100); do
	[ "$(retro_total)" -ge "$N" ] && break
	sleep 0.1
done
sleep 1
[ "$(retro_total)" = "$N" ] || fail "$(retro_total) retro records in all (wanted $N, one per message)"
cat "$T/a/messages.json" "$T/b/messages.json" | grep '"type":"retro"' |
	sed 's/.*"queue_id":"\([^"]*\)".*/\1/' | sort >"$T/retro.qids"
checks=$((checks + 1))
[ -z "$(uniq -d "$T/retro.qids")" ] || fail "reported twice: $(uniq -d "$T/retro.qids" | tr '\n' ' ')"
expect retro.qids '^4PGA1$'
expect retro.qids '^4PGB1$'
checks=$((checks + 1))
[ "$(psql_q 'SELECT count(*) FROM hits')" = "$N" ] || fail "hits rows: $(psql_q 'SELECT count(*) FROM hits')"
# another round of reloads on both: nothing new anywhere
run 0 "$PARTSCAN" ctl -s "$T/a/control.sock" reload
run 0 "$PARTSCAN" ctl -s "$T/b/control.sock" reload
sleep 1
checks=$((checks + 1))
[ "$(retro_total)" = "$N" ] || fail "$(retro_total) retro records after more reloads (wanted $N)"

# a signature arrives while the database is down: the hunts fail; the next reload's hunts,
# with the database back, look for it too
printf 'partscan pg index second attachment %s\n' "$$-$(date +%s%N)" >"$T/att.bin"
ATT_B64=$(base64 -w0 "$T/att.bin")
send a 4PGA6
wait_stat a written 3 10
pg_stop
"$PARTSCAN" hash --md5 "$T/att.bin" | sed 's/:att.bin$/:Test.Retro.Down-1-0/' >"$T/db/down.hdb"
run 0 "$PARTSCAN" ctl -s "$T/a/control.sock" reload
run 0 "$PARTSCAN" ctl -s "$T/b/control.sock" reload
checks=$((checks + 1))
wait_until 100 grep -q "retro: hunt of generation .* failed" "$T/a/milter.out"
grep -q "retro: hunt of generation .* failed" "$T/a/milter.out" || fail "a's hunt did not fail"
pg_start || fail "postgres did not restart"
ATT_B64=$(printf 'a third attachment\n' | base64 -w0) # (the second one is a detection now)
send a 4PGA7
wait_stat a up 1 35
cp "$TOP/contrib/test-signatures/partscan-test.hdb" "$T/db/unrelated.hdb"
run 0 "$PARTSCAN" ctl -s "$T/a/control.sock" reload
run 0 "$PARTSCAN" ctl -s "$T/b/control.sock" reload
checks=$((checks + 1))
# (on a loaded machine the first hunt after the restart may still find the server starting:
# it fails, and the next reload's hunt takes the signatures it missed; 30 s in all)
for i in $(seq 300); do
	[ "$(retro_total)" -ge $((N + 1)) ] && break
	if [ $((i % 100)) = 0 ]; then
		cp "$TOP/contrib/test-signatures/partscan-test.hdb" "$T/db/unrelated$i.hdb"
		"$PARTSCAN" ctl -s "$T/a/control.sock" reload >/dev/null 2>&1
	fi
	sleep 0.1
done
sleep 1
[ "$(retro_total)" = $((N + 1)) ] ||
	fail "$(retro_total) retro records after the database came back (wanted $((N + 1)))"
cat "$T/a/messages.json" "$T/b/messages.json" | grep '"type":"retro"' >"$T/retro.all"
expect retro.all '"queue_id":"4PGA6".*"name":"Test.Retro.Down-1-0"'

# the daemon stops while a hunt's query waits on the server (another session holds a lock on
# parts): the query is cancelled and the stop does not wait for it. Before, the stop waited
# as long as the lock was held (here until the check below gives up and releases it).
as_pg "$PGBIN/psql" -h "$PGDIR" -U postgres -d partscan -qAtc \
	"BEGIN; LOCK TABLE parts IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(600)" >/dev/null 2>&1 &
LOCKER=$!
release_lock() {
	psql_q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(600)%' AND pid <> pg_backend_pid()" >/dev/null
	wait "$LOCKER" 2>/dev/null
}
printf 'partscan pg lock test %s\n' "$$" >"$T/lock.txt"
"$PARTSCAN" hash --md5 "$T/lock.txt" | sed 's/:lock.txt$/:Test.Retro.Locked-1-0/' >"$T/db/locked.hdb"
run 0 "$PARTSCAN" ctl -s "$T/a/control.sock" reload
checks=$((checks + 1))
waiting=0
for i in $(seq 100); do
	waiting=$(psql_q "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FROM q JOIN parts%'")
	[ "$waiting" -ge 1 ] 2>/dev/null && break
	sleep 0.1
done
[ "$waiting" -ge 1 ] 2>/dev/null || fail "a's hunt is not waiting for the lock"
kill -TERM "$PID_a"
stopped=no
for i in $(seq 150); do
	kill -0 "$PID_a" 2>/dev/null || { stopped=yes; break; }
	sleep 0.1
done
checks=$((checks + 1))
[ "$stopped" = yes ] || fail "a did not stop within 15 s while its hunt waited for a lock"
release_lock
wait "$PID_a"
st=$?
checks=$((checks + 1))
[ "$st" = 0 ] || fail "partscan-milter a exited $st"
expect_log() { grep -q "$1" "$T/a/milter.out" || fail "a's log: no \"$1\""; }
checks=$((checks + 1))
expect_log "retro: hunt of generation .* failed: .*cancel"
stop_one b
MPIDS=""
finish
