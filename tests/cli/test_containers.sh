#!/bin/sh
# ClamAV containers (.cvd .cld .cud): real ones from ClamAV's test inputs (the shared corpus,
# $PARTSCAN_CVD_CORPUS or ../shared/corpus/clamav-cvd beside the checkout) and ones built here
# with tar and gzip: verification, rejection, precedence, ignore lists, db info, snapshots.
. "$(dirname "$0")/lib.sh"

CORPUS=${PARTSCAN_CVD_CORPUS:-$TOP/../shared/corpus/clamav-cvd}
CLAM="$CLAMFILES/clam.exe"
mkdir "$T/work"

# container DIR FILE VERSION SIGS GZIP(1/0) MEMBER... : header + tar of COPYING, a .info that
# lists the members (name:size:sha256, unsigned) and the members, all taken from $T/work.
container() {
	dir=$1 file=$2 version=$3 sigs=$4 gz=$5
	shift 5
	db=${file%%[.-]*}
	built=$(date +%s)
	w="$T/work"
	echo "licence" >"$w/COPYING"
	printf 'ClamAV-VDB:22 Nov 2026 10-00 +0000:%s:%s:90:X:X:test:%s\n' "$version" "$sigs" \
		"$built" >"$w/$db.info"
	for m in "$@"; do
		printf '%s:%s:%s\n' "$m" "$(wc -c <"$w/$m" | tr -d ' ')" \
			"$(sha256sum "$w/$m" | cut -d' ' -f1)" >>"$w/$db.info"
	done
	tar --format=ustar -cf "$w/body" -C "$w" COPYING "$db.info" "$@"
	[ "$gz" = 1 ] && gzip -n -c "$w/body" >"$w/body.gz" && mv "$w/body.gz" "$w/body"
	printf '%-512s' "ClamAV-VDB:22 Nov 2026 10-00 +0000:$version:$sigs:90:X:X:test:$built" \
		>"$dir/$file"
	cat "$w/body" >>"$dir/$file"
}

"$PARTSCAN" hash "$CLAM" | sed 's/clam.exe$/Clamav.Test.File-1-0/' >"$T/work/local.hdb"
"$PARTSCAN" hash --sha256 "$CLAM" | sed 's/clam.exe$/Clamav.Test.File-2-0/' >"$T/work/local.hsb"
echo 'Sig:0:*:41424344' >"$T/work/local.ndb"

# a .cud (unsigned by design, as in ClamAV) loads as it is and detects clam.exe
mkdir "$T/cud"
container "$T/cud" local.cud 3 3 1 local.hdb local.hsb local.ndb
run 1 "$PARTSCAN" scan -d "$T/cud" --no-summary "$CLAM"
expect out "clam.exe: Clamav.Test.File-1-0 FOUND"
run 0 "$PARTSCAN" db info "$T/cud"
expect out "^$T/cud/local.cud$"
expect out "format container, 2 signatures"
expect out "container local 3, built [0-9T:-]+Z, flevel 90, 3 signatures in the header, 2 loaded"
expect out "verified \(cud\): unsigned by design \(.cud\); 2 used members checked against local.info"
expect out "members not used by partscan: 1 \(ndb 1\)"
expect out "^$T/cud/local.cud:local.hdb$"
expect out "version local 3 \(.*, 3 signatures\)"

# a .cld built here has no ClamAV signature: refused, unless the test-only switch says so
mkdir "$T/cld"
container "$T/cld" daily.cld 12 2 0 local.hdb local.hsb
run 2 "$PARTSCAN" db info "$T/cld"
expect out "REJECTED, nothing loaded: daily.info is not signed"
expect err "daily.cld: rejected: daily.info is not signed"
run 2 "$PARTSCAN" scan -d "$T/cld" "$CLAM"
expect err "daily.cld: rejected, not loaded: daily.info is not signed"
expect err "no signatures loaded"
run 0 "$PARTSCAN" db info --allow-unsigned "$T/cld"
expect out "verified \(unsigned\): NOT verified"
# compiled with the switch, the snapshot keeps what was (not) verified and detects
run 0 "$PARTSCAN" db compile --allow-unsigned -o "$T/cld.psdb" "$T/cld"
run 1 "$PARTSCAN" scan -d "$T/cld.psdb" --no-summary "$CLAM"
expect out "Clamav.Test.File-1-0 FOUND"
run 0 "$PARTSCAN" db info "$T/cld.psdb"
expect out "container daily 12"
expect out "verified \(unsigned\)"

# precedence: daily.cvd and daily.cld side by side, the newer version loads
printf '%s:544:Old.Generation-1-0\n' "$(cut -d: -f1 "$T/work/local.hdb")" >"$T/work/daily.hdb"
container "$T/cld" daily.cvd 11 1 1 daily.hdb
run 0 "$PARTSCAN" db info --allow-unsigned "$T/cld"
expect out "SUPERSEDED, not loaded: superseded by $T/cld/daily.cld \(version 12\)"
run 0 "$PARTSCAN" db compile --allow-unsigned -o "$T/p.psdb" "$T/cld"
run 1 "$PARTSCAN" scan -d "$T/p.psdb" --no-summary "$CLAM"
expect out "Clamav.Test.File-1-0 FOUND"
refute out "Old.Generation"

