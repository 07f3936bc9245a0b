#!/bin/sh
# partscan scan on mail: messages and mailboxes recognised by their bytes, part paths in the
# output, stdin, --mbox, unscannable parts and their exit status, JSON reports, TNEF files,
# with signatures made by `partscan hash` from Debian's clamav-testfiles.
. "$(dirname "$0")/lib.sh"

MSGS="$TOP/tests/data/msgs"
mkdir "$T/db" "$T/mail"
"$PARTSCAN" hash "$CLAMFILES/clam.exe" | sed 's/clam.exe$/Clamav.Test.File-1-0/' >"$T/db/test.hdb"

# ClamAV's test mails: a message, two mailboxes, a TNEF file
run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$CLAMFILES/clam.mail" \
	"$CLAMFILES/clam.exe.mbox.base64" "$CLAMFILES/clam.exe.mbox.uu" "$CLAMFILES/clam.tnef"
expect out "clam.mail\[2 clam.exe\]: Clamav.Test.File-1-0 FOUND$"
expect out "clam.exe.mbox.base64#1\[1 clam.exe\]: Clamav.Test.File-1-0 FOUND$"
expect out "clam.exe.mbox.uu#1\[1 clam.exe\]: Clamav.Test.File-1-0 FOUND$"
expect out "clam.tnef\[tnef1 clam.exe\]: Clamav.Test.File-1-0 FOUND$"
run 1 "$PARTSCAN" scan -d "$T/db" - <"$CLAMFILES/clam.mail"
expect out "^stdin\[2 clam.exe\]: Clamav.Test.File-1-0 FOUND$"
expect out "^Scanned messages: 1$"
expect out "^Scanned parts: 2$"
expect out "^Infected parts: 1$"

# fixtures: nested messages, uuencode in text, TNEF, S/MIME, a parser differential
run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$MSGS/nested.eml" "$MSGS/uu_text.eml" \
	"$MSGS/tnef.eml" "$MSGS/smime_signed.eml" "$MSGS/diff_dup_boundary.eml" "$MSGS/clean.eml"
expect out "nested.eml\[2/2 tool.exe\]: Clamav.Test.File-1-0 FOUND$"
expect out "uu_text.eml\[1/uu1 clam.exe\]: Clamav.Test.File-1-0 FOUND$"
expect out "tnef.eml\[2/tnef1 clam.exe\]: Clamav.Test.File-1-0 FOUND$"
expect out "smime_signed.eml\[1/2 clam.exe\]: Clamav.Test.File-1-0 FOUND$"
# the reading that splits at the boundary its delimiter lines spell shows it
expect out "diff_dup_boundary.eml\[read2 clam.exe\]: Clamav.Test.File-1-0 FOUND$"
expect out "clean.eml: OK$"
refute out "clean.eml\["

# TNEF keeps an embedded OLE object or an attached message in PR_ATTACH_DATA_OBJ (PT_OBJECT:
# an interface id, then a compound file or a TNEF stream) rather than in attAttachData: the
# bytes after the id are the attachment (Debian's tnef saves id and bytes), here clam.exe
# directly (IStorage) and inside a TNEF within the TNEF (IMessage)
python3 - "$CLAMFILES/clam.exe" "$T/mail" <<'PY' || fail "TNEF PT_OBJECT"
import struct, sys
def attr(level, aid, data):
    return struct.pack("<BII", level, aid, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)
def prop(ptype, pid, v):
    return struct.pack("<HHII", ptype, pid, 1, len(v)) + v + bytes(-len(v) % 4)
def tnef(atts):
    out = struct.pack("<IH", 0x223E9F78, 1) + attr(1, 0x00089006, struct.pack("<I", 0x10000))
    for name, iid, data in atts:
        props = prop(0x001E, 0x3707, name + b"\0") + prop(0x000D, 0x3701, iid + data)
        out += attr(2, 0x00069002, struct.pack("<HIIhhI", 6, 0xFFFFFFFF, 0, -1, -1, 0))
        out += attr(2, 0x00069005, struct.pack("<I", 2) + props)
    return out
STG = bytes.fromhex("0b0d020000000000c000000000000046")
MSG = bytes.fromhex("0703020000000000c000000000000046")
exe = open(sys.argv[1], "rb").read()
inner = struct.pack("<IH", 0x223E9F78, 1) + attr(2, 0x00069002, bytes(14)) + \
    attr(2, 0x00018010, b"inner.exe\0") + attr(2, 0x0006800F, exe)
open(sys.argv[2] + "/obj.tnef", "wb").write(tnef([(b"obj.bin", STG, exe)]))
open(sys.argv[2] + "/msg.tnef", "wb").write(tnef([(b"fwd", MSG, inner)]))
PY
mkdir "$T/tnef"
tnef -C "$T/tnef" -f "$T/mail/obj.tnef" && tail -c +17 "$T/tnef/obj.bin" | cmp -s - "$CLAMFILES/clam.exe" ||
	fail "tnef: obj.bin differs"
