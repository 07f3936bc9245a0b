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

# well-formed mail gains no part from the other readings
run 0 "$PARTSCAN" scan -d "$T/m/payloads.hsb" --json --no-summary "$TOP/tests/data/msgs/clean.eml" \
	"$TOP/tests/data/msgs/nested.eml" "$TOP/tests/data/msgs/alternative.eml"
refute out "\"path\":\"([^\"]*/)?read[0-9]"
refute out "other-reading"
finish
