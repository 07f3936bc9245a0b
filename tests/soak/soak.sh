#!/bin/sh
# make soak: a private Postfix with partscan-milter in front, under 100 concurrent SMTP
# sessions sending 10,000 messages (clean, infected, stripped, held; SOAK_MESSAGES and
# SOAK_SESSIONS change that). A signature reload runs half way. Afterwards every message must
# be accounted for with the right verdict (delivered tagged, rejected, delivered stripped,
# held) and no message tempfailed; the milter's RSS is sampled and must stay flat after the
# warm-up (< 10% growth). Prints the figures; exits 1 on a failed expectation.
BUILD=${1:-build}
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/../cli/postfix_lib.sh"

MILTER="$TOP/$BUILD/partscan-milter"
TOTAL=${SOAK_MESSAGES:-10000}
SESSIONS=${SOAK_SESSIONS:-100}
if ! postfix_usable; then
	echo "soak: needs root and postfix"
	exit 1
fi

postfix_setup
postconf -c "$PF" -e "default_process_limit = $((SESSIONS + 50))" \
	"smtpd_client_connection_count_limit = 0" "smtpd_client_event_limit_exceptions = 0.0.0.0/0"
postfix_milter || { echo "soak: partscan-milter did not start"; exit 1; }
postfix_start || { echo "soak: private Postfix did not start"; exit 1; }

# RSS every half second while the load runs
(while kill -0 "$MPID" 2>/dev/null; do
	awk '/^VmRSS:/ {print $2}' "/proc/$MPID/status"
	sleep 0.5
done) >"$T/rss" 2>/dev/null &
SAMPLER=$!

# half way: a new signature file (inotify) and an explicit RELOAD
RELOAD="$PARTSCAN hash $CLAMFILES/clam.pdf | sed 's/clam.pdf\$/Soak.Extra-1-0/' >$T/db/soak.hdb; \
$PARTSCAN ctl -s $T/control.sock reload >$T/reload.out 2>&1"
echo "soak: $TOTAL messages over $SESSIONS sessions"
t0=$(date +%s.%N)
python3 "$TOP/tests/soak/load.py" 127.0.0.1 "$PORT" "$TOTAL" "$SESSIONS" "$T/results" "$RELOAD"
t1=$(date +%s.%N)
# let the queue drain (held messages stay)
for i in $(seq 600); do
	active=$(postqueue -c "$PF" -j 2>/dev/null | python3 -c '
import json, sys
print(sum(1 for l in sys.stdin if l.strip() and json.loads(l)["queue_name"] != "hold"))')
	[ "$active" = 0 ] && break
	sleep 0.5
done
kill "$SAMPLER" 2>/dev/null

python3 - "$T" "$TOTAL" "$t0" "$t1" <<'PY'
import glob, json, sys, subprocess
t, total, t0, t1 = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
ok = True
def check(cond, what):
    global ok
    if not cond:
        ok = False
        print("FAIL:", what)
res = [l.split() for l in open(t + "/results")]
by = {}
for n, kind, code in res:
    by.setdefault(kind, {}).setdefault(code, 0)
    by[kind][code] += 1
print("SMTP replies:", json.dumps(by, sort_keys=True))
check(len(res) == total, "%d results for %d messages" % (len(res), total))
check(all(not c.startswith("4") and c != "999" for _, _, c in res), "a message was tempfailed")
want = {"clean": "250", "infected": "550", "stripped": "250", "held": "250"}
for kind, code in want.items():
    n = sum(1 for _, k, _ in res if k == kind)
    check(by.get(kind, {}).get(code, 0) == n, "%s: not all %s" % (kind, code))
delivered = {}
for f in glob.glob(t + "/mail/inbox/new/*"):
    head = open(f, "rb").read(4096).split(b"\n\n", 1)[0].decode(errors="replace")
    subj = [l for l in head.split("\n") if l.startswith("Subject:")][0].split()
    status = [l for l in head.split("\n") if l.startswith("X-Virus-Status:")]
    delivered[(subj[2], int(subj[3]))] = status[0] if status else ""
for n, kind, code in res:
    n = int(n)
    if kind in ("clean", "stripped"):
        st = delivered.get((kind, n))
        check(st is not None, "%s %d not delivered" % (kind, n))
        if st is not None:
            check(st.startswith("X-Virus-Status: " + ("Clean" if kind == "clean" else "Blocked")),
                  "%s %d has %r" % (kind, n, st))
    elif (kind, n) in delivered:
        check(False, "%s %d delivered" % (kind, n))
q = subprocess.run(["postqueue", "-c", t + "/postfix", "-j"], capture_output=True, text=True)
held = sum(1 for l in q.stdout.splitlines() if l.strip() and json.loads(l)["queue_name"] == "hold")
nheld = sum(1 for _, k, _ in res if k == "held")
check(held == nheld, "%d held in the queue, %d expected" % (held, nheld))
logs = [json.loads(l) for l in open(t + "/messages.json")]
check(len(logs) == total, "%d log records for %d messages" % (len(logs), total))
gens = sorted({r["db_generation"] for r in logs})
check(len(gens) >= 2, "no reload seen in the log (generations %s)" % gens)
rss = [int(x) for x in open(t + "/rss") if x.strip()]
secs = t1 - t0
print("soak: %d messages in %.1f s: %.0f msgs/s; delivered %d, held %d; generations %s"
      % (total, secs, total / secs, len(delivered), held, gens))
if len(rss) >= 10:
    warm = rss[len(rss) // 5]
    end, peak = rss[-1], max(rss)
    growth = (end - warm) * 100.0 / warm
    print("milter RSS: start %.1f MB, after warm-up %.1f MB, end %.1f MB, peak %.1f MB, "
          "growth after warm-up %+.1f%%" % (rss[0] / 1024, warm / 1024, end / 1024, peak / 1024,
                                            growth))
    check(growth < 10, "RSS grew %.1f%% after the warm-up" % growth)
print("soak:", "ok" if ok else "FAILED")
sys.exit(0 if ok else 1)
PY