run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/mail/obj.tnef" "$T/mail/msg.tnef"
expect out "obj.tnef\[tnef1 obj.bin\]: Clamav.Test.File-1-0 FOUND$"
expect out "msg.tnef\[tnef1/tnef1 inner.exe\]: Clamav.Test.File-1-0 FOUND$"

# an extension that lies is reported (not a finding)
run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$MSGS/names.eml"
expect out "names.eml\[4 invoice.pdf\]: WARNING extension mismatch \(real type text\)$"

# unscannable parts: printed and counted, not found, unless --alert-unscannable
run 0 "$PARTSCAN" scan -d "$T/db" "$MSGS/encrypted.eml" "$MSGS/partial.eml"
expect out "encrypted.eml\[2 encrypted.asc\]: UNSCANNABLE encrypted"
expect out "partial.eml\[1\]: UNSCANNABLE partial"
refute out ": OK$"
expect out "^Unscannable parts: 2$"
expect out "^Infected files: 0$"
run 1 "$PARTSCAN" scan -d "$T/db" --alert-unscannable "$MSGS/encrypted.eml"
expect out "^Infected files: 1$"
run 0 "$PARTSCAN" scan -d "$T/db" --infected --no-summary "$MSGS/encrypted.eml"
refute out "."

# mailboxes: recognised by the From line, or forced with --mbox
for f in clean nested tnef; do
	printf 'From sender@example.org Mon Jan  1 00:00:00 2024\n'
	tr -d '\r' <"$MSGS/$f.eml"
	printf '\n'
done >"$T/mail/box"
run 1 "$PARTSCAN" scan -d "$T/db" "$T/mail/box"
expect out "box#1: OK$"
expect out "box#2\[2/2 tool.exe\]: Clamav.Test.File-1-0 FOUND$"
expect out "box#3\[2/tnef1 clam.exe\]: Clamav.Test.File-1-0 FOUND$"
expect out "^Scanned files: 1$"
expect out "^Scanned messages: 3$"
tail -n +2 "$T/mail/box" >"$T/mail/nofrom"
run 1 "$PARTSCAN" scan -d "$T/db" --mbox --no-summary "$T/mail/nofrom"
expect out "nofrom#2\[2/2 tool.exe\]: Clamav.Test.File-1-0 FOUND$"

# EICAR, built here in two halves, inside a message, with the bundled test signatures
printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-' 'ANTIVIRUS-TEST-FILE!$H+H*' \
	>"$T/mail/eicar.com"
{
	printf 'From: a@example.org\nSubject: test\nContent-Type: multipart/mixed; boundary=b\n\n'
	printf -- '--b\nContent-Type: text/plain\n\nhello\n--b\n'
	printf 'Content-Type: application/octet-stream; name="invoice.pdf"\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	base64 "$T/mail/eicar.com"
	printf -- '--b--\n'
} >"$T/mail/eicar.eml"
run 1 "$PARTSCAN" scan -d "$TOP/contrib/test-signatures" --no-summary "$T/mail/eicar.eml"
expect out "eicar.eml\[2 invoice.pdf\]: Eicar-Test-Signature FOUND$"

# JSON: one object per message with every part, and the summary
run 1 "$PARTSCAN" scan -d "$T/db" --json "$MSGS/nested.eml" "$MSGS/diff_dup_ctype.eml" \
	"$MSGS/encrypted.eml" "$CLAMFILES/clam.exe"
python3 - "$T/out" <<'PY' || fail "JSON output"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
by = {o["path"].rsplit("/", 1)[-1]: o for o in objs if "path" in o}
n = by["nested.eml"]
assert n["result"] == "infected" and n["subject"] == "nested", n
assert n["message_id"] == "nested@example.org", n["message_id"]
p = {x["path"]: x for x in n["parts"]}
assert set(p) == {"1", "2/1", "2/2", "2/3/1"}, list(p)
exe = p["2/2"]
assert exe["name"] == "tool.exe" and exe["type"] == "pe" and exe["family"] == "executable"
assert exe["content_type"] == "application/x-msdownload" and exe["encoding"] == "base64"
assert exe["size"] == 544 and exe["encoded_size"] > 544 and exe["result"] == "infected"
assert exe["sha256"] == "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495"
assert exe["findings"][0]["name"] == "Clamav.Test.File-1-0", exe["findings"]
assert exe["raw_begin"] < exe["body_begin"] < exe["raw_end"], exe
for x in n["parts"]:
    assert "sha256" in x and x["result"] in ("clean", "infected"), x
