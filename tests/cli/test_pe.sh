#!/bin/sh
# PE section (.mdb .msb .mdu) and import (.imp) hash signatures, made by a reference
# implementation (pefile, through pe_sigs.py) for clam.exe and the packed clam-*.exe of
# clamav-testfiles: found as files, attached to a message, inside a zip, from a .cud container
# and from a snapshot; JSON names the kind; hash --mdb / --imp agree with pefile; db info
# counts per kind; a malformed PE keeps its whole-file match. When clamscan is installed, it
# must find the same files with the same .mdb / .msb / .imp files.
. "$(dirname "$0")/lib.sh"

PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
if ! $PY -c 'import pefile' 2>/dev/null; then
	fail "python3-pefile is missing (contrib/install-deps.sh installs it)"
	finish
	exit 1
fi
SIGS="$TOP/tests/cli/pe_sigs.py"
mkdir "$T/db" "$T/a" "$T/imp" "$T/work"

# one signature file per kind, each signature named after its file: Sect.clam-upx ...
PES=""
for f in "$CLAMFILES"/clam.exe "$CLAMFILES"/clam-*.exe; do
	b=$(basename "$f" .exe)
	PES="$PES $b"
	$PY "$SIGS" mdb "$f" "Sect.$b" >>"$T/db/t.mdb" || fail "pe_sigs mdb $b"
	$PY "$SIGS" msb "$f" "SectS.$b" >>"$T/db/t.msb" || fail "pe_sigs msb $b"
	$PY "$SIGS" msb1 "$f" "Sect1.$b" >>"$T/db/t1.msb" || fail "pe_sigs msb1 $b"
	$PY "$SIGS" imp "$f" "Imp.$b" >>"$T/imp/t.imp" || fail "pe_sigs imp $b"
done
[ -s "$T/db/t.mdb" ] && [ -s "$T/imp/t.imp" ] || fail "no reference signatures made"

# every file is found by its own section signatures (MD5, SHA-256, SHA-1), and by its import
# hash when pefile gives it one; no whole-file signature is loaded
run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$CLAMFILES"/clam.exe "$CLAMFILES"/clam-*.exe
for b in $PES; do
	expect out "/$b.exe: Sect.$b FOUND$"
done
for k in SectS Sect1; do
	run 1 "$PARTSCAN" scan -d "$T/db/t$([ $k = Sect1 ] && echo 1).msb" --no-summary \
		"$CLAMFILES"/clam.exe "$CLAMFILES"/clam-*.exe
	for b in $PES; do
		expect out "/$b.exe: $k.$b FOUND$"
	done
done
# (where pefile and libclamav read an import table differently, libclamav's reading wins:
# clam-upx's names lie within 258 bytes of the end of the file and clam-mew's directory Size
# holds one descriptor only, so libclamav hashes an empty list for both, as clamscan --debug
# shows: "IMP: d41d8cd98f00b204e9800998ecf8427e:0")
run 1 "$PARTSCAN" scan -d "$T/imp" --no-summary "$CLAMFILES"/clam.exe "$CLAMFILES"/clam-*.exe
for b in $(cut -d: -f3 "$T/imp/t.imp" | sed 's/^Imp\.//'); do
	case $b in
	clam-upx | clam-mew) refute out "/$b.exe: Imp.$b FOUND$" ;;
	*) expect out "/$b.exe: Imp.$b FOUND$" ;;
	esac
done
# (that empty list hashes to d41d8cd9...:0, a size every loader refuses: hash --imp makes
# no line of it and says why)
for b in clam-upx clam-mew clam-upack; do
	run 2 "$PARTSCAN" hash --imp "$CLAMFILES/$b.exe"
	expect err "$b.exe: empty import list: no signature line"
	refute out ":0:"
done
# a non-PE part with the same bytes as a section is not a PE: not found
head -c 512 "$CLAMFILES/clam.exe" >"$T/a/notpe.bin"
run 0 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/a/notpe.bin"

