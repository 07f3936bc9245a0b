#!/bin/sh
# The evasion scoreboard (`make evasions`, also run by `make bench`): builds the evasion set of
# gen.py (each message hides one harmless file behind one evasion, checked first with a
# reference reader), scans every message with `partscan scan --mail` and with clamscan (the
# same hashes as .hdb/.hsb; ClamAV's default limits, then its maximum limits) and prints one
# line per case and the totals. Without clamscan the ClamAV columns say "-".
# A figure, not a test: it exits 0 whatever the score (test_evasions.sh guards regressions).
#   BUILD=build sh tests/evasions/run.sh [--keep DIR]
set -u
BUILD=${BUILD:-build}
TOP=$(pwd)
PARTSCAN="$TOP/$BUILD/partscan"
T=$(mktemp -d "${TMPDIR:-/tmp}/partscan-evasions-XXXXXX")
trap 'rm -rf "$T"' EXIT
[ "${1:-}" = --keep ] && [ -n "${2:-}" ] && { rm -rf "$2"; T=$2; mkdir -p "$T"; trap - EXIT; }

# the reference readers need olefile and GMime's bindings (python3-olefile, python3-gi,
# gir1.2-gmime-3.0: Debian's python3)
PY=python3
for p in python3 /usr/bin/python3; do
	"$p" -c 'import olefile, gi' 2>/dev/null && { PY=$p; break; }
done
mkdir -p "$T/set"
"$PY" "$TOP/tests/evasions/gen.py" "$T/set" || { echo "evasions: gen.py failed" >&2; exit 1; }
cd "$T/set" || exit 1
ls ./*.eml | sed 's|^\./||' >"$T/cases"

# found LOG: the message files with a finding in LOG ("FILE[...]: NAME FOUND", "FILE: NAME FOUND")
found() {
	awk '/ FOUND$/ { n = index($0, "["); c = index($0, ": ")
		if (n == 0 || (c > 0 && c < n)) n = c
		print substr($0, 1, n - 1) }' "$1" | sort -u
}
"$PARTSCAN" scan -d sigs --mail --no-summary --infected $(cat "$T/cases") >"$T/partscan.log" 2>&1
found "$T/partscan.log" >"$T/partscan.found"
# the dropped cases (no reference reader gets the file back): what partscan makes of them
: >"$T/dropped.log"
if [ -d dropped ]; then
	(cd dropped && "$PARTSCAN" scan -d ../sigs --mail --no-summary --infected ./*.eml) \
		>"$T/dropped.log" 2>&1
fi
found "$T/dropped.log" >"$T/dropped.found"

CLAM=$(command -v clamscan || true)
if [ -n "$CLAM" ]; then
	"$CLAM" --version >"$T/clamav.version" 2>&1
	"$CLAM" --no-summary --infected -d sigs $(cat "$T/cases") >"$T/clam.log" 2>&1
	# ClamAV's largest limits (clamscan refuses sizes over 4000M)
	"$CLAM" --no-summary --infected -d sigs --max-recursion=255 --max-files=1000000 \
		--max-scansize=4000M --max-filesize=4000M --max-embeddedpe=4000M \
		--max-htmlnormalize=4000M --max-htmlnotags=4000M --max-scriptnormalize=4000M \
		--max-ziptypercg=4000M --max-partitions=1000000 --max-iconspe=1000000 \
		--max-rechwp3=1000000 --max-scantime=0 $(cat "$T/cases") >"$T/clammax.log" 2>&1
	found "$T/clam.log" >"$T/clam.found"
	found "$T/clammax.log" >"$T/clammax.found"
fi

awk -F'\t' -v clam="$CLAM" -v pf="$T/partscan.found" -v cf="$T/clam.found" \
	-v mf="$T/clammax.found" -v df="$T/dropped.found" '
function load(f, a,   l) { while ((getline l < f) > 0) a[l] = 1; close(f) }
BEGIN { load(pf, P); load(df, D); if (clam != "") { load(cf, C); load(mf, X) } }
$3 == "dropped" {
	dropped[++nd] = $1 " (" $2 ")" (("./" $1 ".eml") in D ? ": partscan finds it all the same" : "")
	next
}
{
	f = $1 ".eml"; m++
	p = (f in P) ? "found" : "MISSED"
	c = clam == "" ? "-" : ((f in C) ? "found" : "missed")
	x = clam == "" ? "-" : ((f in X) ? "found" : "missed")
	if (f in P) np++
	if (f in C) nc++
	if (f in X) nx++
	if ((f in C || f in X) && !(f in P)) only[++no] = $1
	printf "%-26s %-36s %-8s %-8s %s\n", $1, $2, p, c, x
}
END {
	printf "\npartscan %d of %d", np, m
	if (clam != "") printf ", ClamAV %d of %d (at its maximum limits: %d of %d)", nc, m, nx, m
	else printf ", ClamAV not installed"
	printf "\n"
	if (no) { printf "found by ClamAV, not by partscan:"; for (i = 1; i <= no; i++) printf " %s", only[i]; printf "\n" }
	if (nd) { printf "dropped (the reference reader does not give the file back): %d\n", nd
		for (i = 1; i <= nd; i++) printf "  %s\n", dropped[i] }
}' "$T/set/cases.tsv" >"$T/table"
printf '%-26s %-36s %-8s %-8s %s\n' case "reference reader" partscan ClamAV "ClamAV max"
cat "$T/table"
[ -n "$CLAM" ] && sed -n '1s/^/(/; 1s/$/)/p' "$T/clamav.version"
exit 0
