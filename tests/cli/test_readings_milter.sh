#!/bin/sh
# The readings through the milter: the header, boundary and transfer-encoding cases of
# readings_cases.py and encodings_gen.py sent through the real partscan-milter by Debian's
# miltertest, as an MTA hands them over (the header block split where Postfix ends it: at the
# first line that is neither a field nor a folded line; each field sent as it is, folds
# included; the rest is the body). Every case hides a file partscan finds: the daemon must
# reject each message exactly as `partscan scan -c` decides for the same bytes (the reply
# text), and that is a rejection as infected (the hidden file found) for every case.
. "$(dirname "$0")/lib.sh"

MILTER="$TOP/$BUILD/partscan-milter"
command -v miltertest >/dev/null || { echo "SKIP: miltertest not installed"; exit 0; }

mkdir -p "$T/db" "$T/m" "$T/e" "$T/x"
python3 "$TOP/tests/cli/readings_cases.py" make "$T/m" || fail "readings_cases.py make"
python3 "$TOP/tests/cli/encodings_gen.py" "$CLAMFILES/clam.exe" "$T/e" || fail "encodings_gen.py"
cp "$T/m/payloads.hsb" "$T/db/readings.hsb"
cp "$T/e/qp.hsb" "$T/db/qp.hsb"
"$PARTSCAN" hash "$CLAMFILES/clam.exe" | sed 's/clam.exe$/Clamav.Test.File-1-0/' >"$T/db/test.hdb"

cat >"$T/partscan.conf" <<EOF
$(milter_conf --no-pid-file "unix:$T/milter.sock")
[database]
path = $T/db
[policy]
infected = reject
$(milter_log_conf)
EOF

# as_mta IN OUT LUA: the message as the milter gets it (OUT: header fields, an empty line, the
# body; CRLF) and the miltertest script that sends it
MT_FROM="<a@example.org>" MT_RCPT="<b@example.org>"
as_mta() {
	mt_envelope "unix:$T/milter.sock" >"$3"
	python3 - "$1" "$2" "$3" <<'PY'
import re, sys
src, out, lua = sys.argv[1:]
raw = open(src, "rb").read().replace(b"\r\n", b"\n")
lines = raw.split(b"\n")
fields, i = [], 0
while i < len(lines):
    line = lines[i]
    if line == b"":
        i += 1  # the empty line that ends the header block
        break
    if line[:1] in (b" ", b"\t") and fields:
        fields[-1][1] += b"\r\n" + line
    elif re.match(rb"^[!-9;-~]+:", line):
        name, value = line.split(b":", 1)
        fields.append([name, value[1:] if value[:1] == b" " else value])
    else:
        break  # the body starts here
    i += 1
body = b"\r\n".join(lines[i:])
with open(out, "wb") as f:
    for name, value in fields:
        f.write(name + b": " + value + b"\r\n")
    f.write(b"\r\n" + body)
def q(b):
    return '"' + "".join("\\%03d" % c for c in b) + '"'
with open(lua, "a") as f:
    for name, value in fields:
        f.write("mt.header(conn, %s, %s)\n" % (q(name), q(value)))
    f.write("mt.eoh(conn)\n")
    for k in range(0, len(body), 4096):
        f.write("mt.bodystring(conn, %s)\n" % q(body[k:k + 4096]))
    f.write('if mt.eom(conn) ~= nil then error("eom failed") end\n')
PY
}

