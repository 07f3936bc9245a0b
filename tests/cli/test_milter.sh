#!/bin/sh
# partscan-milter driven by Debian's miltertest (a real milter client speaking the protocol):
# reject with the template text, tag clean mail (forged X-Virus-* removed, with [headers]
# add = no too), strip, quarantine (hold), blocked double extensions, unscannable parts; then
# the control socket, reloads by inotify, SIGHUP and RELOAD (and a failed one that keeps the
# old signatures), and a clean stop.
. "$(dirname "$0")/lib.sh"

MILTER="$TOP/$BUILD/partscan-milter"
command -v miltertest >/dev/null || { echo "SKIP: miltertest not installed"; exit 0; }

mkdir -p "$T/db" "$T/q"
cp "$TOP/contrib/test-signatures/"* "$T/db/"
SOCK="unix:$T/milter.sock"

write_conf() { # $1: extra [policy] lines
	cat >"$T/partscan.conf" <<EOF
$(milter_conf "$SOCK")
[database]
path = $T/db
[policy]
$1
[quarantine]
directory = $T/q
$(milter_log_conf)
EOF
}

EICAR_B64=$(eicar_b64)

# mt_message NAME FILENAME B64 [extra header lines as Lua calls] : a Lua preamble that sends
# one two-part message and ends with mt.eom
mt_message() {
	mt_envelope "$SOCK" 'mt.helo(conn, "client.example.org")' \
		'mt.macro(conn, SMFIC_MAIL, "i", "4Q1D")'
	cat <<EOF
mt.header(conn, "From", "sender@example.org")
mt.header(conn, "Subject", "test $1")
mt.header(conn, "MIME-Version", "1.0")
mt.header(conn, "Content-Type", "multipart/mixed; boundary=\"XX\"")
$4
mt.eoh(conn)
EOF
	mt_attachment "$2" "$3" hello
}

write_conf ""
start_milter || { finish; exit 1; }

# infected: rejected with the template text
{
	mt_message eicar eicar.txt "$EICAR_B64" ""
	cat <<'EOF'
if mt.getreply(conn) ~= SMFIR_REPLYCODE then error("not a reply code") end
if not mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
    "Message rejected: Eicar-Test-Signature (eicar.txt)") then error("wrong reply") end
mt.disconnect(conn)
EOF
} >"$T/reject.lua"
run_lua reject

# clean: tagged, forged copies of our headers removed
CLEAN_B64=$(printf 'just some text\n' | base64 -w0)
{
	mt_message clean notes.txt "$CLEAN_B64" 'mt.header(conn, "X-Virus-Status", "Clean")
mt.header(conn, "X-Virus-Scanned", "forged")'
	cat <<'EOF'
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("not continue") end
if not mt.eom_check(conn, MT_HDRADD, "X-Virus-Status", " Clean") then error("no status") end
if not mt.eom_check(conn, MT_HDRADD, "X-Virus-Scanned") then error("no scanned") end
if not (mt.eom_check(conn, MT_HDRDELETE, "X-Virus-Status") or
        mt.eom_check(conn, MT_HDRCHANGE, "X-Virus-Status")) then error("forged kept") end
if mt.eom_check(conn, MT_BODYCHANGE) then error("body changed") end
mt.disconnect(conn)
EOF
} >"$T/clean.lua"
run_lua clean

# one answer a message: offered every no-reply option (as Postfix and Sendmail offer them),
# the daemon takes them for every step before the end of message, and a message sent whole
# without waiting gets its header changes and one final answer, nothing before
checks=$((checks + 1))
python3 - "$T/milter.sock" <<'PY' >"$T/noreply.out" 2>&1 || { fail "no-reply negotiation"; cat "$T/noreply.out" >&2; }
import socket, struct, sys
NR = {"conn": 0x1000, "helo": 0x2000, "mail": 0x4000, "rcpt": 0x8000, "hdr": 0x80,
      "eoh": 0x40000, "body": 0x80000}
