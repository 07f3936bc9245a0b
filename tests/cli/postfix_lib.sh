# Shared by the end-to-end tests and the soak (sourced after lib.sh): a private Postfix —
# its own configuration and queue directories under $T, listening on 127.0.0.1:$PORT,
# delivering every recipient of partscan.test to the maildir $T/mail/inbox — with
# partscan-milter (unix:$T/milter.sock) as its smtpd milter. Needs root.

postfix_usable() {
	[ "$(id -u)" = 0 ] && command -v postfix >/dev/null && id postfix >/dev/null 2>&1 &&
		[ -x /usr/lib/postfix/sbin/master ]
}

# postfix_setup: write the configuration and make the directories; sets PF and PORT
postfix_setup() {
	PF="$T/postfix"
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	mkdir -p "$PF" "$T/spool" "$T/data" "$T/mail"
	chmod 755 "$T"
	chown postfix "$T/data" "$T/mail"
	cat >"$PF/main.cf" <<-EOF
	compatibility_level = 3.6
	config_directory = $PF
	queue_directory = $T/spool
	data_directory = $T/data
	mail_owner = postfix
	setgid_group = postdrop
	myhostname = mx.partscan.test
	mydomain = partscan.test
	myorigin = partscan.test
	mydestination =
	inet_interfaces = 127.0.0.1
	inet_protocols = ipv4
	mynetworks = 127.0.0.0/8
	smtpd_recipient_restrictions = permit_mynetworks, reject
	relay_domains =
	alias_maps =
	alias_database =
	local_recipient_maps =
	virtual_mailbox_domains = partscan.test
	virtual_mailbox_base = $T/mail
	virtual_mailbox_maps = static:inbox/
	virtual_uid_maps = static:$(id -u postfix)
	virtual_gid_maps = static:$(id -g postfix)
	maillog_file = $T/maillog
	maillog_file_prefixes = $T
	smtpd_milters = unix:$T/milter.sock
	non_smtpd_milters =
	milter_default_action = tempfail
	milter_protocol = 6
	milter_mail_macros = i {auth_type} {auth_authen} {auth_author} {mail_addr}
	milter_end_of_data_macros = i
	smtputf8_enable = no
	biff = no
	EOF
	cat >"$PF/master.cf" <<-EOF
	127.0.0.1:$PORT inet n - n - - smtpd
	pickup    unix  n       -       n       60      1       pickup
	cleanup   unix  n       -       n       -       0       cleanup
	qmgr      unix  n       -       n       300     1       qmgr
	rewrite   unix  -       -       n       -       -       trivial-rewrite
	bounce    unix  -       -       n       -       0       bounce
	defer     unix  -       -       n       -       0       bounce
	trace     unix  -       -       n       -       0       bounce
	verify    unix  -       -       n       -       1       verify
	flush     unix  n       -       n       1000?   0       flush
	proxymap  unix  -       -       n       -       -       proxymap
	smtp      unix  -       -       n       -       -       smtp
	showq     unix  n       -       n       -       -       showq
	error     unix  -       -       n       -       -       error
	retry     unix  -       -       n       -       -       error
	discard   unix  -       -       n       -       -       discard
	local     unix  -       n       n       -       -       local
	virtual   unix  -       n       n       -       -       virtual
	anvil     unix  -       -       n       -       1       anvil
	scache    unix  -       -       n       -       1       scache
	postlog   unix-dgram n  -       n       -       1       postlogd
	EOF
}

# postfix_require: end the test (SKIP, exit 0) unless it can run a private Postfix and has
# swaks to talk to it.
postfix_require() {
	if ! postfix_usable || ! command -v swaks >/dev/null; then
		echo "SKIP: needs root, postfix and swaks"
		exit 0
	fi
}

# postfix_start: check and start it, wait until it answers; 1 on failure (reason printed)
postfix_start() {
	if ! postfix -c "$PF" check >"$T/pfcheck" 2>&1 || ! postfix -c "$PF" start >>"$T/pfcheck" 2>&1; then
		cat "$T/pfcheck" >&2
		return 1
	fi
	wait_until 50 swaks --server 127.0.0.1 --port "$PORT" --quit-after CONNECT
}

postfix_stop() {
	postfix -c "$PF" stop >/dev/null 2>&1
}

# postfix_milter: partscan-milter for the private Postfix — the bundled test signatures,
# infected = reject, blocked = strip, unscannable = quarantine, its files under $T — started
# in the background (MPID) and waited for; an EXIT trap stops both it and Postfix.
postfix_milter() {
	mkdir -p "$T/db" "$T/q"
	cp "$TOP/contrib/test-signatures/"* "$T/db/"
	cat >"$T/partscan.conf" <<-EOF
	$(milter_conf "unix:$T/milter.sock" "socket_mode = 0666")
	[database]
	path = $T/db
	[policy]
	infected = reject
	blocked = strip
	unscannable = quarantine
	[quarantine]
	directory = $T/q
	$(milter_log_conf)
	EOF
	spawn_milter
	trap 'postfix_stop; kill -TERM $MPID 2>/dev/null; wait $MPID 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
	wait_until 50 test -S "$T/milter.sock"
}
