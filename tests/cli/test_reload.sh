#!/bin/sh
# Signature reloads of a running partscan-milter as a mail administrator causes them: a
# compiled snapshot copied over in place, truncated (the daemon survives and keeps its
# signatures), renamed in; the signature directory deleted and recreated, swapped with mv; a
# file replaced by garbage (the reload fails, the old signatures stay). Each change must be
# live within a few seconds (polled, bounded), checked with a real milter client (EICAR).
# Also `partscan db` on a file with no valid line.
. "$(dirname "$0")/lib.sh"

MILTER="$TOP/$BUILD/partscan-milter"
command -v miltertest >/dev/null || { echo "SKIP: miltertest not installed"; exit 0; }

SOCK="unix:$T/milter.sock"
SIGS="$TOP/contrib/test-signatures/partscan-test.hdb"
EICAR_B64=$(eicar_b64)
mkdir -p "$T/src" "$T/snap"
sed -n 2p "$SIGS" >"$T/src/clamexe.hdb" # clam.exe only: EICAR passes
cp "$SIGS" "$T/src/both.hdb"            # EICAR and clam.exe
"$PARTSCAN" hash "$CLAMFILES/clam.pdf" | sed 's/clam.pdf$/Test.Pdf-1-0/' >"$T/src/pdf.hdb"
printf '<html><body>404 Not Found</body></html>\n' >"$T/src/garbage.hdb"

write_conf() { # $1: the signature path
	cat >"$T/partscan.conf" <<EOF
$(milter_conf "$SOCK")
[database]
path = $1
$(milter_log_conf)
EOF
}

# eicar reject|accept : send EICAR as an attachment, check the answer
eicar() {
	if [ "$1" = reject ]; then
		want='if mt.getreply(conn) ~= SMFIR_REPLYCODE then error("not rejected") end'
	else
		want='if mt.getreply(conn) ~= SMFIR_CONTINUE then error("not accepted") end'
	fi
	{
		mt_envelope "$SOCK" 'mt.helo(conn, "client.example.org")'
		cat <<EOF
mt.header(conn, "From", "sender@example.org")
mt.header(conn, "MIME-Version", "1.0")
mt.header(conn, "Content-Type", "multipart/mixed; boundary=\"XX\"")
mt.eoh(conn)
EOF
		mt_attachment e.txt "$EICAR_B64"
		printf '%s\nmt.disconnect(conn)\n' "$want"
	} >"$T/eicar.lua"
	run_lua eicar "EICAR not ${1}ed ($2)"
}

# wait_version PATTERN... WHAT : until VERSION matches every pattern (at most 10 s)
wait_version() {
	checks=$((checks + 1))
	for i in $(seq 100); do
		"$PARTSCAN" ctl -s "$T/control.sock" version >"$T/out" 2>&1
		ok=1
		for p in "$@"; do grep -Eq -- "$p" "$T/out" || ok=0; done
		[ $ok = 1 ] && return 0
		sleep 0.1
	done
	fail "VERSION never matched: $*"
	sed 's/^/  out: /' "$T/out" >&2
	tail -5 "$T/milter.out" | sed 's/^/  log: /' >&2
	return 1
}

