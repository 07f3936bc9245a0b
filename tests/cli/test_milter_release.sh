#!/bin/sh
# Quarantine release that delivers, end to end with a private Postfix whose locally submitted
# mail goes through partscan too (non_smtpd_milters = $smtpd_milters, as documented): a message
# held in Postfix's hold queue is released there (postsuper -H) and delivered once; a message
# whose only copy is the store's is re-injected with a release marker, delivered once without
# being held again and without the marker; the marker lets through only the message it was made
# for (copied onto another, that one is held) and only once (the copy sent again is held); a
# forged marker does not get mail past the scan.
# Needs root, postfix and swaks.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix_lib.sh"

MILTER="$TOP/$BUILD/partscan-milter"
postfix_require

postfix_setup
postconf -c "$PF" -e 'non_smtpd_milters = $smtpd_milters'
mkdir -p "$T/db" "$T/q"
cp "$TOP/contrib/test-signatures/"* "$T/db/"
cat >"$T/partscan.conf" <<EOF
$(milter_conf "unix:$T/milter.sock" "socket_mode = 0666")
[database]
path = $T/db
[policy]
infected = quarantine
[quarantine]
directory = $T/q
sendmail = /usr/sbin/sendmail
$(milter_log_conf)
EOF
spawn_milter
trap 'postfix_stop; kill -TERM $MPID 2>/dev/null; wait $MPID 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
wait_until 50 test -S "$T/milter.sock"
checks=$((checks + 1))
postfix_start || { fail "private Postfix did not start"; finish; exit 1; }
export MAIL_CONFIG="$PF" # sendmail, postqueue and postsuper of the private Postfix

# send SUBJECT [EXTRA-HEADER]: an EICAR attachment through SMTP
send() {
	swaks --server 127.0.0.1 --port "$PORT" --from sender@example.org --to user@partscan.test \
		--header "Subject: $1" ${2:+--add-header "$2"} --attach-type application/octet-stream \
		--attach-name eicar.txt --attach "$T/eicar.bin" >"$T/swaks.out" 2>&1
}
printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-' 'ANTIVIRUS-TEST-FILE!$H+H*' >"$T/eicar.bin"

