#!/bin/sh
# End to end: a private Postfix (its own configuration and queue directories, listening on
# 127.0.0.1, delivering to maildirs) with partscan-milter in front of it, driven by swaks.
# Clean mail is delivered tagged; infected mail is rejected with the reply template; a blocked
# attachment is stripped (the rest of the message byte for byte as sent); an unscannable
# message goes to Postfix's hold queue. Everything is started and stopped here.
# Needs root (Postfix's master runs as root) and the postfix and swaks packages.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix_lib.sh"

MILTER="$TOP/$BUILD/partscan-milter"
postfix_require

postfix_setup
checks=$((checks + 1))
postfix_milter || fail "partscan-milter did not start"
checks=$((checks + 1))
if ! postfix_start; then
	fail "private Postfix did not start"
	finish
	exit 1
fi

# send NAME FILE: swaks with the message as given; the SMTP dialogue in $T/NAME.smtp
send() {
	swaks --server 127.0.0.1 --port "$PORT" --from sender@example.org \
		--to "user@partscan.test" --data "$2" >"$T/$1.smtp" 2>&1
}

# mail FILE ATTNAME ATTCONTENT-FILE : a two-part message built byte by byte
mail() {
	python3 - "$1" "$2" "$3" <<'PY'
import base64, sys
out, name, content = sys.argv[1], sys.argv[2], open(sys.argv[3], "rb").read()
b64 = base64.encodebytes(content).replace(b"\n", b"\r\n")
msg = (b"From: sender@example.org\r\nTo: user@partscan.test\r\nSubject: test " + name.encode() +
       b"\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b0undary\"\r\n"
       b"X-Virus-Status: Clean (forged)\r\n\r\n"
       b"This is a multi-part message.\r\n--b0undary\r\n"
       b"Content-Type: text/plain; charset=us-ascii\r\n\r\nHello,\r\nthe file.\r\n\r\n"
       b"--b0undary\r\nContent-Type: application/octet-stream; name=\"" + name.encode() +
       b"\"\r\nContent-Disposition: attachment; filename=\"" + name.encode() +
       b"\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64 +
       b"--b0undary\r\nContent-Type: text/plain\r\n\r\nafter the attachment\r\n"
       b"--b0undary--\r\nepilogue\r\n")
open(out, "wb").write(msg)
PY
}

printf 'quarterly figures, nothing else\n' >"$T/notes.txt"
printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-' 'ANTIVIRUS-TEST-FILE!$H+H*' \
	>"$T/eicar.bin"
mail "$T/clean.eml" notes.txt "$T/notes.txt"
mail "$T/infected.eml" eicar.txt "$T/eicar.bin"
# an executable that no signature matches (only its name and type are against it)
cp "$CLAMFILES/clam-aspack.exe" "$T/setup.bin"
mail "$T/blocked.eml" setup.exe "$T/setup.bin"
cat >"$T/encrypted.eml" <<'EOF'
From: sender@example.org
To: user@partscan.test
Subject: test encrypted
MIME-Version: 1.0
Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="enc"

--enc
Content-Type: application/pgp-encrypted

Version: 1

--enc
Content-Type: application/octet-stream

-----BEGIN PGP MESSAGE-----
hQEMA1234567890ABCDEF
-----END PGP MESSAGE-----

--enc--
EOF

send clean "$T/clean.eml"
send infected "$T/infected.eml"
send blocked "$T/blocked.eml"
send encrypted "$T/encrypted.eml"

checks=$((checks + 1))
grep -q "550 5.7.1 Message rejected: Eicar-Test-Signature (eicar.txt)" "$T/infected.smtp" ||
	{ fail "infected mail not rejected"; cat "$T/infected.smtp" >&2; }
for m in clean blocked encrypted; do
	checks=$((checks + 1))
	grep -q "<- *250 2.0.0 Ok: queued" "$T/$m.smtp" ||
		{ fail "$m mail not accepted"; cat "$T/$m.smtp" >&2; }
done

# wait for the two deliveries
for i in $(seq 100); do
	[ "$(find "$T/mail/inbox/new" -type f 2>/dev/null | wc -l)" -ge 2 ] && break
	sleep 0.1
done
checks=$((checks + 1))
n=$(find "$T/mail/inbox/new" -type f 2>/dev/null | wc -l)
[ "$n" = 2 ] || { fail "$n messages delivered (wanted 2)"; cat "$T/maillog" >&2; }

python3 - "$T" <<'PY' || fail "delivered copies"
import glob, os, sys
t = sys.argv[1]
got = {}
for f in glob.glob(t + "/mail/inbox/new/*"):
    data = open(f, "rb").read().replace(b"\r\n", b"\n")
    subject = [l for l in data.split(b"\n") if l.startswith(b"Subject:")][0]
    got[subject.split()[-1].decode()] = data
clean, blocked = got["notes.txt"], got["setup.exe"]
hdr = lambda d: d.split(b"\n\n", 1)[0] + b"\n"
body = lambda d: d.split(b"\n\n", 1)[1]
assert b"X-Virus-Status: Clean\n" in hdr(clean), hdr(clean)
assert b"Clean (forged)" not in clean, "forged header kept"
assert b"X-Virus-Scanned: partscan " in hdr(clean)
assert b"X-Virus-Status: Blocked (extension .exe)" in hdr(blocked), hdr(blocked)
# the stripped message: every byte outside the removed part exactly as sent
sent = open(t + "/blocked.eml", "rb").read().replace(b"\r\n", b"\n")
# (the SMTP client adds a line end at the very end: compare without trailing ones)
sb, db = body(sent).rstrip(b"\n"), body(blocked).rstrip(b"\n")
start = sb.index(b'Content-Type: application/octet-stream; name="setup.exe"')
end = sb.index(b"\n--b0undary\nContent-Type: text/plain\n\nafter")
assert db.startswith(sb[:start]), "text before the removed part changed"
assert db.endswith(sb[end:]), "text after the removed part changed"
notice = db[start:len(db) - (len(sb) - end)]
assert b"Content-Type: text/plain" in notice and b'"setup.exe"' in notice, notice
assert b"extension .exe" in notice and b"kept in quarantine as" in notice, notice
assert b"TVqQ" not in db, "the executable is still there"
PY

# the unscannable message waits in the hold queue
checks=$((checks + 1))
postqueue -c "$PF" -j >"$T/queue.json" 2>&1
python3 -c '
import json, sys
q = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(q) == 1 and q[0]["queue_name"] == "hold", q
' "$T/queue.json" || { fail "encrypted message not held"; cat "$T/queue.json" >&2; }

# one JSON record per message, with the verdicts and actions
python3 - "$T/messages.json" "$T/setup.bin" <<'PY' || fail "JSON log"
import hashlib, json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
by = {r["subject"].split()[-1]: r for r in recs}
assert by["notes.txt"]["verdict"] == "clean" and by["notes.txt"]["result"] == "accept"
assert by["eicar.txt"]["verdict"] == "infected" and by["eicar.txt"]["result"] == "reject"
assert by["setup.exe"]["verdict"] == "blocked" and by["setup.exe"]["action"] == "strip"
assert by["encrypted"]["verdict"] == "unscannable" and by["encrypted"]["action"] == "quarantine"
assert all(r["queue_id"] for r in recs), [r["queue_id"] for r in recs]
exe = [p for p in by["setup.exe"]["parts"] if p.get("name") == "setup.exe"][0]
assert exe["type"] == "pe", exe
assert exe["sha256"] == hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest(), exe
PY
run 0 "$PARTSCAN" quarantine -q "$T/q" list
expect out "part +strip"
expect out "message +quarantine"

finish
