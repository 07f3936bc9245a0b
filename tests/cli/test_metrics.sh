#!/bin/sh
# The Prometheus endpoint ([metrics] listen) of partscan-milter, with real clients: curl for
# /healthz and /readyz (not ready before signatures load with on_no_database = tempfail,
# ready after, not ready again with a stale container), `promtool check metrics` on /metrics
# and `promtool check rules` / `promtool test rules` on contrib's alert rules, then a private Prometheus (its own
# configuration and data directory, scraping 127.0.0.1 every second) after mail sent with
# miltertest: up == 1 and the message counters equal to what was sent. Every metric the
# dashboard and the alert rules name must be served.
. "$(dirname "$0")/lib.sh"

MILTER="$TOP/$BUILD/partscan-milter"
for tool in miltertest promtool prometheus curl python3; do
	command -v $tool >/dev/null || { echo "SKIP: $tool not installed"; exit 0; }
done

PROM_PID=
cleanup() {
	[ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null
	[ -n "${MPID:-}" ] && kill "$MPID" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
MPORT=$(free_port)
PPORT=$(free_port)
URL="http://127.0.0.1:$MPORT"
SOCK="unix:$T/milter.sock"
mkdir -p "$T/db" "$T/q" "$T/prom" "$T/work"

write_conf() { # $1: extra [database] lines
	cat >"$T/partscan.conf" <<EOF
$(milter_conf "$SOCK" "on_no_database = tempfail")
[metrics]
listen = 127.0.0.1:$MPORT
[database]
path = $T/db
$1
[quarantine]
directory = $T/q
$(milter_log_conf)
EOF
}

# http PATH : status code in $T/code, body in $T/body
http() {
	curl -s -o "$T/body" -w '%{http_code}' --max-time 10 "$URL$1" >"$T/code" 2>/dev/null ||
		echo 000 >"$T/code"
}

# expect_http PATH CODE BODY_PATTERN
expect_http() {
	http "$1"
	checks=$((checks + 1))
	if [ "$(cat "$T/code")" != "$2" ] || ! grep -Eq -- "$3" "$T/body"; then
		fail "GET $1: $(cat "$T/code") $(head -c 200 "$T/body") (wanted $2 /$3/)"
	fi
}

promtool_metrics() { # $1: a name for the saved copy
	http /metrics
	cp "$T/body" "$T/$1.prom"
	checks=$((checks + 1))
	if ! promtool check metrics <"$T/$1.prom" >"$T/promtool.out" 2>&1; then
		fail "promtool check metrics ($1)"
		sed 's/^/  /' "$T/promtool.out" | head -20 >&2
	fi
}

# metric_value FILE SAMPLE : the value of one exact sample line, or "missing"
metric_value() {
	awk -v s="$2" '$1 == s { print $2; found = 1 } END { if (!found) print "missing" }' "$1"
}

EICAR_B64=$(eicar_b64)
CLEAN_B64=$(printf 'just a harmless attachment\n' | base64 -w0)

# send NAME B64 : one message through miltertest
send() {
	{
		mt_envelope "$SOCK" 'mt.helo(conn, "client.example.org")'
		cat <<EOF
mt.header(conn, "From", "sender@example.org")
mt.header(conn, "Subject", "metrics $1")
mt.header(conn, "MIME-Version", "1.0")
mt.header(conn, "Content-Type", "multipart/mixed; boundary=\"XX\"")
mt.eoh(conn)
EOF
		mt_attachment "$1.txt" "$2" hello
		echo 'mt.disconnect(conn)'
	} >"$T/$1.lua"
	run_lua "$1"
}

# --- the alert rules and the example configuration load
run 0 promtool check rules "$TOP/contrib/prometheus/partscan-alerts.yml"
run 0 promtool check config "$TOP/contrib/prometheus/prometheus.yml"
# and fire when they should (unit tests of the rules on synthetic series)
run 0 promtool test rules "$TOP/tests/data/prometheus/partscan-alerts_test.yml"
checks=$((checks + 1))
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$TOP/contrib/grafana/partscan.json" ||
	fail "the Grafana dashboard is not JSON"

# --- no signatures yet: alive, not ready, and mail is tempfailed
write_conf ""
start_milter || { finish; exit 1; }
expect_http /healthz 200 '^ok$'
expect_http /readyz 503 '^not ready: no signatures loaded'
expect_http /nothing 404 'not found'
promtool_metrics empty
expect empty.prom '^partscan_signatures_loaded 0$'
expect empty.prom '^partscan_ready 0$'
send early "$CLEAN_B64"

# --- signatures arrive: ready
cp "$TOP/contrib/test-signatures/"* "$T/db/"
run 0 "$PARTSCAN" ctl -s "$T/control.sock" reload
expect_http /readyz 200 '^ready$'

# --- mail: 3 clean, 2 EICAR (with the tempfailed one: 6 messages)
for i in 1 2 3; do send clean$i "$CLEAN_B64"; done
for i in 1 2; do send eicar$i "$EICAR_B64"; done
promtool_metrics mail
for s in 'partscan_messages_total{verdict="infected"} 2' \
	'partscan_message_actions_total{action="tempfail"} 1' \
	'partscan_message_actions_total{action="reject"} 2' \
	'partscan_signatures_loaded 1' 'partscan_ready 1' 'partscan_reloads_total{result="ok"} 1' \
	'partscan_signature_detections_last_day{signature="Eicar-Test-Signature"} 2'; do
	got=$(metric_value "$T/mail.prom" "${s% *}")
	checks=$((checks + 1))
	[ "$got" = "${s##* }" ] || fail "metrics: ${s% *} is $got, wanted ${s##* }"
done
expect mail.prom '^partscan_detections_total\{kind="file",database="[^"]+"\} 2$'
expect mail.prom '^partscan_parts_total\{family="text"\} [1-9]'
expect mail.prom '^process_resident_memory_bytes [1-9]'

# --- a private Prometheus scrapes it
cp "$TOP/contrib/prometheus/partscan-alerts.yml" "$T/prom/"
cat >"$T/prom/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - partscan-alerts.yml
scrape_configs:
  - job_name: partscan
    static_configs:
      - targets: ["127.0.0.1:$MPORT"]
EOF
prometheus --config.file="$T/prom/prometheus.yml" --storage.tsdb.path="$T/prom/data" \
	--web.listen-address="127.0.0.1:$PPORT" >"$T/prom/log" 2>&1 &
PROM_PID=$!

# query EXPR : the first value of an instant query, or "none"
query() {
	curl -s --max-time 5 -G "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1" |
		python3 -c 'import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(r[0]["value"][1] if r else "none")
except Exception:
    print("none")'
}

# await EXPR VALUE : poll Prometheus for up to 60 s
await() {
	checks=$((checks + 1))
	end=$(($(date +%s) + 60))
	while [ "$(date +%s)" -lt "$end" ]; do
		got=$(query "$1")
		[ "$got" = "$2" ] && return 0
		sleep 0.5
	done
	fail "Prometheus: $1 = $got, wanted $2"
	tail -5 "$T/prom/log" >&2
}

await 'up{job="partscan"}' 1
await 'sum(partscan_messages_total{job="partscan"})' 6
await 'partscan_messages_total{job="partscan",verdict="infected"}' 2
await 'partscan_message_actions_total{job="partscan",action="tempfail"}' 1
await 'partscan_ready{job="partscan"}' 1
kill "$PROM_PID" 2>/dev/null
wait "$PROM_PID" 2>/dev/null
PROM_PID=
stop_milter

# --- a stale container: loaded, but not ready
container_cud() { # DIR FILE BUILT(epoch) MEMBER... (as in test_containers.sh; .cud is unsigned)
	dir=$1 file=$2 built=$3
	shift 3
	db=${file%%[.-]*}
	w="$T/work"
	echo "licence" >"$w/COPYING"
	printf 'ClamAV-VDB:22 Nov 2026 10-00 +0000:3:1:90:X:X:test:%s\n' "$built" >"$w/$db.info"
	for m in "$@"; do
		printf '%s:%s:%s\n' "$m" "$(wc -c <"$w/$m" | tr -d ' ')" \
			"$(sha256sum "$w/$m" | cut -d' ' -f1)" >>"$w/$db.info"
	done
	tar --format=ustar -cf "$w/body" -C "$w" COPYING "$db.info" "$@"
	printf '%-512s' "ClamAV-VDB:22 Nov 2026 10-00 +0000:3:1:90:X:X:test:$built" >"$dir/$file"
	cat "$w/body" >>"$dir/$file"
}
rm -f "$T/db/"*
cp "$TOP/contrib/test-signatures/partscan-test.hdb" "$T/work/local.hdb"
container_cud "$T/db" local.cud $(($(date +%s) - 30 * 86400)) local.hdb
write_conf "max_age_days = 7"
start_milter || { finish; exit 1; }
expect_http /readyz 503 '^not ready: signatures stale: built 30 days ago'
promtool_metrics stale
expect stale.prom '^partscan_signatures_stale 1$'
expect stale.prom '^partscan_signatures_loaded 1$'
expect stale.prom '^partscan_signatures_age_seconds [0-9]+$'
expect stale.prom '^partscan_ready 0$'
stop_milter

# every metric the dashboard and the alert rules use is served (the age: with a container)
for name in $(grep -Eoh '(partscan|process)_[a-z_]+' "$TOP/contrib/grafana/partscan.json" \
	"$TOP/contrib/prometheus/partscan-alerts.yml" | sort -u); do
	checks=$((checks + 1))
	cat "$T/mail.prom" "$T/stale.prom" | grep -Eq "^$name[{ ]" ||
		fail "$name (dashboard or alerts) is not served"
done

# --- a fresh container: ready
rm -f "$T/db/"*
container_cud "$T/db" local.cud "$(date +%s)" local.hdb
start_milter || { finish; exit 1; }
expect_http /readyz 200 '^ready$'
stop_milter

# --- a bad listen address refuses to start, with the reason
sed -i "s/^listen = .*/listen = mail.example.org:$MPORT/" "$T/partscan.conf"
run 1 "$MILTER" -f -c "$T/partscan.conf"
expect err 'numeric address or localhost'
MPID=
finish