# held QID: wait until the queue settles; prints "QUEUE_NAME QUEUE_ID" lines
queue() {
	postqueue -j 2>/dev/null | python3 -c '
import json, sys
for l in sys.stdin:
    if l.strip():
        q = json.loads(l)
        print(q["queue_name"], q["queue_id"])'
}
# delivered SUBJECT: how many messages with that subject are in the inbox
delivered() {
	grep -l "^Subject: $1\$" "$T"/mail/inbox/new/* 2>/dev/null | wc -l
}
wait_delivered() { # SUBJECT COUNT
	for i in $(seq 100); do
		[ "$(delivered "$1")" -ge "$2" ] && break
		sleep 0.1
	done
	sleep 0.5 # a second copy would arrive now
}
item_of() { # SUBJECT: the store id of the message with that subject
	grep -l "\"subject\":\"$1\"" "$T"/q/*.json 2>/dev/null | head -1 | xargs -r basename | sed 's/\.json$//'
}

# --- held in Postfix's hold queue: released there, delivered once ---
send "held one"
sleep 1
queue >"$T/out"
expect out "^hold "
ID=$(item_of "held one")
checks=$((checks + 1))
[ -n "$ID" ] || fail "no store item for the held message"
run 0 "$PARTSCAN" quarantine -c "$T/partscan.conf" release "$ID"
expect out "released from the MTA's hold queue"
wait_delivered "held one" 1
checks=$((checks + 1))
[ "$(delivered "held one")" = 1 ] || fail "held message delivered $(delivered "held one") times"
queue >"$T/out"
refute out "hold"
run 2 "$PARTSCAN" quarantine -c "$T/partscan.conf" release "$ID"

# --- only in the store (deleted from the hold queue): re-injected, not held again ---
send "store only"
sleep 1
QID=$(queue | sed -n 's/^hold //p' | head -1)
postsuper -d "$QID" hold >/dev/null 2>&1
ID=$(item_of "store only")
run 0 "$PARTSCAN" quarantine -c "$T/partscan.conf" release "$ID"
expect out "re-injected"
wait_delivered "store only" 1
checks=$((checks + 1))
[ "$(delivered "store only")" = 1 ] || fail "re-injected message delivered $(delivered "store only") times"
queue >"$T/out"
refute out "hold"
F=$(grep -l "^Subject: store only\$" "$T"/mail/inbox/new/* | head -1)
checks=$((checks + 1))
if [ -n "$F" ] && grep -qi "^X-Partscan-Release:" "$F"; then fail "the release marker was delivered"; fi
cp "$T/messages.json" "$T/log"
expect log '"result":"skip: released from the quarantine"'

# --- a marker lets through the message it was made for, once: a release whose re-injection
# is captured (not sent); its marker on another message is scanned and held; the captured copy
# itself then passes; sent again, it is scanned and held ---
held_count() { queue | grep -c '^hold '; }
held_above() { [ "$(held_count)" -gt "$1" ]; }
send "captured"
sleep 1
QID=$(queue | sed -n 's/^hold //p' | head -1)
postsuper -d "$QID" hold >/dev/null 2>&1
ID=$(item_of "captured")
cat >"$T/capture-sendmail" <<EOF
#!/bin/sh
cat >"$T/capture.stdin"
EOF
chmod +x "$T/capture-sendmail"
sed "s#^sendmail = .*#sendmail = $T/capture-sendmail#" "$T/partscan.conf" >"$T/capture.conf"
run 0 "$PARTSCAN" quarantine -c "$T/capture.conf" release --force "$ID"
MARKER=$(head -1 "$T/capture.stdin")
HELD=$(held_count)
swaks --server 127.0.0.1 --port "$PORT" --from sender@example.org --to user@partscan.test \
	--header "Subject: copied marker" --add-header "$MARKER" --body "another message" \
	--attach-type application/octet-stream --attach-name eicar.txt --attach "$T/eicar.bin" \
	>"$T/swaks.out" 2>&1
wait_until 50 held_above "$HELD"
checks=$((checks + 1))
[ "$(held_count)" -gt "$HELD" ] || fail "a marker copied onto another message was honoured"
checks=$((checks + 1))
[ "$(delivered "copied marker")" = 0 ] || fail "a copied release marker got mail delivered"
HELD=$(held_count)
/usr/sbin/sendmail -i -f sender@example.org -- user@partscan.test <"$T/capture.stdin"
wait_delivered "captured" 1
checks=$((checks + 1))
[ "$(delivered "captured")" = 1 ] ||
	fail "the message a marker was made for delivered $(delivered "captured") times"
checks=$((checks + 1))
[ "$(held_count)" = "$HELD" ] || fail "the message a marker was made for was held"
/usr/sbin/sendmail -i -f sender@example.org -- user@partscan.test <"$T/capture.stdin"
wait_until 50 held_above "$HELD"
checks=$((checks + 1))
[ "$(held_count)" -gt "$HELD" ] || fail "a release marker used twice was honoured twice"
checks=$((checks + 1))
[ "$(delivered "captured")" = 1 ] || fail "a replayed release delivered $(delivered "captured") copies"
cp "$T/messages.json" "$T/log"
checks=$((checks + 1))
[ "$(grep -c '"result":"skip: released from the quarantine"' "$T/log")" = 2 ] ||
	fail "released messages logged: $(grep -c '"result":"skip: released' "$T/log") (wanted 2)"

# --- a forged marker: scanned and held as any other ---
send "forged" "X-Partscan-Release: $ID $(date +%s) $(printf '%064d' 0)"
sleep 1
queue >"$T/out"
expect out "^hold "
checks=$((checks + 1))
[ "$(delivered forged)" = 0 ] || fail "a forged release marker got mail delivered"

finish