# JSON: which kind matched, the section index, size and digest
run 1 "$PARTSCAN" scan -d "$T/db/t.mdb" -d "$T/imp" --json --no-summary "$CLAMFILES/clam.exe"
expect out '"name":"Sect.clam","kind":"detect","hash":"md5","db":"t.mdb","target":"pe-section","section":0,"size":512,"digest":"[0-9a-f]{32}"'
expect out '"name":"Imp.clam","kind":"detect","hash":"md5","db":"t.imp","target":"pe-imports","size":39,"digest":"98c88d882f01a3f6ac1e5f7dfd761624"'
expect out '"pe":\{"sections":1,"sections_hashed":1,"imports_hashed":true,"error":null\}'

# attached to a message, and inside a zip (also attached)
cp "$CLAMFILES/clam-petite.exe" "$CLAMFILES/clam.exe" "$T/a/"
(cd "$T/a" && zip -q packed.zip clam-petite.exe)
{
	printf 'From: a@example.org\nSubject: pe\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n'
	for f in clam.exe packed.zip; do
		printf -- '--b\nContent-Type: application/octet-stream; name="%s"\n' "$f"
		printf 'Content-Transfer-Encoding: base64\n\n'
		base64 "$T/a/$f"
	done
	printf -- '--b--\n'
} >"$T/a/pe.eml"
run 1 "$PARTSCAN" scan -d "$T/db/t.mdb" --no-summary "$T/a/packed.zip" "$T/a/pe.eml"
expect out "packed.zip\[zip:clam-petite.exe\]: Sect.clam-petite FOUND$"
expect out "pe.eml\[2 clam.exe\]: Sect.clam FOUND$"
expect out "pe.eml\[3/zip:clam-petite.exe\]: Sect.clam-petite FOUND$"
run 1 "$PARTSCAN" scan -d "$T/imp" --no-summary "$T/a/pe.eml"
expect out "pe.eml\[2 clam.exe\]: Imp.clam FOUND$"
expect out "pe.eml\[3/zip:clam-petite.exe\]: Imp.clam-petite FOUND$"

# hash --mdb / --imp print what pefile gives
for b in clam clam-upx clam-nsis clam-petite clam-fsg; do
	"$PARTSCAN" hash --mdb "$CLAMFILES/$b.exe" >"$T/out" 2>"$T/err"
	$PY "$SIGS" mdb "$CLAMFILES/$b.exe" "$b.exe" >"$T/ref"
	checks=$((checks + 1))
	cmp -s "$T/out" "$T/ref" || fail "hash --mdb $b.exe differs from pefile: $(cat "$T/out")"
	"$PARTSCAN" hash --mdb --sha256 "$CLAMFILES/$b.exe" >"$T/out" 2>"$T/err"
	$PY "$SIGS" msb "$CLAMFILES/$b.exe" "$b.exe" >"$T/ref"
	checks=$((checks + 1))
	cmp -s "$T/out" "$T/ref" || fail "hash --mdb --sha256 $b.exe differs from pefile"
	[ $b = clam-upx ] && continue # libclamav reads its imports differently (above)
	"$PARTSCAN" hash --imp "$CLAMFILES/$b.exe" >"$T/out" 2>"$T/err"
	$PY "$SIGS" imp "$CLAMFILES/$b.exe" "$b.exe" >"$T/ref"
	checks=$((checks + 1))
	cmp -s "$T/out" "$T/ref" || fail "hash --imp $b.exe differs from pefile: $(cat "$T/out")"
done
run 2 "$PARTSCAN" hash --mdb "$CLAMFILES/clam.zip"
expect err "clam.zip: not a PE file"

# db info and --version: per kind, and the functionality level
run 0 "$PARTSCAN" db info "$T/db/t.mdb" "$T/imp/t.imp"
expect out "format mdb, [0-9]+ signatures"
expect out "hashes of: pe-section"
expect out "hashes of: pe-imports"
expect out "^kinds: file 0, pe-section [1-9][0-9]*, pe-imports 0$"
expect out "^kinds: file 0, pe-section 0, pe-imports [1-9][0-9]*$"
run 0 "$PARTSCAN" --version
expect out "ClamAV functionality level 231"

