#!/bin/sh
# The part-hash index with SQLite through the real milter (Debian's miltertest as the MTA):
# delivered and rejected mail is indexed (STATS, VERSION), `partscan hunt` finds the delivered
# attachment by SHA-256, MD5 and SHA-1 (text bodies by SHA-256 only), within a time window,
# as text and JSON; a reload with another url reopens the index; a corrupt index file is
# refused with a clear message while mail flows.
. "$(dirname "$0")/lib.sh"

MILTER="$TOP/$BUILD/partscan-milter"
command -v miltertest >/dev/null || { echo "SKIP: miltertest not installed"; exit 0; }

mkdir -p "$T/db" "$T/q"
cp "$TOP/contrib/test-signatures/"* "$T/db/"
SOCK="unix:$T/milter.sock"

write_conf() { # $1: [index] url, $2: more [index] lines
	cat >"$T/partscan.conf" <<EOF
$(milter_conf "$SOCK")
[database]
path = $T/db
[quarantine]
directory = $T/q
[index]
url = $1
${2:-}
$(milter_log_conf)
EOF
}

# send QID NAME B64 EXPECT: one message (a text body and an attachment); EXPECT is the Lua
# reply check
send() {
	{
		MT_RCPT="<alice@example.net>" mt_envelope "$SOCK" 'mt.helo(conn, "client.example.org")' \
			"mt.macro(conn, SMFIC_MAIL, \"i\", \"$1\")"
		cat <<EOF
mt.rcptto(conn, "<bob@example.net>")
mt.header(conn, "From", "sender@example.org")
mt.header(conn, "Message-ID", "<$1@example.org>")
mt.header(conn, "MIME-Version", "1.0")
mt.header(conn, "Content-Type", "multipart/mixed; boundary=\"XX\"")
mt.eoh(conn)
EOF
		mt_attachment "$2" "$3" "hello index"
		printf '%s\nmt.disconnect(conn)\n' "$4"
	} >"$T/send.lua"
	run_lua send "miltertest $1"
}
ACCEPTED='if mt.getreply(conn) ~= SMFIR_CONTINUE then error("not delivered") end'
REJECTED='if mt.getreply(conn) ~= SMFIR_REPLYCODE then error("not rejected") end'

# wait_written N: until STATS says N messages are in the index (5 s at most)
wait_written() {
	wait_until 50 stats_written "$1" && return 0
	checks=$((checks + 1))
	fail "the index did not reach $1 written messages"
	cat "$T/stats" >&2
}
# stats_written N: STATS (kept in $T/stats) says N messages are in the index
stats_written() {
	"$PARTSCAN" ctl -s "$T/control.sock" stats >"$T/stats" 2>&1
	grep -q "\"written\": *$1[,}]" "$T/stats"
}

# the attachment: harmless bytes, unique to this run
printf 'partscan index test attachment %s\n' "$$-$(date +%s%N)" >"$T/att.bin"
ATT_B64=$(base64 -w0 "$T/att.bin")
SHA256=$(sha256sum "$T/att.bin" | cut -d' ' -f1)
MD5=$(md5sum "$T/att.bin" | cut -d' ' -f1)
SHA1=$(sha1sum "$T/att.bin" | cut -d' ' -f1)
SIZE=$(wc -c <"$T/att.bin")
# (the line end before a boundary belongs to the boundary)
BODY_SHA256=$(printf 'hello index' | sha256sum | cut -d' ' -f1)
BODY_MD5=$(printf 'hello index' | md5sum | cut -d' ' -f1)
EICAR_B64=$(eicar_b64)

write_conf "$T/index.db"
start_milter || { finish; exit 1; }
send 4IDX1 report.bin "$ATT_B64" "$ACCEPTED"
send 4IDX2 eicar.com "$EICAR_B64" "$REJECTED"
wait_written 2
expect stats '"enabled": *true'
expect stats '"up": *true'
expect stats '"dropped": *0'
run 0 "$PARTSCAN" ctl -s "$T/control.sock" version
expect out '^index: sqlite, up, 2 written, 0 dropped'