# an ignore list inside a container drops a signature of another file
mkdir "$T/ign"
cp "$T/work/local.hdb" "$T/ign/a.hdb"
echo "Clamav.Test.File-1-0" >"$T/work/drop.ign2"
container "$T/ign" drop.cud 1 1 1 drop.ign2
run 2 "$PARTSCAN" scan -d "$T/ign" "$CLAM"
expect err "no signatures loaded"
run 0 "$PARTSCAN" db info "$T/ign"
expect out "dropped by ignore lists: 1"

# a line for a later functionality level (a hash type and a size syntax partscan does not
# read) is skipped, as libclamav skips it: not malformed, and --strict keeps the container
mkdir "$T/future"
cp "$T/work/local.hdb" "$T/work/future.hdb"
printf '%0128d:68:Test.Future.Sha512:250\n' 0 >>"$T/work/future.hdb"
printf '%s:1K:Test.Future.Size:250\n' "$(cut -d: -f1 "$T/work/local.hdb")" >>"$T/work/future.hdb"
container "$T/future" future.cud 1 3 1 future.hdb
run 1 "$PARTSCAN" scan --strict -d "$T/future" --no-summary "$CLAM"
expect out "clam.exe: Clamav.Test.File-1-0 FOUND"
refute err "future.hdb"
run 0 "$PARTSCAN" db info "$T/future"
expect out "outside functionality level: 2"

# damage: a member with a path, a truncated header
mkdir "$T/bad" "$T/work/sub"
cp "$T/work/local.hdb" "$T/work/sub/x.hdb"
container "$T/bad" trav.cud 1 1 1 sub/x.hdb
head -c 100 "$T/cud/local.cud" >"$T/bad/short.cud"
run 2 "$PARTSCAN" db info "$T/bad"
expect out "REJECTED, nothing loaded: damaged body: member name 'sub/x.hdb' has a '/'"
expect out "REJECTED, nothing loaded: truncated: 100 bytes"

# --version reads the headers of the default paths only; here it must at least run
run 0 "$PARTSCAN" --version
expect out "signatures on disk \(not loaded\)"

if [ ! -d "$CORPUS" ]; then
	echo "SKIP: the ClamAV container corpus is absent ($CORPUS; set PARTSCAN_CVD_CORPUS)"
	finish
	exit $?
fi

# bytecode.cvd, built by ClamAV in 2010: the legacy header signature verifies; its last.hdb
# detects clam.exe
run 1 "$PARTSCAN" scan -d "$CORPUS/bytecode.cvd" --no-summary "$CLAM"
expect out "clam.exe: ClamAV-Test-File FOUND"
run 0 "$PARTSCAN" db info --certs-dir "$T/none" "$CORPUS/bytecode.cvd"
expect out "container bytecode 19, built 2010-05-14T13:57:10Z, flevel 51, 3 signatures in the header, 2 loaded by partscan"
expect out "verified \(legacy\): header signature"
expect out "members not used by partscan: 3 \(cbc 3\)"
expect out "bytecode.cvd:last.hdb"

# one flipped body byte: rejected with the reason; the other paths still load
mkdir "$T/flip"
python3 - "$CORPUS/bytecode.cvd" "$T/flip/bytecode.cvd" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
data[1500] ^= 1
open(sys.argv[2], "wb").write(data)
PY
run 1 "$PARTSCAN" scan -d "$T/flip" -d "$T/cud" --no-summary "$CLAM"
expect err "bytecode.cvd: rejected, not loaded: the body's MD5 [0-9a-f]+ is not the header's"
expect out "Clamav.Test.File-1-0 FOUND"
run 2 "$PARTSCAN" db info "$T/flip"
expect out "REJECTED, nothing loaded: the body's MD5"

# test-1.cvd and its detached signature: the TEST CA verifies it, another CA refuses it
mkdir "$T/sign" "$T/test-ca" "$T/prod-ca"
cp "$CORPUS/test-1.cvd" "$CORPUS/test-1.cvd.sign" "$T/sign/"
cp "$CORPUS/clamav-test.crt" "$T/test-ca/"
cp "$CORPUS/clamav.crt" "$T/prod-ca/"
# the TEST root CA is valid until 2027-03-26 (the unit suite pins the time instead)
if [ "$(date +%s)" -lt 1806083792 ]; then
	run 0 "$PARTSCAN" db info --certs-dir "$T/test-ca" "$T/sign"
	expect out "verified \(sign\): detached signature test-1.cvd.sign, signer ClamAV TEST CVD Signing Cert"
	expect out "members not used by partscan: 2 \(ldb 1, ndb 1\)"
else
	echo "SKIP: the TEST CA of the corpus has expired; its .sign case runs in check_container"
fi
run 2 "$PARTSCAN" db info --certs-dir "$T/prod-ca" "$T/sign"
expect out "REJECTED, nothing loaded: the detached signature test-1.cvd.sign does not verify"
# no CA certificates at all: ClamAV's fallback, the legacy header signature
run 0 "$PARTSCAN" db info --certs-dir "$T/none" "$T/sign"
expect out "verified \(legacy\)"

finish