d = by["diff_dup_ctype.eml"]
# the first Content-Type (Python's email, Thunderbird) shows clam.exe, named, as read2
assert "duplicate-content-type" in d["anomalies"] and "other-reading" in d["anomalies"], d
assert any("sweep" in x["flags"] and x["name"] == "clam.exe" and x["path"] == "read2"
           for x in d["parts"]) and d["notes"], d
e = by["encrypted.eml"]
assert e["result"] == "unscannable" and "encrypted" in e["parts"][1]["flags"], e
assert by["clam.exe"]["result"] == "infected" and by["clam.exe"]["type"] == "pe"
s = objs[-1]["summary"]
assert s["files"] == 4 and s["messages"] == 3 and s["infected"] == 3 and s["unscannable"] == 1, s
PY

# a mail file is one file too: a signature of the whole message is found as before
"$PARTSCAN" hash "$MSGS/clean.eml" | sed 's/clean.eml$/Known.Message/' >"$T/db/msg.hdb"
run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$MSGS/clean.eml"
expect out "clean.eml: Known.Message FOUND$"
refute out "OK$"
rm "$T/db/msg.hdb"

# files that are not mail are scanned as before
printf 'plain text\n' >"$T/mail/readme.txt"
run 0 "$PARTSCAN" scan -d "$T/db" "$T/mail/readme.txt"
expect out "readme.txt: OK$"
refute out "Scanned messages"

# scan -c: the milter's answer, from the same policy. Each message is scanned offline and then
# sent to partscan-milter (miltertest) with the same configuration; the daemon must do what
# `scan -c` says: the action, the reply and the X-Virus-Status value. ARJ (no reader), an LZMA
# stream asking for a 1 GiB dictionary and an encrypted zip are unscannable, not clean; a zip
# of a file and a symlink is clean.
mail_of() { # NAME FILE : a two-part message with FILE attached as NAME, CRLF line ends
	printf 'From: a@example.org\r\nSubject: %s\r\nMIME-Version: 1.0\r\n' "$1"
	printf 'Content-Type: multipart/mixed; boundary="XX"\r\n\r\n--XX\r\n'
	printf 'Content-Type: text/plain\r\n\r\nsee attachment\r\n--XX\r\n'
	printf 'Content-Type: application/octet-stream; name="%s"\r\n' "$1"
	printf 'Content-Transfer-Encoding: base64\r\n\r\n'
	base64 -w 76 "$2" | sed 's/$/\r/'
	printf -- '--XX--\r\n'
}
FT="$TOP/tests/data/ftype"
mkdir "$T/pol"
mail_of old.arj "$FT/archive.arj" >"$T/pol/arj.eml"
python3 -c 'import sys; d=bytearray(open(sys.argv[1],"rb").read()); d[1:5]=(1<<30).to_bytes(4,"little"); sys.stdout.buffer.write(d)' \
	"$FT/hello.txt.lzma" >"$T/pol/bomb.lzma"
mail_of notes.txt.lzma "$T/pol/bomb.lzma" >"$T/pol/bomb.eml"
mail_of secret.zip "$FT/encrypted.zip" >"$T/pol/encrypted.eml"
(cd "$T/pol" && printf 'hello\n' >notes.txt && ln -s /etc/passwd passwd &&
	zip -q -y links.zip notes.txt passwd)
mail_of links.zip "$T/pol/links.zip" >"$T/pol/links.eml"
cp "$MSGS/clean.eml" "$T/pol/clean.eml"
# an attachment under a second boundary, in the preamble of the first: the raw sweep finds it,
# but no MIME entity holds it, so strip cannot remove it (quarantine instead)
{
	printf 'From: a@example.org\r\nSubject: preamble\r\nMIME-Version: 1.0\r\n'
	printf 'Content-Type: multipart/mixed; boundary="first"\r\n\r\n--second\r\n'
	printf 'Content-Type: application/octet-stream; name="tool.bin"\r\n'
	printf 'Content-Transfer-Encoding: base64\r\n\r\n'
	base64 -w 76 "$CLAMFILES/clam.exe" | sed 's/$/\r/'
	printf -- '--second--\r\n--first\r\nContent-Type: text/plain\r\n\r\nhello\r\n'
	printf -- '--first\r\nContent-Type: application/pdf; name="a.pdf"\r\n\r\n%%PDF-1.4\r\n'
	printf -- '--first--\r\n'
} >"$T/pol/preamble.eml"
cat >"$T/partscan.conf" <<EOF
$(milter_conf --no-pid-file "unix:$T/milter.sock")
[database]
path = $T/db
[policy]
unscannable = reject
infected = strip
blocked = strip
[quarantine]
directory = $T/pol
$(milter_log_conf "$T/pol/messages.json")
EOF
run 1 "$PARTSCAN" scan -d "$T/db" -c "$T/partscan.conf" --no-summary "$T/pol/arj.eml" \
	"$T/pol/bomb.eml" "$T/pol/encrypted.eml" "$T/pol/links.eml" "$T/pol/clean.eml"