# hunt by each digest of the delivered attachment
run 1 "$PARTSCAN" hunt -c "$T/partscan.conf" "$SHA256"
expect out "	4IDX1	4IDX1@example.org	sender@example.org	alice@example.net,bob@example.net	2	report.bin	clean/accept\$"
refute out 4IDX2
run 1 "$PARTSCAN" hunt --index "$T/index.db" "$MD5"
expect out '4IDX1.*report.bin'
run 1 "$PARTSCAN" hunt --index "sqlite://$T/index.db" "$SHA1:$SIZE"
expect out '4IDX1.*report.bin'
# a wrong size narrows it away
run 0 "$PARTSCAN" hunt --index "$T/index.db" "$SHA1:$((SIZE + 1))"
# JSON: one object per part, with every digest
run 1 "$PARTSCAN" hunt --index "$T/index.db" --json "$MD5"
expect out "\"sha256\":\"$SHA256\""
expect out '"recipients":\["alice@example.net","bob@example.net"\]'
expect out '"queue_id":"4IDX1"'
checks=$((checks + 1))
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/out" ||
	fail "hunt --json is not one JSON object per line"
# the rejected message is indexed too, with what was done
run 1 "$PARTSCAN" hunt --index "$T/index.db" "$(printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-' 'ANTIVIRUS-TEST-FILE!$H+H*' | sha256sum | cut -d' ' -f1)"
expect out '4IDX2.*eicar.com	infected/reject'
# text bodies: SHA-256 only (body_digests = no); both messages carry the same body
run 1 "$PARTSCAN" hunt --index "$T/index.db" "$BODY_SHA256"
expect out '4IDX1'
expect out '4IDX2'
run 0 "$PARTSCAN" hunt --index "$T/index.db" "$BODY_MD5"
# what came with the mail (here a file name with a newline, a tab and a terminal escape) is
# printed escaped: it cannot forge a line of the output nor drive the terminal
printf 'partscan index evil name %s\n' "$$" >"$T/evil.bin"
EVIL_SHA256=$(sha256sum "$T/evil.bin" | cut -d' ' -f1)
send 4IDXC '=?utf-8?q?evil=0A2026-01-01T00:00:00Z=09FAKE=1B[31m.bin?=' "$(base64 -w0 "$T/evil.bin")" "$ACCEPTED"
wait_written 3
printf '%s:%s:Evil.Name\n' "$EVIL_SHA256" "$(wc -c <"$T/evil.bin")" >"$T/evil.hsb"
for how in "$EVIL_SHA256" "--signatures $T/evil.hsb"; do
	# shellcheck disable=SC2086 # $how is two words for --signatures
	run 1 "$PARTSCAN" hunt --index "$T/index.db" $how
	expect out '4IDXC.*evil\\n2026-01-01T00:00:00Z\\tFAKE\\x1b\[31m\.bin	clean/accept'
	checks=$((checks + 1))
	[ "$(wc -l <"$T/out")" -eq 1 ] || fail "hunt $how: a file name made more than one line"
	checks=$((checks + 1))
	! grep -q "$(printf '\033')" "$T/out" || fail "hunt $how: a terminal escape was printed"
done
# time windows
run 1 "$PARTSCAN" hunt --index "$T/index.db" --since 1h "$SHA256"
run 0 "$PARTSCAN" hunt --index "$T/index.db" --until 2000-01-01 "$SHA256"
run 0 "$PARTSCAN" hunt --index "$T/index.db" --since "$(date -u -d tomorrow +%Y-%m-%d)" "$SHA256"
run 2 "$PARTSCAN" hunt --index "$T/index.db" --since yesterday "$SHA256"
expect err 'yesterday: not a date'
run 2 "$PARTSCAN" hunt --index "$T/index.db" --since yesterday --until 1d "$SHA256"
expect err 'yesterday: not a date'
run 2 "$PARTSCAN" hunt --index "$T/index.db" --since 99999999999d "$SHA256"
expect err '99999999999d: not a date'
run 2 "$PARTSCAN" hunt --index "$T/index.db" --since 1d --until 2d "$SHA256"
expect err 'after --until'
# a size that is not one: an error, not "any size" (too large) nor a huge one (negative)
run 2 "$PARTSCAN" hunt --index "$T/index.db" "$SHA256:-$SIZE"
expect err 'not an MD5, SHA-1 or SHA-256'
run 2 "$PARTSCAN" hunt --index "$T/index.db" "$SHA256:99999999999999999999"
expect err 'not an MD5, SHA-1 or SHA-256'
# not a hash; nothing found
run 2 "$PARTSCAN" hunt --index "$T/index.db" 1234
expect err 'not an MD5, SHA-1 or SHA-256'
run 0 "$PARTSCAN" hunt --index "$T/index.db" 00000000000000000000000000000000
# no index configured / none there
write_conf ""
run 2 "$PARTSCAN" hunt -c "$T/partscan.conf" "$SHA256"
expect err 'no index'
run 2 "$PARTSCAN" hunt --index "$T/none.db" "$SHA256"
expect err 'none.db'