def pkt(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd + data
def read(s):
    head = b""
    while len(head) < 4:
        more = s.recv(4 - len(head))
        if not more:
            raise SystemExit("closed after %r" % head)
        head += more
    n, = struct.unpack(">I", head)
    data = b""
    while len(data) < n:
        data += s.recv(n - len(data))
    return data[:1], data[1:]
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(pkt(b"O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF)))
cmd, data = read(s)
assert cmd == b"O", cmd
proto = struct.unpack(">III", data[:12])[2]
missing = [k for k, v in NR.items() if not proto & v]
assert not missing, "no reply asked for %s only; not %s" % (hex(proto), missing)
msg = [pkt(b"C", b"client\0" + b"4" + struct.pack(">H", 25) + b"192.0.2.1\0"),
       pkt(b"H", b"client.example.org\0"), pkt(b"M", b"<a@example.org>\0"),
       pkt(b"R", b"<b@example.net>\0"), pkt(b"L", b"Subject\0 hello\0"), pkt(b"N"),
       pkt(b"B", b"just text\r\n"), pkt(b"E")]
s.sendall(b"".join(msg))
got = []
while True:
    cmd, data = read(s)
    got.append(cmd)
    if cmd not in (b"h", b"i", b"m", b"-", b"b", b"p"):
        break
assert got[-1] == b"c" and got.count(b"c") == 1, got
assert b"h" in got, got
print("one answer:", got)
PY
# a double extension is blocked
EXE_B64=$(head -c 200 "$CLAMFILES/clam.exe" | base64 -w0)
{
	mt_message blocked "invoice.pdf.exe" "$EXE_B64" ""
	cat <<'EOF'
if not mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
    "Message rejected: double extension invoice.pdf.exe (invoice.pdf.exe)") then
	error("wrong reply") end
mt.disconnect(conn)
EOF
} >"$T/blocked.lua"
run_lua blocked
stop_milter

# [headers] add = no: nothing of ours is added, but a forged "Clean" on an infected message
# that is delivered tagged is removed all the same
write_conf "infected = tag
[headers]
add = no"
start_milter || { finish; exit 1; }
{
	mt_message noadd eicar.txt "$EICAR_B64" 'mt.header(conn, "X-Virus-Status", "Clean")
mt.header(conn, "X-Virus-Scanned", "forged")'
	cat <<'EOF'
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("not continue") end
if mt.eom_check(conn, MT_HDRADD) then error("a header added with add = no") end
if not (mt.eom_check(conn, MT_HDRDELETE, "X-Virus-Status") or
        mt.eom_check(conn, MT_HDRCHANGE, "X-Virus-Status")) then error("forged status kept") end
if not (mt.eom_check(conn, MT_HDRDELETE, "X-Virus-Scanned") or
        mt.eom_check(conn, MT_HDRCHANGE, "X-Virus-Scanned")) then error("forged scanned kept") end
mt.disconnect(conn)
EOF
} >"$T/noadd.lua"
run_lua noadd "add = no kept the forged status headers"
stop_milter

# strip: the attachment is replaced by a notice and kept in the store
write_conf "infected = strip"
start_milter || { finish; exit 1; }
{
	mt_message strip eicar.txt "$EICAR_B64" ""
	cat <<'EOF'
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("not continue") end
if not mt.eom_check(conn, MT_BODYCHANGE) then error("body not replaced") end
if not mt.eom_check(conn, MT_HDRADD, "X-Virus-Status", " Infected (Eicar-Test-Signature)") then
	error("no status") end
mt.disconnect(conn)
EOF
} >"$T/strip.lua"
run_lua strip
run 0 "$PARTSCAN" quarantine -q "$T/q" list
expect out "part +strip .*from=<sender@example.org> "
expect out "^1 items"
ID=$(sed -n 's/^\([0-9TZ]*-[0-9a-f]*\) .*/\1/p' "$T/out" | head -1)
run 0 "$PARTSCAN" quarantine -q "$T/q" show "$ID"
expect out '"kind" : "part"'
expect out '"signature" : "Eicar-Test-Signature"'
run 0 "$PARTSCAN" quarantine -q "$T/q" show --mime "$ID"
expect out "$EICAR_B64"
# --raw: the removed file itself, decoded
run 0 "$PARTSCAN" quarantine -q "$T/q" show --raw "$ID"
checks=$((checks + 1))
[ "$(base64 -w0 <"$T/out")" = "$EICAR_B64" ] || fail "show --raw of a part is not the decoded file"
run 2 "$PARTSCAN" quarantine -q "$T/q" release "$ID"
expect err "a removed part"
run 0 "$PARTSCAN" quarantine -q "$T/q" delete "$ID"
stop_milter

# quarantine: held in the MTA queue with the reason, a copy in the store
write_conf "infected = quarantine"
start_milter || { finish; exit 1; }
{
	mt_message hold eicar.txt "$EICAR_B64" ""
	cat <<'EOF'
if not mt.eom_check(conn, MT_QUARANTINE) then error("not held") end
if not mt.eom_check(conn, MT_HDRADD, "X-Virus-Status", " Infected (Eicar-Test-Signature)") then
	error("no status") end
mt.disconnect(conn)
EOF
} >"$T/hold.lua"
run_lua hold
run 0 "$PARTSCAN" quarantine -q "$T/q" list
expect out "message +quarantine"
ID=$(sed -n 's/^\([0-9TZ]*-[0-9a-f]*\) .*/\1/p' "$T/out" | head -1)
run 2 "$PARTSCAN" quarantine -q "$T/q" release "$ID"
expect err "held in the MTA's queue as 4Q1D"
# the store is private to the daemon
checks=$((checks + 1))
[ "$(stat -c %a "$T/q/$ID.data")" = 600 ] || fail "quarantine item mode $(stat -c %a "$T/q/$ID.data")"
# --force re-injects this copy with the configured sendmail, then removes the item
cat >"$T/fake-sendmail" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$T/sendmail.args"
cat >"$T/sendmail.stdin"
EOF
chmod +x "$T/fake-sendmail"
printf '[quarantine]\ndirectory = %s\nsendmail = %s\n' "$T/q" "$T/fake-sendmail" >"$T/release.conf"
cp "$T/q/$ID.data" "$T/held.copy"
run 0 "$PARTSCAN" quarantine -c "$T/release.conf" release --force "$ID"
expect out "re-injected and removed"
checks=$((checks + 1))
[ "$(tr '\n' ' ' <"$T/sendmail.args")" = "-i -f sender@example.org -- rcpt@example.net " ] ||
	fail "sendmail arguments: $(cat "$T/sendmail.args")"
checks=$((checks + 1))
# a release marker first, then the message as held
sed -n '1p' "$T/sendmail.stdin" | grep -Eq "^X-Partscan-Release: $ID [0-9]+ [0-9a-f]{64}$" ||
	fail "no release marker: $(head -1 "$T/sendmail.stdin")"
sed '1d' "$T/sendmail.stdin" | cmp -s - "$T/held.copy" || fail "sendmail did not get the held message"
checks=$((checks + 1))
[ ! -e "$T/q/$ID.json" ] || fail "released item still in the store"

# the control socket
run 0 "$PARTSCAN" ctl -s "$T/control.sock" version
expect out "^partscan [0-9]"
expect out "partscan-test.hdb: 2 signatures"
expect out "disk: same as loaded"
run 0 "$PARTSCAN" ctl -s "$T/control.sock" stats
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["messages"]>=1 and s["verdicts"]["infected"]>=1 and s["signatures"]==4, s' "$T/out" ||
	fail "STATS"
run 2 "$PARTSCAN" ctl -s "$T/control.sock" frob
checks=$((checks + 1))
[ "$(stat -c %a "$T/control.sock")" = 660 ] || fail "control socket mode"
GEN=$(sed -n 's/^loaded: generation \([0-9]*\).*/\1/p' "$T/out" 2>/dev/null)
"$PARTSCAN" ctl -s "$T/control.sock" version | sed -n 's/^loaded: generation \([0-9]*\).*/\1/p' >"$T/gen0"

# a new signature file: live within a second (inotify), VERSION follows
"$PARTSCAN" hash "$CLAMFILES/clam.pdf" | sed 's/clam.pdf$/Test.Pdf-1-0/' >"$T/db/extra.hdb"
sleep 1
run 0 "$PARTSCAN" ctl -s "$T/control.sock" version
expect out "extra.hdb: 1 signatures"
expect out "disk: same as loaded"
# SIGHUP reloads and does not stop the daemon
kill -HUP "$MPID"
sleep 1
run 0 "$PARTSCAN" ctl -s "$T/control.sock" ping
expect out PONG
expect_gen_gt() {
	checks=$((checks + 1))
	g=$("$PARTSCAN" ctl -s "$T/control.sock" version | sed -n 's/^loaded: generation \([0-9]*\).*/\1/p')
	[ "$g" -gt "$1" ] || fail "generation $g not above $1"
}
expect_gen_gt "$(cat "$T/gen0")"
# RELOAD, and a reload that fails (strict mode, a broken line) keeps the signatures
run 0 "$PARTSCAN" ctl -s "$T/control.sock" reload
expect out "^RELOADED generation [0-9]+, 5 signatures"
sed -i 's/^\[database\]/[database]\nstrict = yes\nwatch = no/' "$T/partscan.conf"
printf 'this is not a signature\n' >>"$T/db/extra.hdb"
run 2 "$PARTSCAN" ctl -s "$T/control.sock" reload
expect out "^ERROR reload failed, still using the loaded signatures: .*extra.hdb:2:"
run 0 "$PARTSCAN" ctl -s "$T/control.sock" version
expect out "loaded: generation [0-9]+, 5 signatures"
expect out "reload pending \(.*extra.hdb changed"
stop_milter
checks=$((checks + 1))
[ ! -e "$T/milter.pid" ] || fail "pid file left behind"

# the JSON log: one record per message, with hashes and verdicts, never content
python3 - "$T/messages.json" <<'PY' || fail "JSON log"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) >= 5, len(recs)
r = recs[0]
assert r["queue_id"] == "4Q1D" and r["verdict"] == "infected" and r["result"] == "reject", r
assert r["client"]["addr"] == "192.0.2.10" and r["recipients"] == ["<rcpt@example.net>"]
att = [p for p in r["parts"] if p.get("name") == "eicar.txt"][0]
assert att["sha256"] == "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f", att
assert all("db_generation" in x and "action" in x for x in recs)
PY

# refuses to start without signatures; -t checks and prints the configuration
mkdir "$T/empty"
sed -i "s|^path = .*|path = $T/empty|" "$T/partscan.conf"
run 1 "$MILTER" -f -c "$T/partscan.conf"
expect err "no signatures.*refusing to start"
run 0 "$MILTER" -t -c "$T/partscan.conf"
expect out "^\[policy\]"
expect out "^infected = quarantine"
printf '[milter]\nbogus = 1\n' >"$T/bad.conf"
run 1 "$MILTER" -t -c "$T/bad.conf"
expect err "bad.conf:2: unknown key 'bogus' in \[milter\]"
run 0 "$MILTER" --version -c "$T/partscan.conf" -d "$T/db"
expect out "^partscan-milter [0-9]"
expect out "partscan-test.hdb \(hdb"

finish