# a .cud container with .mdb .msb .imp members, and a snapshot compiled from it
w="$T/work"
grep -E '\.clam(-petite)?$' "$T/db/t.mdb" >"$w/local.mdb"
grep -E '\.clam(-petite)?$' "$T/db/t.msb" >"$w/local.msb"
cp "$T/imp/t.imp" "$w/local.imp"
echo "licence" >"$w/COPYING"
built=$(date +%s) # once: the header and the .info must name the same second
printf 'ClamAV-VDB:22 Nov 2026 10-00 +0000:3:9:90:X:X:test:%s\n' "$built" >"$w/local.info"
for m in local.mdb local.msb local.imp; do
	printf '%s:%s:%s\n' "$m" "$(wc -c <"$w/$m" | tr -d ' ')" \
		"$(sha256sum "$w/$m" | cut -d' ' -f1)" >>"$w/local.info"
done
tar --format=ustar -cf "$w/body" -C "$w" COPYING local.info local.mdb local.msb local.imp
mkdir "$T/cud"
printf '%-512s' "ClamAV-VDB:22 Nov 2026 10-00 +0000:3:9:90:X:X:test:$built" \
	>"$T/cud/local.cud"
gzip -n -c "$w/body" >>"$T/cud/local.cud"
run 1 "$PARTSCAN" scan -d "$T/cud" --no-summary "$CLAMFILES/clam-petite.exe"
expect out "clam-petite.exe: Sect.clam-petite FOUND$"
run 1 "$PARTSCAN" scan -d "$T/cud" --json --no-summary "$CLAMFILES/clam-petite.exe"
expect out '"name":"Imp.clam-petite","kind":"detect","hash":"md5","db":"local.imp","target":"pe-imports"'
run 0 "$PARTSCAN" db info "$T/cud"
expect out "^kinds: file 0, pe-section [1-9][0-9]*, pe-imports [1-9][0-9]*$"
refute out "members not used"
run 0 "$PARTSCAN" db compile -o "$T/pe.psdb" "$T/cud"
run 1 "$PARTSCAN" scan -d "$T/pe.psdb" --json --no-summary "$CLAMFILES/clam-petite.exe"
expect out '"name":"Sect.clam-petite","kind":"detect","hash":"md5","db":"local.mdb","target":"pe-section","section":0'
expect out '"name":"SectS.clam-petite","kind":"detect","hash":"sha256","db":"local.msb","target":"pe-section"'
expect out '"target":"pe-imports"'

# partscan-milter loads them too: the control socket's VERSION counts signatures per kind
MILTER="$TOP/$BUILD/partscan-milter"
mkdir -p "$T/q"
cat >"$T/partscan.conf" <<EOF
$(milter_conf "unix:$T/milter.sock")
[database]
path = $T/cud
[quarantine]
directory = $T/q
$(milter_log_conf)
EOF
if start_milter; then
	run 0 "$PARTSCAN" ctl -s "$T/control.sock" version
	expect out "^kinds: file 0, pe-section [1-9][0-9]*, pe-imports [1-9][0-9]*$"
	stop_milter
fi

# PUA (.mdu) loads with --pua only
cp "$T/db/t.mdb" "$T/a/p.mdu"
"$PARTSCAN" hash "$T/a/notpe.bin" >"$T/a/other.hdb"
run 0 "$PARTSCAN" scan -d "$T/a/p.mdu" -d "$T/a/other.hdb" --no-summary "$CLAMFILES/clam.exe"
run 1 "$PARTSCAN" scan -d "$T/a/p.mdu" -d "$T/a/other.hdb" --pua --no-summary \
	"$CLAMFILES/clam.exe"
expect out "clam.exe: Sect.clam FOUND$"