start_milter || { finish; exit 1; }
for f in "$T"/m/*_crlf.eml "$T"/e/qp_*.eml "$T"/e/yenc_multi*.eml "$T/e/b64_after_pad.eml" \
	"$T/e/b64_as_7bit.eml" "$T/e/uu_x-uue.eml" "$T/e/binhex_inline.eml" "$T/e/no_ctype.eml"; do
	m=$(basename "$f" .eml)
	as_mta "$f" "$T/x/$m.eml" "$T/x/$m.lua" || { fail "$m: as_mta"; continue; }
	# --mail: the daemon takes what it is given for mail, whatever its head
	run 1 "$PARTSCAN" scan --mail -d "$T/db" -c "$T/partscan.conf" --json --no-summary \
		"$T/x/$m.eml"
	reply=$(python3 -c '
import json, sys
p = json.loads(open(sys.argv[1]).readline())["policy"]
print(p["action"] == "reject" and p["class"] == "infected" and p["reply"] or "")' "$T/out")
	checks=$((checks + 1))
	if [ -z "$reply" ]; then
		fail "$m: scan -c does not reject as infected what the milter is given"
		continue
	fi
	printf 'if not mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", %s) then\n' \
		"$(printf '%s' "$reply" | python3 -c 'import sys; print("\"" + "".join("\\%03d" % c for c in sys.stdin.buffer.read()) + "\"")')" \
		>>"$T/x/$m.lua"
	printf '\terror("not rejected as scan -c said") end\nmt.disconnect(conn)\n' >>"$T/x/$m.lua"
	checks=$((checks + 1))
	miltertest -s "$T/x/$m.lua" >"$T/x/$m.mt" 2>&1 ||
		{ fail "milter and scan -c disagree on $m ($reply)"; sed 's/^/  /' "$T/x/$m.mt" >&2; }
done
stop_milter

# Copies (test_readings.sh): the same attachment under GMime's boundary (the last
# Content-Type) and under the first-header reading's (Python's email, Thunderbird). With
# strip, removing GMime's entity would leave the file to the others: the daemon holds the
# message as scan -c does; when the other reading sees the file where GMime does, both strip.
mkdir -p "$T/q" "$T/c"
cat >"$T/partscan.conf" <<EOF
$(milter_conf --no-pid-file "unix:$T/milter.sock")
[database]
path = $T/db
[policy]
infected = strip
blocked = strip
[quarantine]
directory = $T/q
$(milter_log_conf)
EOF
EXE=$(base64 -w76 "$CLAMFILES/clam.exe")
ATT="Content-Type: application/octet-stream; name=\"clam.exe\"
Content-Transfer-Encoding: base64

$EXE"
printf 'From: a@example.org\nSubject: dup\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="BB"\nContent-Type: multipart/mixed; boundary="AA"\n\n--AA\nContent-Type: text/plain\n\nhello\n--AA\n%s\n--AA--\n--BB\n%s\n--BB--\n' \
	"$ATT" "$ATT" >"$T/c/dupread.eml"
printf 'From: a@example.org\nSubject: ok\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="AA"\n\n--AA\nContent-Type: text/plain\nContent-Type: text/html\n\nhello\n--AA\n%s\n--AA--\n' \
	"$ATT" >"$T/c/stripok.eml"
start_milter || { finish; exit 1; }
for c in dupread:quarantine stripok:strip; do
	m=${c%%:*} action=${c#*:}
	as_mta "$T/c/$m.eml" "$T/x/$m.eml" "$T/x/$m.lua" || { fail "$m: as_mta"; continue; }
	run 1 "$PARTSCAN" scan --mail -d "$T/db" -c "$T/partscan.conf" --json --no-summary \
		"$T/x/$m.eml"
	expect out "\"policy\":\\{\"class\":\"infected\",\"action\":\"$action\""
	python3 - "$T/out" >>"$T/x/$m.lua" <<'PY'
import json, sys
p = json.loads(open(sys.argv[1]).readline())["policy"]
q = lambda s: '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'
if p["action"] == "quarantine":
    print('if not mt.eom_check(conn, MT_QUARANTINE, %s) then error("not held as scan -c said") end' % q(p["reasons"]))
    print('if mt.eom_check(conn, MT_BODYCHANGE) then error("body changed") end')
else:
    print('if not mt.eom_check(conn, MT_BODYCHANGE) then error("not stripped as scan -c said") end')
    print('if mt.eom_check(conn, MT_QUARANTINE) then error("held") end')
print('if not mt.eom_check(conn, MT_HDRADD, "X-Virus-Status", %s) then error("status differs from scan -c") end' % q(" " + p["status"]))
print('mt.disconnect(conn)')
PY
	checks=$((checks + 1))
	miltertest -s "$T/x/$m.lua" >"$T/x/$m.mt" 2>&1 ||
		{ fail "milter and scan -c disagree on $m"; sed 's/^/  /' "$T/x/$m.mt" >&2; }
done
stop_milter

# Names (test_readings.sh): the same bytes named notes.txt by GMime's reading and invoice.js
# by the first-header reading; the default policy: the daemon rejects as scan -c does.
cat >"$T/partscan.conf" <<EOF
$(milter_conf --no-pid-file "unix:$T/milter.sock")
[database]
path = $T/db
$(milter_log_conf)
EOF
JS=$(printf 'var s = new ActiveXObject("WScript.Shell");\r\ns.Run("calc.exe");\r\n' | base64 -w76)
printf 'From: a@example.org\nSubject: js\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="BB"\nContent-Type: multipart/mixed; boundary="AA"\n\n--AA\nContent-Type: text/plain\n\nhello\n--AA\nContent-Type: text/plain; name="notes.txt"\nContent-Transfer-Encoding: base64\n\n%s\n--AA--\n--BB\nContent-Type: application/octet-stream; name="invoice.js"\nContent-Transfer-Encoding: base64\n\n%s\n--BB--\n' \
	"$JS" "$JS" >"$T/c/jsname.eml"
start_milter || { finish; exit 1; }
as_mta "$T/c/jsname.eml" "$T/x/jsname.eml" "$T/x/jsname.lua" || fail "jsname: as_mta"
run 1 "$PARTSCAN" scan --mail -d "$T/db" -c "$T/partscan.conf" --json --no-summary \
	"$T/x/jsname.eml"
expect out '"reply":"Message rejected: extension .js \(named invoice.js by the first-header reading\) \(notes.txt\)"'
python3 - "$T/out" >>"$T/x/jsname.lua" <<'PY'
import json, sys
p = json.loads(open(sys.argv[1]).readline())["policy"]
q = lambda s: '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'
if p["action"] == "reject":
    print('if not mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", %s) then error("not rejected as scan -c said") end' % q(p["reply"]))
elif p["action"] == "accept":
    print('if mt.getreply(conn) ~= SMFIR_CONTINUE then error("not accepted as scan -c said") end')
    print('if not mt.eom_check(conn, MT_HDRADD, "X-Virus-Status", %s) then error("status differs from scan -c") end' % q(" " + p["status"]))
else:
    print('error("no check for %s")' % p["action"])
print('mt.disconnect(conn)')
PY
run_lua x/jsname "milter and scan -c disagree on jsname"
stop_milter
finish
