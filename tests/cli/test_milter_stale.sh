#!/bin/sh
# [database] max_age_days judges the freshness of the signatures that age: daily, the newest
# update. A bytecode container built years ago beside a fresh daily does not make every
# message stale; a daily older than the limit does.
. "$(dirname "$0")/lib.sh"

MILTER="$TOP/$BUILD/partscan-milter"
command -v miltertest >/dev/null || { echo "SKIP: miltertest not installed"; exit 0; }
mkdir -p "$T/db" "$T/work" "$T/q"

# cud DIR FILE BUILT MEMBER : an unsigned container (.cud) of one member, built at BUILT
cud() {
	db=${2%%.*} w="$T/work"
	echo "licence" >"$w/COPYING"
	printf 'ClamAV-VDB:22 Nov 2026 10-00 +0000:1:2:90:X:X:test:%s\n' "$3" >"$w/$db.info"
	printf '%s:%s:%s\n' "$4" "$(wc -c <"$w/$4" | tr -d ' ')" \
		"$(sha256sum "$w/$4" | cut -d' ' -f1)" >>"$w/$db.info"
	tar --format=ustar -cf "$w/body" -C "$w" COPYING "$db.info" "$4"
	printf '%-512s' "ClamAV-VDB:22 Nov 2026 10-00 +0000:1:2:90:X:X:test:$3" >"$1/$2"
	cat "$w/body" >>"$1/$2"
}
"$PARTSCAN" hash "$CLAMFILES/clam.exe" | sed 's/clam.exe$/Clamav.Test.File-1-0/' >"$T/work/a.hdb"
"$PARTSCAN" hash --sha256 "$CLAMFILES/clam.exe" | sed 's/clam.exe$/Clamav.Test.File-2-0/' >"$T/work/b.hsb"
NOW=$(date +%s)
cud "$T/db" bytecode.cud 1273845430 a.hdb # May 2010
cud "$T/db" daily.cud $((NOW - 3600)) b.hsb

cat >"$T/partscan.conf" <<EOF
$(milter_conf "unix:$T/milter.sock")
[database]
path = $T/db
max_age_days = 7
on_stale = tempfail
[quarantine]
directory = $T/q
$(milter_log_conf)
EOF
cat >"$T/m.lua" <<EOF
$(mt_envelope "unix:$T/milter.sock")
mt.header(conn, "Subject", "fresh")
mt.eoh(conn)
mt.bodystring(conn, "hello\r\n")
if mt.eom(conn) ~= nil then error("eom failed") end
mt.disconnect(conn)
EOF

start_milter || { finish; exit 1; }
run 0 miltertest -s "$T/m.lua"
cp "$T/messages.json" "$T/log"
refute log "days ago"
expect log '"result":"accept"'
stop_milter

# a daily of 30 days: stale, whatever else is loaded
cud "$T/db" daily.cud $((NOW - 30 * 86400)) b.hsb
: >"$T/messages.json"
start_milter || { finish; exit 1; }
miltertest -s "$T/m.lua" >/dev/null 2>&1
cp "$T/messages.json" "$T/log"
expect log "30 days ago"
expect log '"result":"tempfail"'
stop_milter

finish
