#!/bin/sh
# The Debian package, as installed: `make deb`, dpkg -i, then the packaged daemon started as
# its systemd unit would start it (its User=, Group= and supplementary groups, the directories
# the unit declares, its ExecStart; systemd itself need not run), a private Postfix running as
# its own user pointed at the packaged socket under /var/spool/postfix/partscan: mail flows,
# the log and the quarantine are the partscan user's, a held message is released and delivered
# exactly once; then purge removes state, logs and configuration.
# Changes the machine (installs and purges the package): needs root, debhelper, postfix and
# swaks, and no partscan package installed before.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix_lib.sh"

if ! postfix_usable || ! command -v swaks >/dev/null || ! command -v dpkg-buildpackage >/dev/null ||
	! command -v dh >/dev/null || ! command -v setpriv >/dev/null; then
	echo "SKIP: needs root, postfix, swaks, debhelper and setpriv"
	exit 0
fi
if dpkg-query -W -f='${Status}' partscan 2>/dev/null | grep -q installed; then
	echo "SKIP: a partscan package is installed already"
	exit 0
fi

# --- build and install ---
run 0 sh contrib/make-deb.sh "$BUILD"
expect out "lintian clean"
DEB=$(ls "$BUILD"/partscan_"$(cat VERSION)"_*.deb)
run 0 dpkg -i "$DEB"
MPID=
cleanup() {
	postfix_stop
	[ -n "$MPID" ] && kill -TERM "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	dpkg --purge partscan >/dev/null 2>&1
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

owner() { stat -c %U:%G "$1" 2>/dev/null; }
checks=$((checks + 1))
id partscan >/dev/null 2>&1 || fail "no partscan user"
for d in /var/lib/partscan /var/lib/partscan/quarantine /var/log/partscan; do
	checks=$((checks + 1))
	[ "$(owner $d | cut -d: -f1)" = partscan ] || fail "$d is $(owner $d)"
done
checks=$((checks + 1))
[ "$(owner /var/spool/postfix/partscan)" = partscan:postfix ] ||
	fail "/var/spool/postfix/partscan is $(owner /var/spool/postfix/partscan)"
dpkg-query -W -f='${Conffiles}\n' partscan >"$T/out"
expect out "/etc/partscan/partscan.conf"
expect out "/etc/logrotate.d/partscan"
run 0 /usr/sbin/partscan-milter -t
expect out "socket = unix:/var/spool/postfix/partscan/milter.sock"
expect out "socket_group = postfix"
expect out "user = partscan"

# --- the packaged daemon, started the way its unit says ---
UNIT=/lib/systemd/system/partscan-milter.service
unit() { sed -n "s/^$1=//p" "$UNIT" | tail -1; }
U=$(unit User)
G=$(unit Group)
checks=$((checks + 1))
[ "$U" = partscan ] && [ "$G" = partscan ] && grep -q '^Type=notify' "$UNIT" &&
	grep -q '^ProtectSystem=strict' "$UNIT" || fail "unit: User=$U Group=$G, Type or hardening missing"
# the directories systemd makes for the unit's RuntimeDirectory/StateDirectory/LogsDirectory
install -d -o "$U" -g "$G" -m 0755 /run/partscan
cp "$TOP/contrib/test-signatures/"* /var/lib/partscan/
chown "$U:$G" /var/lib/partscan/*
# held mail for the release below (the packaged file rejects infected mail)
sed -i 's/^infected = reject/infected = quarantine/' /etc/partscan/partscan.conf
# shellcheck disable=SC2046
setpriv --reuid="$U" --regid="$G" --init-groups -- $(unit ExecStart) >"$T/milter.out" 2>&1 &
MPID=$!
SOCK=/var/spool/postfix/partscan/milter.sock
for i in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
checks=$((checks + 1))
[ -S "$SOCK" ] || { fail "the packaged daemon did not start"; cat "$T/milter.out" >&2; finish; exit 1; }
checks=$((checks + 1))
[ "$(owner $SOCK)" = partscan:postfix ] && [ "$(stat -c %a $SOCK)" = 660 ] ||
	fail "milter socket $(owner $SOCK) $(stat -c %a $SOCK)"

# --- a private Postfix (running as postfix) pointed at the packaged socket ---
postfix_setup
postconf -c "$PF" -e "smtpd_milters = unix:$SOCK" 'non_smtpd_milters = $smtpd_milters'
checks=$((checks + 1))
postfix_start || { fail "private Postfix did not start"; finish; exit 1; }
export MAIL_CONFIG="$PF"
EICAR="$T/eicar.bin"
printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-' 'ANTIVIRUS-TEST-FILE!$H+H*' >"$EICAR"
send() { # SUBJECT [ATTACHMENT]
	swaks --server 127.0.0.1 --port "$PORT" --from sender@example.org --to user@partscan.test \
		--header "Subject: $1" ${2:+--attach-type application/octet-stream --attach-name e.txt --attach "$2"} \
		>"$T/swaks.out" 2>&1
}
delivered() { grep -l "^Subject: $1\$" "$T"/mail/inbox/new/* 2>/dev/null | wc -l; }

run 0 send "clean one"
for i in $(seq 100); do [ "$(delivered "clean one")" -ge 1 ] && break; sleep 0.1; done
checks=$((checks + 1))
[ "$(delivered "clean one")" = 1 ] || { fail "clean mail not delivered"; cat "$T/maillog" >&2; }
grep -h "^X-Virus-Status:" "$T"/mail/inbox/new/* >"$T/out" 2>/dev/null
expect out "^X-Virus-Status: Clean"

run 0 send "held one" "$EICAR"
sleep 1
postqueue -j >"$T/out" 2>&1
expect out '"queue_name": *"hold"'
checks=$((checks + 1))
[ "$(owner /var/log/partscan/messages.json | cut -d: -f1)" = partscan ] ||
	fail "the log is $(owner /var/log/partscan/messages.json)"
ITEM=$(ls /var/lib/partscan/quarantine/*.json 2>/dev/null | head -1)
checks=$((checks + 1))
[ -n "$ITEM" ] && [ "$(owner "$ITEM" | cut -d: -f1)" = partscan ] || fail "quarantine item: '$ITEM' $(owner "$ITEM")"
ID=$(basename "$ITEM" .json)
run 0 partscan quarantine release "$ID"
expect out "released from the MTA's hold queue"
for i in $(seq 100); do [ "$(delivered "held one")" -ge 1 ] && break; sleep 0.1; done
sleep 0.5
checks=$((checks + 1))
[ "$(delivered "held one")" = 1 ] || fail "released message delivered $(delivered "held one") times"

# --- stop, purge ---
kill -TERM "$MPID"
wait "$MPID"
st=$?
checks=$((checks + 1))
[ "$st" = 0 ] || fail "the packaged daemon exited $st on SIGTERM"
MPID=
checks=$((checks + 1))
[ ! -e "$SOCK" ] || fail "milter socket left at exit"
run 0 dpkg --purge partscan
for d in /var/lib/partscan /var/log/partscan /etc/partscan /var/spool/postfix/partscan; do
	checks=$((checks + 1))
	[ ! -e $d ] || fail "$d left after purge"
done

finish
