#!/bin/sh
# Transfer encodings, every one a mail client decodes: each message of encodings_gen.py hides
# clam.exe (from Debian's clamav-testfiles) one way; partscan must find it, and every file a
# reference decoder gets out of the same message must be among partscan's parts (same
# SHA-256): Python's email package (base64 stopping at its padding, unknown encodings as the
# bytes they are), quopri and base64 (Thunderbird's readings of "quoted-printable;
# x-mode=binary" and of base64 declared 7bit; quoted-printable with "=" before blanks, trailing
# white space and lower-case hex), uudeview (uuencode, yEnc, multi-part yEnc joined) and macutils'
# hexbin (BinHex 4.0).
. "$(dirname "$0")/lib.sh"

mkdir "$T/db" "$T/m" "$T/ref"
"$PARTSCAN" hash "$CLAMFILES/clam.exe" | sed 's/clam.exe$/Clamav.Test.File-1-0/' >"$T/db/test.hdb"
python3 "$TOP/tests/cli/encodings_gen.py" "$CLAMFILES/clam.exe" "$T/m" || fail "encodings_gen.py"

# hashes M: every part's SHA-256 in partscan's JSON report of message M, one a line
hashes() {
	"$PARTSCAN" scan -d "$T/db" --json "$T/m/$1.eml" | python3 -c '
import json, sys
for line in sys.stdin:
    for p in json.loads(line).get("parts", []):
        if p.get("sha256"):
            print(p["sha256"])'
}

# has M WHAT FILE...: each FILE (a reference decoding of M) is one of partscan's parts
has() {
	m=$1
	what=$2
	shift 2
	hashes "$m" >"$T/hashes"
	for f in "$@"; do
		checks=$((checks + 1))
		if [ ! -s "$f" ] && [ ! -f "$f" ]; then
			fail "$m: $what decoded nothing"
			continue
		fi
		h=$(sha256sum <"$f" | cut -d' ' -f1)
		grep -qx "$h" "$T/hashes" || fail "$m: $what got $h ($(wc -c <"$f") bytes), not a part"
	done
}

# python MODE M OUT: a Python reading of M's body into OUT (email: get_payload(decode=True))
python() {
	python3 - "$1" "$T/m/$2.eml" "$3" <<'PY'
import base64, binascii, email, quopri, sys
mode, path, out = sys.argv[1:]
msg = email.message_from_binary_file(open(path, "rb"))
part = [p for p in msg.walk() if not p.is_multipart()][-1]
body = part.get_payload(decode=False).encode("latin-1")
if mode == "email":
    data = part.get_payload(decode=True)
elif mode == "quopri":
    data = quopri.decodestring(body)
elif mode == "base64":
    data = base64.b64decode(body)
elif mode == "runs":
    # base64 decoded on after each padding, one run after the other (GMime, Thunderbird)
    abc = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    runs = [bytes(c for c in r if c in abc) for r in body.split(b"=")]
    data = b"".join(binascii.a2b_base64(r + b"=" * (-len(r) % 4)) for r in runs if r)
open(out, "wb").write(data)
PY
}

# uudeview M: the files uudeview decodes from M's body, in $T/ref/M/
uudeview_of() {
	mkdir -p "$T/ref/$1"
	{
		printf 'Subject: reference\n\n'
		sed '1,/^$/d' "$T/m/$1.eml"
	} >"$T/ref/$1.txt"
	uudeview -i -a -q -p "$T/ref/$1/" "$T/ref/$1.txt" >/dev/null 2>&1
	ls "$T/ref/$1/"* >/dev/null 2>&1 || fail "$1: uudeview decoded nothing"
}

# hexbin M: the forks macutils' hexbin decodes from M, in $T/ref/M/
hexbin_of() {
	mkdir -p "$T/ref/$1"
	# from the BinHex line on (hexbin stops on the 8-bit bytes of a yEnc block before it)
	sed -n '/^(This file must be converted with BinHex/,$p' "$T/m/$1.eml" >"$T/ref/$1.hqx"
	(cd "$T/ref/$1" && hexbin -3 "$T/ref/$1.hqx") >/dev/null 2>&1 || fail "$1: hexbin failed"
}

