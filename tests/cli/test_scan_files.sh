#!/bin/sh
# partscan scan / hash / db on files: detection (in archives too), clean files, exit codes, JSON,
# snapshots, with signatures made by `partscan hash` from Debian's clamav-testfiles.
. "$(dirname "$0")/lib.sh"

mkdir "$T/db" "$T/files"
cp "$CLAMFILES/clam.exe" "$T/files/"
cp "$CLAMFILES/clam.pdf" "$T/files/"
printf 'plain harmless text\n' >"$T/files/readme.txt"

# signature lines from the hash command, loadable as .hdb / .hsb
run 0 "$PARTSCAN" hash "$CLAMFILES/clam.exe"
expect out '^aa15bcf478d165efd2065190eb473bcb:544:clam.exe$'
sed 's/clam.exe$/Clamav.Test.File-1-0/' "$T/out" >"$T/db/test.hdb"
run 0 "$PARTSCAN" hash --sha256 "$CLAMFILES/clam.exe"
expect out '^71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495:544:clam.exe$'
run 0 "$PARTSCAN" hash --sha1 - <"$CLAMFILES/clam.exe"
expect out '^[0-9a-f]{40}:544:stdin$'
run 2 "$PARTSCAN" hash --md5 --sha1 "$CLAMFILES/clam.exe"
# an empty file makes no line (size 0 is refused when loaded); the others are still printed;
# a control character in the name becomes '_' (a loader refuses it)
: >"$T/empty"
printf 'x' >"$T/tab	name"
run 2 "$PARTSCAN" hash "$T/empty" "$T/tab	name"
expect err "empty: empty file: no signature line"
expect out '^9dd4e461268c8034f5c8564e155c67a6:1:tab_name$'
refute out ':0:'
"$PARTSCAN" hash "$T/tab	name" >"$T/db-tab.hdb"
run 0 "$PARTSCAN" db --strict info "$T/db-tab.hdb"

# detection and exit codes
run 1 "$PARTSCAN" scan -d "$T/db" "$T/files/clam.exe"
expect out "clam.exe: Clamav.Test.File-1-0 FOUND"
expect out "Infected files: 1"
# ClamAV's clam.pdf carries clam.exe as an embedded file (pdfdetach -list shows it)
run 1 "$PARTSCAN" scan -d "$T/db" "$T/files/readme.txt" "$T/files/clam.pdf"
expect out "readme.txt: OK"
expect out "clam.pdf\[pdf:clam.exe\]: Clamav.Test.File-1-0 FOUND$"
expect out "Scanned files: 2"
run 1 "$PARTSCAN" scan -d "$T/db" --infected --no-summary "$T/files"
expect out "clam.exe: Clamav.Test.File-1-0 FOUND"
refute out "OK$"
refute out "SCAN SUMMARY"
run 1 "$PARTSCAN" scan -d "$T/db/test.hdb" - <"$CLAMFILES/clam.exe"
expect out "^stdin: Clamav.Test.File-1-0 FOUND"
# archives are looked into: clam.zip is found by its member (more in test_archives.sh)
run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$CLAMFILES/clam.zip"
expect out "clam.zip\[zip:clam.exe\]: Clamav.Test.File-1-0 FOUND$"
refute out "OK$"
# an unreadable path is an error, and an error wins over a detection
run 2 "$PARTSCAN" scan -d "$T/db" "$T/files/clam.exe" "$T/missing"
expect out "missing: ERROR"
expect out "clam.exe: Clamav.Test.File-1-0 FOUND"

# JSON: one object per file and a summary, all valid
run 1 "$PARTSCAN" scan -d "$T/db" --json "$T/files"
python3 - "$T/out" <<'PY' || fail "JSON output"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
files = {o["path"].rsplit("/", 1)[-1]: o for o in objs if "path" in o}
exe = files["clam.exe"]
assert exe["result"] == "infected", exe
assert exe["type"] == "pe" and exe["size"] == 544, exe
assert exe["sha256"] == "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495"
assert exe["findings"][0]["name"] == "Clamav.Test.File-1-0"
assert exe["findings"][0]["db"] == "test.hdb" and exe["findings"][0]["hash"] == "md5"
assert files["readme.txt"]["result"] == "clean" and files["readme.txt"]["type"] == "text"
assert files["clam.pdf"]["type"] == "pdf"
assert objs[-1]["summary"]["files"] == 3 and objs[-1]["summary"]["infected"] == 2
PY