# wait_log N PATTERN : until the daemon's output has N lines matching PATTERN (at most 10 s)
wait_log() {
	checks=$((checks + 1))
	for i in $(seq 100); do
		[ "$(grep -Ec -- "$2" "$T/milter.out")" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "log never had $1 x /$2/"
	tail -5 "$T/milter.out" | sed 's/^/  log: /' >&2
}

alive() {
	checks=$((checks + 1))
	kill -0 "$MPID" 2>/dev/null || fail "partscan-milter died ($1)"
}

# ---- a compiled snapshot (a name without the .psdb extension: found by its magic) ----
run 0 "$PARTSCAN" db compile -o "$T/src/one.psdb" "$T/src/clamexe.hdb"
run 0 "$PARTSCAN" db compile -o "$T/src/two.psdb" "$T/src/both.hdb"
cp "$T/src/one.psdb" "$T/snap/current"
write_conf "$T/snap/current"
start_milter || { finish; exit 1; }
wait_version "loaded: generation [0-9]+, 1 signatures" "disk: same as loaded"
eicar accept "one signature"

# cp over it (same inode): seen, reloaded, EICAR found
cp "$T/src/two.psdb" "$T/snap/current"
wait_version "loaded: generation [0-9]+, 2 signatures" "disk: same as loaded"
eicar reject "after cp over the snapshot"

# truncated in place: the daemon survives, keeps its signatures, says the disk differs
truncate -s 100 "$T/snap/current"
wait_log 1 "reload failed.*current: not a usable snapshot"
wait_version "loaded: generation [0-9]+, 2 signatures" "reload pending \(.*current changed"
eicar reject "after truncate"
alive "truncate"
truncate -s 0 "$T/snap/current"
wait_log 2 "reload failed.*current"
eicar reject "after truncate to 0"
alive "truncate to 0"

# a snapshot renamed in
cp "$T/src/one.psdb" "$T/snap/new.tmp"
mv "$T/snap/new.tmp" "$T/snap/current"
wait_version "loaded: generation [0-9]+, 1 signatures" "disk: same as loaded"
eicar accept "after a snapshot renamed in"

# db compile over the loaded snapshot writes a new file and renames it in
ino=$(stat -c %i "$T/snap/current")
run 0 "$PARTSCAN" db compile -o "$T/snap/current" "$T/src/both.hdb"
checks=$((checks + 1))
[ "$(stat -c %i "$T/snap/current")" != "$ino" ] || fail "db compile wrote in place"
wait_version "loaded: generation [0-9]+, 2 signatures" "disk: same as loaded"
eicar reject "after db compile"
stop_milter

# ---- a signature directory ----
mkdir "$T/db"
cp "$T/src/clamexe.hdb" "$T/db/"
write_conf "$T/db"
start_milter || { finish; exit 1; }
wait_version "loaded: generation [0-9]+, 1 signatures"
eicar accept "directory, one signature"

# deleted and recreated
rm -rf "$T/db"
wait_log 1 "reload failed"
mkdir "$T/db"
cp "$T/src/both.hdb" "$T/db/"
wait_version "loaded: generation [0-9]+, 2 signatures" "disk: same as loaded"
eicar reject "after the directory was deleted and recreated"

# swapped with mv
mkdir "$T/db.new"
cp "$T/src/clamexe.hdb" "$T/src/pdf.hdb" "$T/db.new/"
mv "$T/db" "$T/db.old"
mv "$T/db.new" "$T/db"
wait_version "loaded: generation [0-9]+, 2 signatures" "pdf.hdb: 1 signatures" \
	"disk: same as loaded"
eicar accept "after the directory was swapped"
# and the new directory is watched too
cp "$T/src/both.hdb" "$T/db/"
wait_version "loaded: generation [0-9]+, 4 signatures" "disk: same as loaded"
eicar reject "after a file was added to the swapped-in directory"

# a file replaced by garbage (strict = no): the reload fails, the old signatures stay
cp "$T/src/garbage.hdb" "$T/db/both.hdb"
wait_log 1 "reload failed.*both.hdb:1: .*no valid line"
wait_version "loaded: generation [0-9]+, 4 signatures" "reload pending \(.*both.hdb changed" \
	"last reload failed: .*both.hdb:1: .*no valid line"
eicar reject "after a signature file was replaced by garbage"
stop_milter

# ---- partscan db on a file with no valid line ----
run 2 "$PARTSCAN" db compile -o "$T/x.psdb" "$T/src/garbage.hdb" "$T/src/both.hdb"
expect err "garbage.hdb: refused: .*garbage.hdb:1: .*no valid line"
checks=$((checks + 1))
[ ! -e "$T/x.psdb" ] || fail "a snapshot was written"
run 0 "$PARTSCAN" db info "$T/src/garbage.hdb"
expect out "file refused"
# a file with one good line among bad ones still loads without strict mode
cat "$T/src/garbage.hdb" "$T/src/both.hdb" >"$T/src/mixed.hdb"
run 0 "$PARTSCAN" db compile -o "$T/x.psdb" "$T/src/mixed.hdb"
expect out "2 signatures"

finish