# an .fp entry naming the whole file clears a section match
"$PARTSCAN" hash "$CLAMFILES/clam.exe" | sed 's/clam.exe$/Allowed/' >"$T/a/ok.fp"
run 0 "$PARTSCAN" scan -d "$T/db/t.mdb" -d "$T/a/ok.fp" --no-summary "$CLAMFILES/clam.exe"

# `*` size: every section is hashed
sed 's/^[0-9]*:/*:/' "$T/db/t.mdb" | sed 's/$/:73/' >"$T/a/star.mdb"
run 1 "$PARTSCAN" scan -d "$T/a/star.mdb" --no-summary "$CLAMFILES/clam-nsis.exe"
expect out "clam-nsis.exe: Sect.clam-nsis FOUND$"

# a malformed PE (section table cut off) never hides the whole-file match
head -c 400 "$CLAMFILES/clam.exe" >"$T/a/cut.exe"
"$PARTSCAN" hash "$T/a/cut.exe" | sed 's/cut.exe$/Whole.Cut/' >"$T/a/cut.hdb"
run 1 "$PARTSCAN" scan -d "$T/a/cut.hdb" -d "$T/db/t.mdb" --json --no-summary "$T/a/cut.exe"
expect out '"name":"Whole.Cut","kind":"detect","hash":"md5","db":"cut.hdb","target":"file"'
expect out '"pe":\{"sections":0,"sections_hashed":0,"imports_hashed":false,"error":"[a-z]'

# clamscan, when installed: every (file, signature) partscan finds, clamscan finds too, with
# the same files (one name per hash, as ClamAV keeps one); clamscan finds more by unpacking
# UPX, FSG, ... which partscan does not. And each file's import hash is one libclamav computes
# (clamscan --debug prints "IMP: MD5:SIZE" for the file and for what it unpacks).
if command -v clamscan >/dev/null 2>&1; then
	for db in "$T/db/t.mdb" "$T/db/t.msb" "$T/db/t1.msb" "$T/imp/t.imp"; do
		awk -F: '!seen[$1 ":" $2]++' "$db" >"$T/a/uniq.${db##*.}"
		clamscan --allmatch --no-summary -d "$T/a/uniq.${db##*.}" "$CLAMFILES"/clam.exe \
			"$CLAMFILES"/clam-*.exe 2>/dev/null | sed -n 's/\.UNOFFICIAL FOUND$//p' |
			sort -u >"$T/clam.found"
		"$PARTSCAN" scan -d "$T/a/uniq.${db##*.}" --infected --no-summary "$CLAMFILES"/clam.exe \
			"$CLAMFILES"/clam-*.exe | sed -n 's/ FOUND$//p' | sort -u >"$T/ps.found"
		checks=$((checks + 1))
		[ -s "$T/ps.found" ] && [ -z "$(comm -13 "$T/clam.found" "$T/ps.found")" ] ||
			fail "partscan finds what clamscan does not ($(basename "$db")): $(comm -13 "$T/clam.found" "$T/ps.found" | tr '\n' ' ')"
	done
	for f in "$CLAMFILES"/clam*.exe; do
		mine=$("$PARTSCAN" hash --imp "$f" 2>"$T/imp.err" | cut -d: -f1,2)
		# an empty list makes no line: the hash of no bytes, as clamscan prints it
		if [ -z "$mine" ] && grep -q "empty import list" "$T/imp.err"; then
			mine=d41d8cd98f00b204e9800998ecf8427e:0
		fi
		clamscan --allmatch --debug --no-summary -d "$T/imp/t.imp" "$f" 2>&1 |
			sed -n 's/.*IMP: //p' >"$T/clam.imp"
		checks=$((checks + 1))
		grep -qx "$mine" "$T/clam.imp" ||
			fail "$(basename "$f"): partscan's import hash $mine is not one clamscan computes: $(tr '\n' ' ' <"$T/clam.imp")"
	done
else
	echo "SKIP: clamscan is not installed (the comparison with ClamAV is not run)"
fi

finish