# the allow list beats the detection
"$PARTSCAN" hash --sha256 "$CLAMFILES/clam.exe" | sed 's/clam.exe$/Known.Good/' >"$T/db/local.sfp"
run 0 "$PARTSCAN" scan -d "$T/db" "$T/files/clam.exe"
expect out "clam.exe: OK"
rm "$T/db/local.sfp"

# .ign2 drops a signature by name
echo "Clamav.Test.File-1-0" >"$T/db/local.ign2"
run 2 "$PARTSCAN" scan -d "$T/db" "$T/files/clam.exe"
expect err "no signatures loaded"
rm "$T/db/local.ign2"

# a malformed line: reported with file:line and skipped; strict mode refuses
printf 'not a signature\n' >>"$T/db/test.hdb"
run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/files/clam.exe"
expect err "test.hdb:2: expected HASH:SIZE:NAME \(line skipped\)"
run 2 "$PARTSCAN" scan --strict -d "$T/db" --no-summary "$T/files/clam.exe"
expect err "test.hdb:2: .*strict"

# db info
run 0 "$PARTSCAN" db info "$T/db"
expect out "format hdb, 1 signatures"
expect out "detect 1: md5 1"
expect out "malformed lines: 1, skipped \(first: .*test.hdb:2:"
expect out "^total: 1 signatures"

# compiled snapshot: same verdicts; damage is a clear error
run 0 "$PARTSCAN" db compile -o "$T/db.psdb" "$T/db"
expect out "1 signatures from 1 files"
run 1 "$PARTSCAN" scan -d "$T/db.psdb" --no-summary "$T/files/clam.exe"
expect out "Clamav.Test.File-1-0 FOUND"
run 0 "$PARTSCAN" db info "$T/db.psdb"
expect out "compiled snapshot of"
head -c 100 "$T/db.psdb" >"$T/trunc.psdb"
run 2 "$PARTSCAN" scan -d "$T/trunc.psdb" "$T/files/clam.exe"
expect err "truncated"

# no database at all
run 2 "$PARTSCAN" scan -d "$T/files/readme.txt" "$T/files/clam.exe"
run 0 "$PARTSCAN" --version
expect out "^partscan [0-9]"
run 2 "$PARTSCAN" frobnicate
expect err "unknown command"

# streams are read up to the size limit, never forever: stdin, a device, a FIFO given as an
# argument; what was read is scanned and the target is unscannable (with -c: found). (timeout: a regression
# must fail here, not hang the suite.)
printf '[limits]\nmax_message_size = 1M\nmax_part_size = 1M\n' >"$T/small.conf"
# (the pipe inside sh -c: run must count in this shell, not in a pipeline's subshell)
run 1 sh -c 'head -c 3000000 /dev/zero | timeout 30 "$0" scan -d "$1" -c "$2" --no-summary -' \
	"$PARTSCAN" "$T/db" "$T/small.conf"
expect out "^stdin: UNSCANNABLE larger than 1048576 bytes"
expect out "^stdin: POLICY unscannable tag: unscannable: larger than 1048576 bytes"
run 0 timeout 60 "$PARTSCAN" scan -d "$T/db" --no-summary /dev/zero
expect out "^/dev/zero: UNSCANNABLE larger than 104857600 bytes \(max_message_size\)"
mkfifo "$T/fifo"
yes >"$T/fifo" 2>/dev/null &
YES=$!
run 1 timeout 30 "$PARTSCAN" scan -d "$T/db" -c "$T/small.conf" --no-summary "$T/fifo"
expect out "fifo: UNSCANNABLE larger than 1048576 bytes"
kill "$YES" 2>/dev/null
wait "$YES" 2>/dev/null
# under stdin's limit: scanned as it is, nothing unscannable
run 0 sh -c 'head -c 1000 /dev/zero | timeout 30 "$0" scan -d "$1" -c "$2" --no-summary -' \
	"$PARTSCAN" "$T/db" "$T/small.conf"
expect out "^stdin: OK$"
refute out "UNSCANNABLE"
# inside a directory a FIFO is skipped with a note, never opened (it would block)
mkdir "$T/tree"
mkfifo "$T/tree/pipe"
cp "$T/files/readme.txt" "$T/tree/"
run 0 timeout 30 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/tree"
expect out "readme.txt: OK$"
expect err "tree/pipe: skipped: not a regular file \(fifo\)"

finish
