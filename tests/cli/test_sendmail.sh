#!/bin/sh
# End to end with Sendmail: Debian's sendmail-bin (it conflicts with postfix as an installed
# package, so its .deb is unpacked privately with dpkg-deb -x) started with its own
# configuration on 127.0.0.1, partscan-milter as its input mail filter. Clean mail is
# delivered tagged; an infected message is put in Sendmail's quarantine and in the store;
# `partscan quarantine release` unquarantines it in Sendmail's queue (sendmail -Q -qI<QID>):
# delivered exactly once, no copy re-injected; one no longer in Sendmail's quarantine is
# re-injected from the store with the release marker: delivered once, without the marker;
# --force re-injects the store's copy even while Sendmail holds its own.
# The .debs (sendmail-bin, sendmail-cf, libwrap0) come from $SENDMAIL_DEBS, else are fetched
# with apt-get download into $BUILD/sendmail-debs. Needs root, m4 and swaks.
. "$(dirname "$0")/lib.sh"

MILTER="$TOP/$BUILD/partscan-milter"
if [ "$(id -u)" != 0 ] || ! command -v swaks >/dev/null || ! command -v m4 >/dev/null ||
	! command -v unshare >/dev/null; then
	echo "SKIP: needs root, swaks, m4 and unshare"
	exit 0
fi
DEBS=${SENDMAIL_DEBS:-$TOP/$BUILD/sendmail-debs}
if ! ls "$DEBS"/sendmail-bin_*.deb "$DEBS"/sendmail-cf_*.deb "$DEBS"/libwrap0_*.deb >/dev/null 2>&1; then
	mkdir -p "$DEBS"
	(cd "$DEBS" && apt-get download sendmail-bin sendmail-cf libwrap0) >/dev/null 2>&1
fi
if ! ls "$DEBS"/sendmail-bin_*.deb "$DEBS"/sendmail-cf_*.deb "$DEBS"/libwrap0_*.deb >/dev/null 2>&1; then
	echo "SKIP: the sendmail-bin, sendmail-cf and libwrap0 packages could not be had"
	exit 0
fi
R="$T/root"
for d in "$DEBS"/sendmail-bin_*.deb "$DEBS"/sendmail-cf_*.deb "$DEBS"/libwrap0_*.deb; do
	dpkg-deb -x "$d" "$R"
