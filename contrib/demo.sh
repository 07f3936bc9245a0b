#!/bin/sh
# make demo: scan the bundled samples with the bundled test signatures and show what partscan
# finds. Samples are made here from harmless test files: the EICAR test string and Debian's
# clamav-testfiles (installed by `make deps`).
set -u
PARTSCAN=${1:-build/partscan}
SIGS=contrib/test-signatures
CLAMFILES=${CLAMAV_TESTFILES:-/usr/share/clamav-testfiles}
D=build/demo

rm -rf "$D"
mkdir -p "$D/samples"
# the EICAR test string, written in two halves so that this script is not itself a test file
printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-' 'ANTIVIRUS-TEST-FILE!$H+H*' \
	>"$D/samples/eicar.com"
printf 'Minutes of the meeting, nothing to see here.\n' >"$D/samples/minutes.txt"
for f in clam.exe clam.pdf clam.zip clam.ole.doc; do
	[ -f "$CLAMFILES/$f" ] && cp "$CLAMFILES/$f" "$D/samples/"
done
[ -f "$CLAMFILES/clam.exe" ] && cp "$CLAMFILES/clam.exe" "$D/samples/invoice.pdf"
cp -r contrib/samples/. "$D/samples/" 2>/dev/null

echo "== signatures"
"$PARTSCAN" db info "$SIGS"
echo
echo "== partscan scan -d $SIGS $D/samples"
"$PARTSCAN" scan -d "$SIGS" "$D/samples"
echo "(exit status $?: 0 clean, 1 found, 2 error)"
echo
echo "== the same as JSON (one object per file)"
"$PARTSCAN" scan -d "$SIGS" --json --no-summary "$D/samples/invoice.pdf" "$D/samples/minutes.txt"
exit 0