# every message but b64_keep hides clam.exe where some client finds it
for m in b64_after_pad b64_as_7bit qp_params uu_x-uuencode uu_uue uu_x-uue uu_no_mode \
	uu_no_name uu_blank uu_double yenc_text yenc_cte yenc_as_8bit yenc_multi yenc_multi_ooo \
	yenc_multi_badcrc binhex_part binhex_inline binhex_rsrc no_ctype; do
	run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/m/$m.eml"
	expect out "^$T/m/$m.eml\[[^]]*\]: Clamav.Test.File-1-0 FOUND$"
done
run 0 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/m/b64_keep.eml"

# quoted-printable read three more ways: each hidden text is found (its signature is the
# SHA-256 of what the reference decoder gets), and the reference decodings are parts
cp "$T/m/qp.hsb" "$T/db/qp.hsb"
for m in qp_eq_blank qp_trailing qp_lower; do
	run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/m/$m.eml"
	expect out "^$T/m/$m.eml\[[^]]*\]: QPTest.$m FOUND$"
done
python email qp_eq_blank "$T/ref/qp_eq_blank.email"
has qp_eq_blank "Python's email" "$T/ref/qp_eq_blank.email"
python3 -c '
import quopri, sys
quopri.a2b_qp = None
sys.stdout.buffer.write(quopri.decodestring(open(sys.argv[1], "rb").read().split(b"\n\n", 1)[1]))
' "$T/m/qp_trailing.eml" >"$T/ref/qp_trailing.quopri"
has qp_trailing "quopri (RFC 2045)" "$T/ref/qp_trailing.quopri"

# base64 after its padding: Python stops there, GMime and Thunderbird decode on
for m in b64_after_pad b64_keep; do
	python email "$m" "$T/ref/$m.email"
	python runs "$m" "$T/ref/$m.runs"
	has "$m" "Python's email" "$T/ref/$m.email"
	has "$m" "base64 decoded on" "$T/ref/$m.runs"
done
# a transfer encoding with parameters: Thunderbird reads the token, Python does not know it
python email qp_params "$T/ref/qp.email"
python quopri qp_params "$T/ref/qp.quopri"
has qp_params "Python's email" "$T/ref/qp.email"
has qp_params "quopri" "$T/ref/qp.quopri"
# base64 declared 7bit: the bytes as they are and decoded
python email b64_as_7bit "$T/ref/s.email"
python base64 b64_as_7bit "$T/ref/s.base64"
has b64_as_7bit "Python's email" "$T/ref/s.email"
has b64_as_7bit "base64" "$T/ref/s.base64"
# uuencode in all its forms, yEnc
for m in uu_x-uuencode uu_uue uu_x-uue uu_no_mode uu_no_name uu_blank uu_double yenc_text \
	yenc_cte yenc_as_8bit yenc_multi yenc_multi_ooo yenc_multi_badcrc no_ctype; do
	uudeview_of "$m"
	has "$m" uudeview "$T/ref/$m/"*
done
# a multi-part yEnc file is joined by its offsets (in order or not); a crc32 that does not
# match is an anomaly, and the bytes are scanned all the same
run 1 "$PARTSCAN" scan -d "$T/db" --json --no-summary "$T/m/yenc_multi_ooo.eml"
expect out '"path":"1/yfile1"'
refute out 'crc32'
run 1 "$PARTSCAN" scan -d "$T/db" --json --no-summary "$T/m/yenc_multi_badcrc.eml"
expect out '"anomalies":\["bad-encoding"\]'
expect out 'part 1/yfile1: crc32 [0-9a-f]{8}, the \\"=yend\\" line says 12345678'
# BinHex 4.0: a part, inline in a text, a resource fork, in a body without Content-Type
for m in binhex_part binhex_inline binhex_rsrc no_ctype; do
	hexbin_of "$m"
	for f in "$T/ref/$m/"*.data "$T/ref/$m/"*.rsrc; do
		[ -s "$f" ] && has "$m" hexbin "$f"
	done
	ls "$T/ref/$m/"*.data >/dev/null 2>&1 || fail "$m: hexbin decoded nothing"
done

finish
