#!/bin/sh
# The retro-hunt through the real daemon: partscan-milter with a SQLite index takes three
# messages with harmless attachments (Debian's miltertest as the MTA), then a signature for
# the attachment of the second one is added and the signatures reloaded (`partscan ctl
# reload`): within a second the message log has exactly one "type": "retro" record, naming
# that message's queue id and recipients; the [retro] program got the hit as JSON on stdin,
# the [retro] notify address got a mail (through the configured sendmail: a script here),
# STATS counts it; `partscan hunt --signatures FILE` finds it. Reloads after that report
# nothing new: the same signatures, and the signature removed and added again (the index
# remembers the hit). A PE section signature is said to be unhuntable, not silently ignored.
# A restart with a signature that arrived while the daemon was down: [retro] state (the
# generation hunted last) makes the start hunt it.
. "$(dirname "$0")/lib.sh"

MILTER="$TOP/$BUILD/partscan-milter"
command -v miltertest >/dev/null || { echo "SKIP: miltertest not installed"; exit 0; }

SOCK="unix:$T/milter.sock"
mkdir -p "$T/db" "$T/att" "$T/hook" "$T/state"
sed -n 2p "$TOP/contrib/test-signatures/partscan-test.hdb" >"$T/db/base.hdb" # clam.exe
for n in 1 2 3; do
	head -c 3000 /dev/urandom | base64 -w 76 >"$T/att/report$n.txt"
	printf 'attachment %s of the retro-hunt test\n' "$n" >>"$T/att/report$n.txt"
done
"$PARTSCAN" hash --md5 "$T/att/report2.txt" | sed 's/:report2.txt$/:Test.Retro-2-0/' >"$T/new.hdb"
cut -d: -f1 "$T/new.hdb" >"$T/md5"
"$PARTSCAN" hash --md5 "$T/att/report3.txt" | sed 's/:report3.txt$/:Test.Retro-3-0/' >"$T/while-down.hdb"

cat >"$T/hook.sh" <<EOF
#!/bin/sh
n=\$(ls "$T/hook" | wc -l)
cat >"$T/hook/hit.\$n.json"
exit 3
EOF
cat >"$T/sendmail.sh" <<EOF
#!/bin/sh
{ echo "ARGS: \$*"; cat; } >>"$T/notify.mail"
EOF
chmod +x "$T/hook.sh" "$T/sendmail.sh"

cat >"$T/partscan.conf" <<EOF
$(milter_conf "$SOCK")
[database]
path = $T/db
watch = no
[index]
url = sqlite://$T/index.db
[retro]
notify = admin@example.org
program = $T/hook.sh
timeout = 10
state = $T/state/retro.psdb
[quarantine]
directory = $T/q
sendmail = $T/sendmail.sh
$(milter_log_conf)
EOF

# deliver N QID RCPT : one message with attachment N (accepted: nothing matches yet)
deliver() {
	# (the base64 lines end in CRLF; the last one's belongs to the boundary)
	b64=$(base64 -w 76 "$T/att/report$1.txt" | sed '$!s/$/\\r\\n/' | tr -d '\n')
	{
		MT_RCPT="<$3@example.net>" mt_envelope "$SOCK" 'mt.helo(conn, "client.example.org")' \
			"mt.macro(conn, SMFIC_MAIL, \"i\", \"$2\")"
		cat <<EOF
mt.rcptto(conn, "<boss@example.net>")
mt.header(conn, "From", "sender@example.org")
mt.header(conn, "Message-ID", "<retro-$1@example.org>")
mt.header(conn, "MIME-Version", "1.0")
mt.header(conn, "Content-Type", "multipart/mixed; boundary=\"XX\"")
mt.eoh(conn)
EOF
		mt_attachment "report$1.txt" "$b64" "see attached"
		printf '%s\n' 'if mt.getreply(conn) ~= SMFIR_CONTINUE then error("not accepted") end' \
			'mt.disconnect(conn)'
	} >"$T/msg.lua"
	run_lua msg "message $1 not accepted"
}

# retro_records : the number of retro records in the message log
retro_records() {
	grep -c '"type":"retro"' "$T/messages.json" 2>/dev/null || true
}

# retro_at_least N : the message log has N retro records or more
retro_at_least() {
	[ "$(retro_records)" -ge "$1" ]
}

reload() {
	run 0 "$PARTSCAN" ctl -s "$T/control.sock" reload
}

start_milter || { finish; exit 1; }
# the first start hunts nothing, and keeps what it loaded as the state
checks=$((checks + 1))
wait_until 50 test -s "$T/state/retro.psdb" || fail "no state file written at the first start"
deliver 1 4AAA01 alice
deliver 2 4BBB02 bob
deliver 3 4CCC03 carol

# the index writer is asynchronous: wait until the second attachment is in the index
checks=$((checks + 1))
for i in $(seq 100); do
	"$PARTSCAN" hunt -c "$T/partscan.conf" --signatures "$T/new.hdb" >"$T/out" 2>"$T/err"
	[ $? = 1 ] && break
	sleep 0.1
done
grep -q 4BBB02 "$T/out" || fail "the index never had the second attachment"