done
chmod 755 "$T"
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(freeport)
MPORT=$(freeport)
mkdir -p "$T/mqueue" "$T/clientmqueue" "$T/mail" "$T/db" "$T/q"
chmod 700 "$T/mqueue"
chown nobody "$T/clientmqueue"
chmod 777 "$T/mail"
# Sendmail waits a minute at every start for a host name it cannot qualify: its programs run
# in a mount namespace of their own where /etc/hosts gives this host a domain
printf '127.0.0.1 localhost\n127.0.1.1 %s.partscan.test %s\n' "$(hostname)" "$(hostname)" >"$T/hosts"
# not setgid, so that the loader takes LD_LIBRARY_PATH (libwrap from the unpacked package)
install -m 0755 "$R/usr/libexec/sendmail/sendmail" "$T/sendmail.bin"
cat >"$T/sendmail" <<EOF
#!/bin/sh
exec unshare -m sh -c 'mount --bind "$T/hosts" /etc/hosts && exec env LD_LIBRARY_PATH="$R/usr/lib/x86_64-linux-gnu:$R/lib/x86_64-linux-gnu" "$T/sendmail.bin" -C "$T/sendmail.cf" "\$@"' sendmail "\$@"
EOF
# the command line as Sendmail installs it: a submission program (MSP) that hands the message
# to the MTA over SMTP, so that the MTA's milters see it; -Am takes the MTA's configuration
# (queue listing and quarantine release), as Sendmail's own does
cat >"$T/submit" <<EOF
#!/bin/sh
cf="$T/submit.cf"
for a in "\$@"; do [ "\$a" = -Am ] && cf="$T/sendmail.cf"; done
exec unshare -m sh -c 'mount --bind "$T/hosts" /etc/hosts && exec env LD_LIBRARY_PATH="$R/usr/lib/x86_64-linux-gnu:$R/lib/x86_64-linux-gnu" "$T/sendmail.bin" -C "\$0" "\$@"' "\$cf" "\$@"
EOF
cat >"$T/deliver" <<EOF
#!/bin/sh
cat >"$T/mail/\$1.\$\$.\$(date +%s%N)"
EOF
chmod 755 "$T/sendmail" "$T/submit" "$T/deliver"
printf 'hosts files\naliases files\n' >"$T/service.switch"
echo "postmaster: root" >"$T/aliases"
cat >"$T/sendmail.mc" <<EOF
divert(0)dnl
include(\`$R/usr/share/sendmail/cf/m4/cf.m4')dnl
VERSIONID(\`partscan test')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`mx.partscan.test')dnl
define(\`QUEUE_DIR', \`$T/mqueue')dnl
define(\`MSP_QUEUE_DIR', \`$T/clientmqueue')dnl
define(\`STATUS_FILE', \`$T/statistics')dnl
define(\`ALIAS_FILE', \`$T/aliases')dnl
define(\`confPID_FILE', \`$T/sendmail.pid')dnl
define(\`confHELP_FILE', \`')dnl
define(\`confDONT_PROBE_INTERFACES', \`true')dnl
define(\`confSERVICE_SWITCH_FILE', \`$T/service.switch')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit,GroupWritableDirPathSafe')dnl
define(\`confMILTER_MACROS_ENVFROM', \`i, {auth_authen}')dnl
define(\`confTO_IDENT', \`0s')dnl
define(\`LOCAL_MAILER_PATH', \`$T/deliver')dnl
define(\`LOCAL_MAILER_ARGS', \`deliver \$u')dnl
define(\`LOCAL_MAILER_FLAGS', \`Pmn9')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`no_default_msa')dnl
DAEMON_OPTIONS(\`Port=$PORT, Addr=127.0.0.1, Name=MTA')dnl
INPUT_MAIL_FILTER(\`partscan', \`S=inet:$MPORT@127.0.0.1, F=T, T=S:30s;R:60s;E:5m')dnl
LOCAL_DOMAIN(\`partscan.test')dnl
MAILER(\`local')dnl
MAILER(\`smtp')dnl
EOF
m4 "$T/sendmail.mc" >"$T/sendmail.cf"
cat >"$T/submit.mc" <<EOF
divert(0)dnl
include(\`$R/usr/share/sendmail/cf/m4/cf.m4')dnl
VERSIONID(\`partscan test submit')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`mx.partscan.test')dnl
define(\`confRUN_AS_USER', \`nobody')dnl
define(\`MSP_QUEUE_DIR', \`$T/clientmqueue')dnl
define(\`STATUS_FILE', \`$T/submit.st')dnl
define(\`confPID_FILE', \`$T/submit.pid')dnl
define(\`confDONT_PROBE_INTERFACES', \`true')dnl
define(\`confSERVICE_SWITCH_FILE', \`$T/service.switch')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit,GroupWritableDirPathSafe')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $PORT')dnl
FEATURE(\`msp', \`[127.0.0.1]')dnl
EOF
m4 "$T/submit.mc" >"$T/submit.cf"
cp "$TOP/contrib/test-signatures/"* "$T/db/"
cat >"$T/partscan.conf" <<EOF
$(milter_conf "inet:$MPORT@127.0.0.1")
[database]
path = $T/db
[policy]
infected = quarantine
[quarantine]
directory = $T/q
sendmail = $T/submit
$(milter_log_conf)
EOF
spawn_milter
trap '[ -s "$T/sendmail.pid" ] && kill "$(head -1 "$T/sendmail.pid")" 2>/dev/null; kill -TERM $MPID 2>/dev/null; wait $MPID 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
wait_until 50 control_ping
run 0 "$T/sendmail" -bi
run 0 "$T/sendmail" -bd -q1h -L partscan-test
wait_until 50 swaks --server 127.0.0.1 --port "$PORT" --quit-after CONNECT

EICAR="$T/eicar.bin"
printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-' 'ANTIVIRUS-TEST-FILE!$H+H*' >"$EICAR"
send() { # SUBJECT [ATTACHMENT]
	swaks --server 127.0.0.1 --port "$PORT" --from sender@example.org --to root@partscan.test \
		--header "Subject: $1" ${2:+--attach-type application/octet-stream --attach-name e.txt --attach "$2"} \
		>"$T/swaks.out" 2>&1
}
delivered() { grep -l "^Subject: $1\$" "$T"/mail/* 2>/dev/null | wc -l; }
wait_for() { # SUBJECT
	for i in $(seq 100); do
		[ "$(delivered "$1")" -ge 1 ] && break
		sleep 0.1
	done
	sleep 0.5
}

# --- clean mail: delivered, tagged ---
run 0 send "clean one"
wait_for "clean one"
checks=$((checks + 1))
[ "$(delivered "clean one")" = 1 ] || fail "clean mail delivered $(delivered "clean one") times"
grep -h "^X-Virus-Status:" "$T"/mail/* >"$T/out" 2>/dev/null
expect out "^X-Virus-Status: Clean"
cp "$T/messages.json" "$T/log"
expect log '"queue_id":"[0-9A-Za-z]+"'

# --- infected: in Sendmail's quarantine and the store; released there, delivered once ---
run 0 send "held one" "$EICAR"
sleep 0.5
"$T/sendmail" -bp -qQ >"$T/out" 2>&1
expect out "QUARANTINE: infected: Eicar-Test-Signature"
checks=$((checks + 1))
[ "$(delivered "held one")" = 0 ] || fail "infected mail delivered"
ID=$(basename "$(ls "$T"/q/*.json | head -1)" .json)
run 0 "$PARTSCAN" quarantine -c "$T/partscan.conf" release "$ID"
expect out "released from the MTA's quarantine"
wait_for "held one"
checks=$((checks + 1))
[ "$(delivered "held one")" = 1 ] || fail "released message delivered $(delivered "held one") times"
"$T/sendmail" -bp -qQ >"$T/out" 2>&1
refute out "Eicar"
checks=$((checks + 1))
[ ! -e "$T/q/$ID.json" ] || fail "the released item is still in the store"
cp "$T/messages.json" "$T/log"
refute log '"result":"skip: released from the quarantine"'
run 2 "$PARTSCAN" quarantine -c "$T/partscan.conf" release "$ID"

# --- no longer in Sendmail's quarantine (deleted there): the store's copy is re-injected with
# the release marker: delivered once, without the marker, not held again ---
run 0 send "held two" "$EICAR"
sleep 0.5
ID=$(basename "$(ls "$T"/q/*.json | head -1)" .json)
rm -f "$T"/mqueue/hf* "$T"/mqueue/df*
run 0 "$PARTSCAN" quarantine -c "$T/partscan.conf" release "$ID"
expect out "not held in the MTA's queue any more: re-injected"
"$T/sendmail" -q >/dev/null 2>&1
wait_for "held two"
checks=$((checks + 1))
[ "$(delivered "held two")" = 1 ] || fail "re-injected message delivered $(delivered "held two") times"
checks=$((checks + 1))
if grep -l "^Subject: held two\$" "$T"/mail/* | xargs grep -qi "^X-Partscan-Release:"; then
	fail "the release marker was delivered"
fi
"$T/sendmail" -bp -qQ >"$T/out" 2>&1
refute out "Eicar"
cp "$T/messages.json" "$T/log"
expect log '"result":"skip: released from the quarantine"'

# --- --force: the store's copy is re-injected even while Sendmail still holds its own ---
run 0 send "held three" "$EICAR"
sleep 0.5
ID=$(basename "$(ls "$T"/q/*.json | head -1)" .json)
run 0 "$PARTSCAN" quarantine -c "$T/partscan.conf" release --force "$ID"
expect out "re-injected"
"$T/sendmail" -q >/dev/null 2>&1
wait_for "held three"
checks=$((checks + 1))
[ "$(delivered "held three")" = 1 ] || fail "forced message delivered $(delivered "held three") times"
"$T/sendmail" -bp -qQ >"$T/out" 2>&1
expect out "QUARANTINE: infected"

finish