expect out "arj.eml: POLICY unscannable reject: unscannable: opaque .*in old.arj$"
# its header claims a 1 GiB dictionary: not opened, over max_decoder_memory
expect out "bomb.eml: POLICY unscannable reject: unscannable: limit \(max_decoder_memory: lzma stream claiming .*in notes.txt.lzma"
expect out "encrypted.eml: POLICY unscannable reject: unscannable: encrypted"
expect out "links.eml: POLICY clean accept$"
expect out "clean.eml: POLICY clean accept$"
run 1 "$PARTSCAN" scan -d "$T/db" -c "$T/partscan.conf" --no-summary "$T/pol/preamble.eml"
expect out "preamble.eml\[sweep1 tool.bin\]: Clamav.Test.File-1-0 FOUND$"
expect out "preamble.eml: POLICY infected quarantine: infected: Clamav.Test.File-1-0 in tool.bin; .*strip cannot remove infected: Clamav.Test.File-1-0 in tool.bin, quarantined instead$"
run 0 "$PARTSCAN" scan -d "$T/db" -c "$T/partscan.conf" --no-summary "$T/pol/links.eml"
run 1 "$PARTSCAN" scan -d "$T/db" -c "$T/partscan.conf" --json --no-summary "$T/pol/arj.eml"
python3 -c 'import json,sys; p=json.loads(open(sys.argv[1]).readline())["policy"]; assert p["class"]=="unscannable" and p["action"]=="reject" and p["reply"].startswith("Message rejected: opaque"), p' "$T/out" ||
	fail "scan -c --json: no policy object"

# the daemon on the same messages: miltertest sends each file, checks the answer scan -c gave
MILTER="$TOP/$BUILD/partscan-milter"
if command -v miltertest >/dev/null; then
	start_milter || { finish; exit 1; }
	for m in arj bomb encrypted links clean preamble; do
		"$PARTSCAN" scan -d "$T/db" -c "$T/partscan.conf" --json --no-summary \
			"$T/pol/$m.eml" >"$T/pol/$m.json"
		MT_FROM="<a@example.org>" MT_RCPT="<b@example.org>" \
			mt_envelope "unix:$T/milter.sock" >"$T/pol/$m.lua"
		python3 - "$T/pol/$m.json" "$T/pol/$m.eml" >>"$T/pol/$m.lua" <<'PY'
import json, sys
p = json.loads(open(sys.argv[1]).readline())["policy"]
q = lambda s: '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'
print('local raw = io.open(%s, "rb"):read("*a")' % q(sys.argv[2]))
print('local hend = string.find(raw, "\\r\\n\\r\\n", 1, true)')
print('for name, value in string.gmatch(string.sub(raw, 1, hend + 1), "([^:\\r\\n]+): ([^\\r\\n]*)\\r\\n") do mt.header(conn, name, value) end')
print('mt.eoh(conn)')
print('mt.bodystring(conn, string.sub(raw, hend + 4))')
print('if mt.eom(conn) ~= nil then error("eom failed") end')
if p["action"] == "reject":
    print('if not mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", %s) then error("not rejected as scan -c said") end' % q(p["reply"]))
elif p["action"] == "quarantine":
    print('if not mt.eom_check(conn, MT_QUARANTINE) then error("not held as scan -c said") end')
    print('if not mt.eom_check(conn, MT_HDRADD, "X-Virus-Status", %s) then error("status differs from scan -c") end' % q(" " + p["status"]))
    print('if mt.eom_check(conn, MT_BODYCHANGE) then error("body changed") end')
elif p["action"] in ("accept", "tag"):
    print('if mt.getreply(conn) ~= SMFIR_CONTINUE then error("not accepted as scan -c said") end')
    print('if not mt.eom_check(conn, MT_HDRADD, "X-Virus-Status", %s) then error("status differs from scan -c") end' % q(" " + p["status"]))
else:
    print('error("no check for %s")' % p["action"])
print('mt.disconnect(conn)')
PY
		checks=$((checks + 1))
		miltertest -s "$T/pol/$m.lua" >"$T/pol/$m.mt" 2>&1 ||
			{ fail "milter and scan -c disagree on $m.eml ($(python3 -c 'import json,sys; p=json.loads(open(sys.argv[1]).readline())["policy"]; print(p["action"], p["status"])' "$T/pol/$m.json"))"; sed 's/^/  /' "$T/pol/$m.mt" >&2; }
	done
	stop_milter
	# the log record says that strip fell back
	expect pol/messages.json '"action" *: *"quarantine".*strip cannot remove infected'
else
	echo "SKIP: miltertest not installed (milter comparison)"
fi

finish