# a signature for the second attachment arrives
cp "$T/new.hdb" "$T/db/new.hdb"
reload
checks=$((checks + 1))
wait_until 10 retro_at_least 1
[ "$(retro_records)" = 1 ] || fail "$(retro_records) retro records within a second (wanted 1)"
grep '"type":"retro"' "$T/messages.json" >"$T/retro.json"
expect retro.json '"queue_id":"4BBB02"'
expect retro.json '"message_id":"retro-2@example.org"'
expect retro.json '"recipients":\["bob@example.net","boss@example.net"\]'
expect retro.json '"sender":"sender@example.org"'
expect retro.json '"name":"Test.Retro-2-0","kind":"detect","digest":"md5"'
expect retro.json '"source":"new.hdb"'
expect retro.json "\"path\":\"[^\"]*\",\"name\":\"report2.txt\""
checks=$((checks + 1))
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/messages.json" ||
	fail "the message log is not one JSON object per line"

# the program got the hit as JSON on stdin; its exit status is logged
checks=$((checks + 1))
wait_until 50 grep -q "exit status 3" "$T/milter.out"
[ "$(ls "$T/hook" | wc -l)" = 1 ] || fail "the program ran $(ls "$T/hook" | wc -l) times"
cat "$T/hook/"* >"$T/hook.json" 2>/dev/null
expect hook.json '"type":"retro".*"queue_id":"4BBB02"'
checks=$((checks + 1))
python3 -c 'import json,sys; h=json.load(open(sys.argv[1])); assert h["signature"]["name"]=="Test.Retro-2-0"' \
	"$T/hook.json" || fail "the program's input is not the hit as JSON"
cp "$T/milter.out" "$T/daemon.log"
expect daemon.log "retro: program .*hook.sh for 4BBB02 .*exit status 3"
expect daemon.log "retro: 4BBB02: part .* matches Test.Retro-2-0"

# the notification mail
checks=$((checks + 1))
wait_until 50 test -s "$T/notify.mail"
cp "$T/notify.mail" "$T/mail" 2>/dev/null || : >"$T/mail"
expect mail "^ARGS: -i -- admin@example.org$"
expect mail "^Subject: partscan retro-hunt .*1 delivered part matches new signatures"
expect mail "queue id 4BBB02"
expect mail "to bob@example.net, boss@example.net"

run 0 "$PARTSCAN" ctl -s "$T/control.sock" stats
expect out '"retro":\{"hunts":1,"signatures":1,"hits":1,"failed":0'

# hunt --signatures: plain and JSON
run 1 "$PARTSCAN" hunt -c "$T/partscan.conf" --signatures "$T/new.hdb"
expect out "	4BBB02	retro-2@example.org	sender@example.org	bob@example.net,boss@example.net	[^	]+	report2.txt	clean/accept	Test.Retro-2-0$"
refute out "4AAA01|4CCC03"
run 1 "$PARTSCAN" hunt -c "$T/partscan.conf" --json --signatures "$T/new.hdb"
checks=$((checks + 1))
python3 -c 'import json,sys; l=[json.loads(x) for x in open(sys.argv[1])]; assert len(l)==1 and l[0]["queue_id"]=="4BBB02" and l[0]["recipients"]==["bob@example.net","boss@example.net"]' \
	"$T/out" || fail "hunt --json is not the one hit"
# the base signatures match nothing delivered; a PE section signature cannot be hunted
printf '512:%s:Test.Section-1-0\n' "$(cat "$T/md5")" >"$T/sect.mdb"
run 0 "$PARTSCAN" hunt -c "$T/partscan.conf" --signatures "$T/db/base.hdb" "$T/sect.mdb"
expect err "1 PE section / import signatures cannot be hunted"

# nothing new: the same signatures again; removed and added back (the index knows the hit)
reload
rm "$T/db/new.hdb"
reload
cp "$T/new.hdb" "$T/db/new.hdb"
reload
sleep 1
[ "$(retro_records)" = 1 ] || fail "$(retro_records) retro records after more reloads (wanted 1)"
run 0 "$PARTSCAN" ctl -s "$T/control.sock" stats
expect out '"retro":\{"hunts":4,"signatures":2,"hits":1,"failed":0'
cp "$T/milter.out" "$T/daemon.log"
expect daemon.log "1 new signatures hunted .* 0 new hits, 1 reported before"
checks=$((checks + 1))
[ "$(ls "$T/hook" | wc -l)" = 1 ] || fail "the program ran again"
stop_milter

# a signature arrives while the daemon is down: the start hunts it (the state)
cp "$T/while-down.hdb" "$T/db/"
start_milter || { finish; exit 1; }
checks=$((checks + 1))
wait_until 50 retro_at_least 2
[ "$(retro_records)" = 2 ] || fail "$(retro_records) retro records after the restart (wanted 2)"
grep '"type":"retro"' "$T/messages.json" | tail -1 >"$T/retro.json"
expect retro.json '"queue_id":"4CCC03".*"recipients":\["carol@example.net"'
expect retro.json '"name":"Test.Retro-3-0"'
stop_milter
# and a restart with nothing new reports nothing
start_milter || { finish; exit 1; }
sleep 1
checks=$((checks + 1))
[ "$(retro_records)" = 2 ] || fail "$(retro_records) retro records after a plain restart"
stop_milter

finish