# [index] digests is checked
write_conf "$T/index2.db" "digests = md5 crc32"
run 1 "$MILTER" -t -c "$T/partscan.conf"
expect err "unknown digest 'crc32'"

# a reload with another url: the new index gets the next message, with SHA-256 only
write_conf "$T/index2.db" "digests = sha256"
run 0 "$PARTSCAN" ctl -s "$T/control.sock" reload
send 4IDX3 report.bin "$ATT_B64" "$ACCEPTED"
for i in $(seq 50); do
	"$PARTSCAN" hunt --index "$T/index2.db" "$SHA256" >"$T/out" 2>&1 && sleep 0.1 || break
done
run 1 "$PARTSCAN" hunt --index "$T/index2.db" "$SHA256"
expect out 4IDX3
refute out 4IDX1
run 0 "$PARTSCAN" hunt --index "$T/index2.db" "$MD5"
run 1 "$PARTSCAN" hunt --index "$T/index.db" "$SHA256"
refute out 4IDX3
stop_milter

# a corrupt index file: refused with a clear message, mail flows, nothing indexed
head -c 16384 /dev/urandom >"$T/bad.db"
write_conf "$T/bad.db"
start_milter || { finish; exit 1; }
send 4IDX4 report.bin "$ATT_B64" "$ACCEPTED"
checks=$((checks + 1))
grep -q "bad.db: the SQLite file is damaged or not an index" "$T/milter.out" || {
	fail "no clear message about the corrupt index"
	cat "$T/milter.out" >&2
}
run 0 "$PARTSCAN" ctl -s "$T/control.sock" version
expect out '^index: off'
run 0 "$PARTSCAN" ctl -s "$T/control.sock" stats
expect out '"enabled": *false'
run 2 "$PARTSCAN" hunt --index "$T/bad.db" "$SHA256"
expect err 'damaged or not an index'
stop_milter

# a password in --index URL is not left on the command line every user sees: while hunt waits
# on a server that never answers, /proc/PID/cmdline holds stars where the passwords were
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1] + "/.s.PGSQL.5432")
s.listen(8)
time.sleep(30)' "$T" &
SILENT=$!
i=0
while [ ! -S "$T/.s.PGSQL.5432" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
"$PARTSCAN" hunt --index "postgresql://partscan:Se3cret@/partscan?host=$T&connect_timeout=3&password=Tw0pass" \
	"$SHA256" >"$T/hunt.out" 2>&1 &
HUNT=$!
sleep 1
tr '\0' ' ' </proc/$HUNT/cmdline >"$T/cmdline"
checks=$((checks + 1))
grep -q 'postgresql://partscan:\*\*\*\*\*\*\*@/partscan?host=.*&password=\*\*\*\*\*\*\*' "$T/cmdline" &&
	! grep -q 'Se3cret\|Tw0pass' "$T/cmdline" || fail "hunt --index: the password is on the command line: $(cat "$T/cmdline")"
wait $HUNT
rc=$?
checks=$((checks + 1))
[ $rc -eq 2 ] || fail "hunt --index with no answer: not exit 2"
! grep -q 'Se3cret\|Tw0pass' "$T/hunt.out" || fail "hunt --index: a password was printed: $(cat "$T/hunt.out")"
kill $SILENT 2>/dev/null
wait $SILENT 2>/dev/null

finish
