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
expect out "diff_dup_boundary.eml\[sweep1 clam.exe\]: Clamav.Test.File-1-0 FOUND$"
expect out "clean.eml: OK$"
refute out "clean.eml\["

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
assert "duplicate-content-type" in d["anomalies"] and "sweep-extra" in d["anomalies"], d
assert any("sweep" in x["flags"] for x in d["parts"]) and d["notes"], d
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

finish
