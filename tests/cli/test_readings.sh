#!/bin/sh
# Headers read every way a client reads them: for each message of readings_cases.py (header
# lines without a colon, no empty line after the headers, white space first, 8 KB+ of folded
# headers, duplicate Content-Type / Content-Transfer-Encoding, encoded words, "," separators
# and RFC 2231 boundaries in Content-Type, LF and CRLF), partscan scan must find the hidden
# attachment (a signature of its SHA-256) and report the SHA-256 of every leaf Python's email
# decodes from the same bytes. --mail takes a file for mail whatever its head.
. "$(dirname "$0")/lib.sh"

CASES="$TOP/tests/cli/readings_cases.py"
python3 "$CASES" make "$T/m" || fail "readings_cases.py make"

for f in "$T"/m/*.eml; do
	name=$(basename "$f" .eml)
	case_name=${name%_crlf}
	run 1 "$PARTSCAN" scan -d "$T/m/payloads.hsb" --no-summary "$f"
	expect out "/$name.eml\[[^]]*\]: ReadingTest.$case_name FOUND$"
	# Python's email gives text with CRLF as LF: its leaves are compared on the LF copies
	[ "$name" = "$case_name" ] || continue
	run 1 "$PARTSCAN" scan -d "$T/m/payloads.hsb" --json --no-summary "$f"
	python3 "$CASES" python "$f" >"$T/py" || fail "python3 email on $name"
	while read -r sha; do
		expect out "\"sha256\":\"$sha\""
	done <"$T/py"
done

# a head no file typing takes for mail (one field, then a line without a colon): --mail
printf 'Subject: forced\nno colon here\nContent-Type: multipart/mixed; boundary="BB"\n\n' \
	>"$T/forced.txt"
sed -n '/^--BB$/,$p' "$T/m/colonless.eml" >>"$T/forced.txt"
run 0 "$PARTSCAN" scan -d "$T/m/payloads.hsb" --no-summary "$T/forced.txt"
expect out "/forced.txt: OK$"
run 1 "$PARTSCAN" scan -d "$T/m/payloads.hsb" --no-summary --mail "$T/forced.txt"
expect out "/forced.txt\[[^]]*\]: ReadingTest.colonless FOUND$"

# two names: Content-Disposition filename= and another Content-Type name= (the one Outlook
# shows): the extension block judges both
printf 'From: a@example.org\nSubject: names\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="BB"\n\n--BB\nContent-Type: text/plain\n\nhi\n--BB\nContent-Type: application/pdf; name="invoice.exe"\nContent-Disposition: attachment; filename="invoice.pdf"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQKJSBwYXJ0c2Nhbgo=\n--BB--\n' \
	>"$T/names.eml"
printf '[policy]\nblocked = reject\n' >"$T/names.conf"
run 1 "$PARTSCAN" scan -d "$T/m/payloads.hsb" -c "$T/names.conf" --no-summary "$T/names.eml"
expect out "names.eml: POLICY blocked reject: blocked: extension .exe in invoice.pdf$"

# Copies: a leaf of another reading (or a find of the raw sweep) whose bytes were scanned
# already is no part of its own, but a copy listed on the part it repeats. dupread.eml: GMime
# takes the last Content-Type (boundary AA), Python's email and Thunderbird the first (BB);
# both show the same EICAR bytes. With strip, removing GMime's entity leaves the copy under BB
# for the others: the message is held instead. Python's email is asked what it shows.
SIGS="$TOP/contrib/test-signatures"
EB64=$(eicar_b64)
# copies_msg FILE SUBJECT FIRST-CT LAST-CT TEXT AA-PART BB-PART: a message whose header block
# has two Content-Type headers, the AA multipart then the BB one after it
copies_msg() {
	printf 'From: a@example.org\nTo: b@example.net\nSubject: %s\nMIME-Version: 1.0\n%b%b\n--AA\nContent-Type: text/plain\n\n%s\n--AA\n%s\n--AA--\n--BB\n%s\n--BB--\n' \
		"$2" "$3" "$4" "$5" "$6" "$7" >"$1"
}
att() { # NAME TYPE B64
	printf 'Content-Type: %s; name="%s"\nContent-Disposition: attachment; filename="%s"\nContent-Transfer-Encoding: base64\n\n%s\n' \
		"$2" "$1" "$1" "$3"
}
CT_BB='Content-Type: multipart/mixed; boundary="BB"\n'
CT_AA='Content-Type: multipart/mixed; boundary="AA"\n'
copies_msg "$T/dupread.eml" dupread "$CT_BB" "$CT_AA" hello \
	"$(att eicar.com application/octet-stream "$EB64")" \
	"$(att eicar.com application/octet-stream "$EB64")"
# python_leaves FILE: "name sha256" of every leaf Python's email shows
python_leaves() {
	python3 -c '
import email, hashlib, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read())
for p in m.walk():
    if not p.is_multipart():
        print(p.get_filename(), hashlib.sha256(p.get_payload(decode=True) or b"").hexdigest())
' "$1"
}
EICAR_SHA=$(printf '%s' "$EB64" | base64 -d | sha256sum | cut -d' ' -f1)
python_leaves "$T/dupread.eml" >"$T/py"
expect py "^eicar.com $EICAR_SHA$"
printf '[policy]\ninfected = strip\nblocked = strip\n' >"$T/strip.conf"
run 1 "$PARTSCAN" scan -d "$SIGS" -c "$T/strip.conf" --no-summary --json "$T/dupread.eml"
expect out '"action":"quarantine"'
expect out 'strip cannot remove infected: Eicar-Test-Signature in eicar.com \(the first-header reading shows a copy outside the parts stripped\), quarantined instead'
expect out '"copies":\[\{"found_by":"the first-header reading","name":"eicar.com"'
refute out '"path":"read1"'
# the copy's bytes in the message: the base64 body under BB
python3 -c '
import json, sys
raw = open(sys.argv[1], "rb").read()
r = json.loads(open(sys.argv[2]).readline())
c = [c for p in r["parts"] for c in p.get("copies", []) if c["found_by"].endswith("reading")][0]
body = raw[c["raw_begin"]:c["raw_end"]]
assert raw.rindex(body) > raw.index(b"--BB\n"), (c, body)
assert body.strip() == sys.argv[3].encode(), body
' "$T/dupread.eml" "$T/out" "$EB64" || fail "dupread.eml: the copy's raw range is not the body under BB"
checks=$((checks + 1))
# the same copy found by the raw sweep alone (one Content-Type; the BB part after the end)
copies_msg "$T/dupsweep.eml" dupsweep "" "$CT_AA" hello \
	"$(att eicar.com application/octet-stream "$EB64")" \
	"$(att eicar.com application/octet-stream "$EB64")"
run 1 "$PARTSCAN" scan -d "$SIGS" -c "$T/strip.conf" --no-summary "$T/dupsweep.eml"
expect out 'dupsweep.eml: POLICY infected quarantine: .*strip cannot remove infected: Eicar-Test-Signature in eicar.com \(the raw sweep shows a copy outside the parts stripped\), quarantined instead$'
# a leaf's body the sweep also decodes (base64 declared 7bit after base64): the sweep's copy
# ends where the body does, before the boundary's line end, inside the entity strip removes
printf '[policy]\ninfected = strip\n' >"$T/strip_only.conf"
run 1 "$PARTSCAN" scan -d "$T/m/payloads.hsb" -c "$T/strip_only.conf" --no-summary \
	"$T/m/dup_cte_b64_first.eml"
expect out 'dup_cte_b64_first.eml: POLICY infected strip: infected: ReadingTest.dup_cte_b64_first in dup_cte_b64_first.bin$'
# a reading that differs elsewhere (two Content-Type headers on the text part) sees the
# attachment where GMime does: strip removes it for every reader
printf 'From: a@example.org\nSubject: strip ok\nMIME-Version: 1.0\n%b\n--AA\nContent-Type: text/plain\nContent-Type: text/html\n\nhello\n--AA\n%s\n--AA--\n' \
	"$CT_AA" "$(att eicar.com application/octet-stream "$EB64")" >"$T/stripok.eml"
run 1 "$PARTSCAN" scan -d "$SIGS" -c "$T/strip.conf" --no-summary "$T/stripok.eml"
expect out 'stripok.eml: POLICY infected strip: infected: Eicar-Test-Signature in eicar.com; blocked: extension .com in eicar.com$'

# Names: jsname.eml shows the same bytes as notes.txt to GMime (AA) and as invoice.js to
# Python's email and Thunderbird (BB); the default policy blocks .js by either name, as it
# does when the bytes differ (then the reading's leaf is a part "read1" of its own).
JS_B64=$(printf 'var s = new ActiveXObject("WScript.Shell");\r\ns.Run("calc.exe");\r\n' | base64 -w76)
copies_msg "$T/jsname.eml" jsname "$CT_BB" "$CT_AA" hello \
	"$(att notes.txt text/plain "$JS_B64")" "$(att invoice.js application/octet-stream "$JS_B64")"
python_leaves "$T/jsname.eml" >"$T/py"
expect py "^invoice.js $(printf '%s' "$JS_B64" | base64 -d | sha256sum | cut -d' ' -f1)$"
refute py "^notes.txt "
: >"$T/default.conf"
run 1 "$PARTSCAN" scan -d "$SIGS" -c "$T/default.conf" --no-summary "$T/jsname.eml"
expect out 'jsname.eml: POLICY blocked reject: blocked: extension .js \(named invoice.js by the first-header reading\) in notes.txt$'
run 0 "$PARTSCAN" scan -d "$SIGS" --json --no-summary "$T/jsname.eml"
expect out '"name":"notes.txt",.*"copies":\[\{"found_by":"the first-header reading","name":"invoice.js","content_type":"application/octet-stream"'
JS2_B64=$(printf 'var s = new ActiveXObject("WScript.Shell");\r\ns.Run("calc.exe");\r\n//\r\n' |
	base64 -w76)
copies_msg "$T/jsname2.eml" jsname2 "$CT_BB" "$CT_AA" hello \
	"$(att notes.txt text/plain "$JS_B64")" "$(att invoice.js application/octet-stream "$JS2_B64")"
run 1 "$PARTSCAN" scan -d "$SIGS" -c "$T/default.conf" --no-summary "$T/jsname2.eml"
expect out 'jsname2.eml: POLICY blocked reject: blocked: extension .js in invoice.js$'
# the same name given only by the headers before a find of the raw sweep
copies_msg "$T/jssweep.eml" jssweep "" "$CT_AA" hello \
	"$(att notes.txt text/plain "$JS_B64")" "$(att invoice.js application/octet-stream "$JS_B64")"
run 1 "$PARTSCAN" scan -d "$SIGS" -c "$T/default.conf" --no-summary "$T/jssweep.eml"
expect out 'jssweep.eml: POLICY blocked reject: blocked: extension .js \(named invoice.js by the raw sweep\) in notes.txt$'

# A file name parameter Python's email reads otherwise than GMime: a blank after the name, a
# comment, a second word, an empty parameter before the real one, RFC 2231 pieces with a gap.
# Each is blocked by the name Python's email gives (checked here); a plain .txt is not.
for v in 'filename="invoice.js	"' 'filename=invoice.js (x.pdf)' 'filename=invoice.js x.pdf' \
	'filename=; filename="invoice.js"' 'filename*0="invoice.js"; filename*2=".pdf"' \
	'filename="notes.txt"'; do
	printf 'From: a@example.org\nSubject: names\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="BB"\n\n--BB\nContent-Type: text/plain\n\nhi\n--BB\nContent-Type: application/octet-stream\nContent-Disposition: attachment; %s\nContent-Transfer-Encoding: base64\n\n%s\n--BB--\n' \
		"$v" "$JS_B64" >"$T/param.eml"
	python3 -c 'import email, email.policy, sys
names = set()
for pol in (email.policy.compat32, email.policy.default):
    m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=pol)
    names |= {p.get_filename() for p in m.walk() if p.get_filename()}
print("\n".join(sorted(names)))' "$T/param.eml" >"$T/py"
	if [ "$v" = 'filename="notes.txt"' ]; then
		run 0 "$PARTSCAN" scan -d "$SIGS" -c "$T/default.conf" --no-summary "$T/param.eml"
		expect out 'param.eml: POLICY clean accept'
		continue
	fi
	expect py '^invoice\.js$'
	run 1 "$PARTSCAN" scan -d "$SIGS" -c "$T/default.conf" --no-summary "$T/param.eml"
	expect out 'param.eml: POLICY blocked reject: blocked: extension .js \(named invoice.js by a reading of its file name parameter \(Python.s email\)\)'
done

# a quoted name with more after it: Python's compat32 gives it all ("x.pdf" invoice.js)
printf 'From: a@example.org\nSubject: names\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="BB"\n\n--BB\nContent-Type: text/plain\n\nhi\n--BB\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename="x.pdf" invoice.js\nContent-Transfer-Encoding: base64\n\n%s\n--BB--\n' \
	"$JS_B64" >"$T/param.eml"
python3 -c 'import email, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read())
print("\n".join(p.get_filename() for p in m.walk() if p.get_filename()))' "$T/param.eml" >"$T/py"
expect py '^"x.pdf" invoice.js$'
run 1 "$PARTSCAN" scan -d "$SIGS" -c "$T/default.conf" --no-summary "$T/param.eml"
expect out 'param.eml: POLICY blocked reject: blocked: extension .js \(named "x.pdf" invoice.js by a reading'

# well-formed mail gains no part from the other readings
run 0 "$PARTSCAN" scan -d "$T/m/payloads.hsb" --json --no-summary "$TOP/tests/data/msgs/clean.eml" \
	"$TOP/tests/data/msgs/nested.eml" "$TOP/tests/data/msgs/alternative.eml"
refute out "\"path\":\"([^\"]*/)?read[0-9]"
refute out "other-reading"
finish
