#!/bin/sh
# make run: partscan-milter in the foreground on the bundled development configuration.
# Every runtime path is under run/ in the checkout; the signatures are the bundled test
# signatures (EICAR and clam.exe); mail is rejected, tagged or logged, see run/messages.json.
set -eu
MILTER=${1:-build/partscan-milter}
[ $# -gt 0 ] && shift
TOP=$(pwd)
mkdir -p run/quarantine
SOCK="unix:$TOP/run/milter.sock"
# a -p (or --socket) among the extra arguments is the socket the daemon listens on
prev=
for a in "$@"; do
	case "$prev" in -p | --socket) SOCK=$a ;; esac
	case "$a" in --socket=*) SOCK=${a#--socket=} ;; -p?*) SOCK=${a#-p} ;; esac
	prev=$a
done
# Postfix names an inet milter socket inet:HOST:PORT (libmilter: inet:PORT@HOST)
case "$SOCK" in
inet:*@*) PFSOCK="inet:${SOCK#*@}:$(echo "${SOCK#inet:}" | cut -d@ -f1)" ;;
inet:*) PFSOCK="inet:127.0.0.1:${SOCK#inet:}" ;;
*) PFSOCK=$SOCK ;;
esac
cat <<EOT
partscan-milter $(cat VERSION) starts in the foreground (Ctrl-C stops it).

  configuration   conf/partscan-dev.conf   (check: $MILTER -t -c conf/partscan-dev.conf)
  milter socket   $SOCK
  control socket  $TOP/run/control.sock    (build/partscan ctl -s $TOP/run/control.sock stats)
  message log     $TOP/run/messages.json
  quarantine      $TOP/run/quarantine      (build/partscan quarantine -q run/quarantine list)

To point Postfix at it, add to /etc/postfix/main.cf and run 'postfix reload':

  smtpd_milters = $PFSOCK
  non_smtpd_milters = \$smtpd_milters
  milter_default_action = tempfail
  milter_protocol = 6

(Postfix's smtpd must be able to reach the socket: on Debian smtpd runs chrooted, so use
 inet instead: make run RUN_ARGS="-p inet:8899@127.0.0.1" and
 smtpd_milters = inet:127.0.0.1:8899.)

EOT
# (a -p in the extra arguments comes last and wins)
exec "$MILTER" -f -c conf/partscan-dev.conf -p "unix:$TOP/run/milter.sock" "$@"
