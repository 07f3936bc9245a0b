#!/bin/sh
# partscan scan on the containers of mime/pdf.c, applefile.c, openpgp.c and html.c, with a
# database that holds only clam.exe's hash: the fixtures of tests/data/readers/mkreaders.py made
# here with clam.exe inside (PDF embedded files, AppleSingle, HTML smuggling, SVG data: URIs),
# OpenPGP messages made by gpg (a private home), each as a file and attached to a message;
# the path shows the chain; HTML smuggling is blocked by the policy ([policy]
# block_html_smuggling); an encrypted OpenPGP message is unscannable.
. "$(dirname "$0")/lib.sh"

mkdir "$T/db" "$T/r" "$T/h" "$T/gnupg" "$T/m"
chmod 700 "$T/gnupg"
"$PARTSCAN" hash "$CLAMFILES/clam.exe" | sed 's/clam.exe$/Clamav.Test.File-1-0/' >"$T/db/test.hdb"
python3 tests/data/readers/mkreaders.py "$T/r" "$CLAMFILES/clam.exe" || fail "mkreaders.py"
python3 tests/data/readers/mkreaders.py "$T/h" || fail "mkreaders.py (harmless)"
cp "$CLAMFILES/clam.exe" "$T/r/"
G="gpg --batch -q --homedir $T/gnupg --yes"
(cd "$T/r" && $G --store -o clam.exe.gpg clam.exe && $G -a --store -o clam.exe.asc clam.exe &&
	$G --compress-algo bzip2 --store -o bz.gpg clam.exe &&
	$G --compress-algo zip --store -o zip.gpg clam.exe &&
	$G --compress-algo zlib --store -o zlib.gpg clam.exe &&
	$G --pinentry-mode loopback --passphrase secret -c -o enc.gpg clam.exe) || fail "gpg"
# encrypted to keys (session key packets: ECDH, RSA, both)
(cd "$T/r" && $G --passphrase '' --quick-gen-key 'e <e@example.org>' future-default default never &&
	$G --passphrase '' --quick-gen-key 'r <r@example.org>' rsa2048 encr never &&
	$G --trust-model always -r e@example.org -e -o ecdh.gpg clam.exe &&
	$G --trust-model always -r r@example.org -e -o rsa.gpg clam.exe &&
	$G --trust-model always -r r@example.org -r e@example.org -e -o two.gpg clam.exe) ||
	fail "gpg -e"
# gpg -d, without a key, gives clam.exe back: the reference
$G -d -o "$T/r/clam.out" "$T/r/clam.exe.gpg" && cmp -s "$T/r/clam.out" "$CLAMFILES/clam.exe" ||
	fail "gpg -d"

# msg FILE TYPE: a message with FILE attached as TYPE (base64), on stdout
msg() {
	printf 'From: a@example.org\nSubject: see attachment\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n'
	printf -- '--b\nContent-Type: %s; name="%s"\n' "$2" "$(basename "$1")"
	printf 'Content-Disposition: attachment; filename="%s"\n' "$(basename "$1")"
	printf 'Content-Transfer-Encoding: base64\n\n'
	base64 "$1"
	printf -- '--b--\n'
}

# each container as a file and attached: the member is found, its path shows the chain
for f in pdf_names.pdf:pdf:invoice.exe pdf_annot.pdf:pdf:résumé.bin \
	pdf_predictor.pdf:pdf:p.bin objdata.rtf:rtf:invoice.exe applesingle.as:applefile:invoice.exe \
	clam.exe.gpg:pgp:clam.exe clam.exe.asc:pgp:clam.exe bz.gpg:pgp:clam.exe \
	zip.gpg:pgp:clam.exe zlib.gpg:pgp:clam.exe \
	smuggle.html:html:script1 smuggle.html:html:data1 data.svg:html:data1; do
	file=${f%%:*} member=${f#*:}
	run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/r/$file"
	expect out "$file\[$member\]: Clamav.Test.File-1-0 FOUND$"
	msg "$T/r/$file" application/octet-stream >"$T/m/$file.eml"
	run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/m/$file.eml"
	expect out "$file.eml\[2/$member\]: Clamav.Test.File-1-0 FOUND$"
done

# ClamAV's own clam.pdf (not made here) embeds clam.exe in a stream of /Length 544 (and /Size
# 544): partscan reads those 544 bytes; pdfdetach (poppler 22) saves them plus the CRLF before
# "endstream", so only its first 544 bytes are compared
mkdir "$T/detach"
pdfdetach -saveall -o "$T/detach" "$CLAMFILES/clam.pdf" || fail "pdfdetach"
head -c 544 "$T/detach/clam.exe" | cmp -s - "$CLAMFILES/clam.exe" || fail "pdfdetach: differs"
run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$CLAMFILES/clam.pdf"
expect out "clam.pdf\[pdf:clam.exe\]: Clamav.Test.File-1-0 FOUND$"

# LZWDecode (EarlyChange 1, and 0 with a PNG predictor): the embedded file is what pdfdetach
# saves, byte for byte (clam.exe followed by bytes that take the codes to 12 bits)
for f in pdf_lzw.pdf pdf_lzw0.pdf; do
	mkdir "$T/detach-$f"
	pdfdetach -saveall -o "$T/detach-$f" "$T/r/$f" || fail "pdfdetach $f"
	sha=$(sha256sum <"$T/detach-$f/lzw.bin" | cut -d' ' -f1)
	head -c 544 "$T/detach-$f/lzw.bin" | cmp -s - "$CLAMFILES/clam.exe" || fail "pdfdetach $f: differs"
	run 0 "$PARTSCAN" scan -d "$T/db" --json --no-summary "$T/r/$f"
	expect out "\"path\":\"1/pdf:lzw.bin\""
	expect out "\"sha256\":\"$sha\""
	refute out '"truncated"|"opaque"'
done

# encrypted PDFs (qpdf --encrypt): with the owner password only (the empty user password: RC4
# 40 and 128 bits, AES-128, AES-256), every reader opens them: pdfdetach saves clam.exe, and
# partscan finds it, named; with a user password: unscannable, encrypted
for e in "40" "128 --use-aes=n" "128 --use-aes=y" "256"; do
	tag=$(printf '%s' "$e" | tr -dc '0-9a-z')
	for f in pdf_names.pdf:invoice.exe pdf_annot.pdf:résumé.bin; do
		file=${f%%:*} member=${f#*:}
		# shellcheck disable=SC2086 # the key length and its options
		qpdf --allow-weak-crypto --encrypt "" owner $e -- "$T/r/$file" "$T/r/enc$tag-$file" ||
			fail "qpdf --encrypt $e $file"
		mkdir "$T/detach-enc$tag-$file"
		pdfdetach -saveall -o "$T/detach-enc$tag-$file" "$T/r/enc$tag-$file" || fail "pdfdetach enc$tag-$file"
		cmp -s "$T/detach-enc$tag-$file/$member" "$CLAMFILES/clam.exe" || fail "pdfdetach enc$tag-$file: differs"
		run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/r/enc$tag-$file"
		expect out "enc$tag-$file\[pdf:$member\]: Clamav.Test.File-1-0 FOUND$"
		refute out UNSCANNABLE
	done
	# shellcheck disable=SC2086
	qpdf --allow-weak-crypto --encrypt user owner $e -- "$T/r/pdf_names.pdf" "$T/r/user$tag.pdf" || fail "qpdf user"
	run 0 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/r/user$tag.pdf"
	expect out "user$tag.pdf: UNSCANNABLE encrypted \(encrypted PDF \(a user password is needed\)"
done
# and with its objects in object streams
qpdf --encrypt "" owner 256 -- --object-streams=generate "$T/r/pdf_names.pdf" "$T/r/encobj.pdf" || fail "qpdf objstm"
run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/r/encobj.pdf"
expect out "encobj.pdf\[pdf:invoice.exe\]: Clamav.Test.File-1-0 FOUND$"
# AES-256 (revision 6) draws a new salt and file key each time, and the key is found by a
# hash whose number of rounds depends on them: 64 files, every one opened (an off-by-one in
# the rounds failed about one in ten: "a user password is needed", or streams left unread)
mkdir "$T/r6"
for i in $(seq 1 64); do
	qpdf --encrypt "" owner 256 -- --object-streams=generate "$T/r/pdf_names.pdf" \
		"$T/r6/r6-$i.pdf" || fail "qpdf r6 $i"
done
run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/r6"
refute out "(OK|UNSCANNABLE)"
[ "$(grep -c 'Clamav.Test.File-1-0 FOUND$' "$T/out")" = 64 ] || fail "r6: not 64 found"
# a stream that names its own crypt filter: the streams' one (/StmF) is applied, another one is
# unscannable; neither is taken encrypted for the file
qpdf --stream-data=uncompress --encrypt "" owner 128 --use-aes=y -- "$T/r/pdf_names.pdf" \
	"$T/r/aes128u.pdf" || fail "qpdf aes128u"
for cf in StdCF OtherCF; do
	sed "s|<< /Type /EmbeddedFile|<< /Filter [/Crypt] /DecodeParms [<< /Name /$cf >>] /Type /EmbeddedFile|" \
		"$T/r/aes128u.pdf" >"$T/r/cf-$cf.pdf"
done
run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/r/cf-StdCF.pdf"
expect out "cf-StdCF.pdf\[pdf:invoice.exe\]: Clamav.Test.File-1-0 FOUND$"
run 0 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/r/cf-OtherCF.pdf"
expect out "cf-OtherCF.pdf\[pdf:invoice.exe\]: UNSCANNABLE opaque \(embedded file of an encrypted PDF: could not be decrypted\)"
# an object stream that cannot be decoded hides the objects in it: unscannable, not clean
qpdf --object-streams=generate "$T/r/pdf_names.pdf" "$T/r/objs.pdf" || fail "qpdf objs"
python3 - "$T/r/objs.pdf" "$T/r/objs_bad.pdf" <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
s = d.find(b'stream', d.find(b'/Type /ObjStm')) + len('stream\n')
for k in range(s + 4, s + 30):
    d[k] ^= 0x5a
open(sys.argv[2], 'wb').write(d)
PY
run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/r/objs.pdf"
run 0 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/r/objs_bad.pdf"
expect out "objs_bad.pdf: UNSCANNABLE opaque \(1 object stream of the PDF could not be decoded"

# an incremental update that redefines a file specification inside an object stream (the
# first definition a classic object, or in an object stream too), or its /EF dictionary: the
# update is what pdfdetach shows, so the file it adds is found (all three were called clean)
for f in pdf_update.pdf pdf_update_stm.pdf pdf_update_ef.pdf; do
	mkdir "$T/detach-$f"
	pdfdetach -saveall -o "$T/detach-$f" "$T/r/$f" 2>/dev/null || fail "pdfdetach $f"
	cmp -s "$T/detach-$f/invoice.exe" "$CLAMFILES/clam.exe" || fail "pdfdetach $f: differs"
	run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/r/$f"
	expect out "$f\[pdf:invoice.exe\]: Clamav.Test.File-1-0 FOUND$"
done

# S/MIME signed data of a file, not of a MIME entity (a CAdES ".p7m", as certified mail
# carries it): the file is what a signature tool (openssl cms -verify) gives back; it was
# unscannable ("not a readable message"), it is a part now ("p7m:NAME", the name without .p7m)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -subj /CN=t \
	-days 1 2>/dev/null || fail "openssl req"
openssl cms -sign -nodetach -binary -in "$CLAMFILES/clam.exe" -signer "$T/cert.pem" \
	-inkey "$T/key.pem" -outform DER -out "$T/r/invoice.exe.p7m" || fail "openssl cms -sign"
openssl cms -verify -noverify -inform DER -in "$T/r/invoice.exe.p7m" -out "$T/r/p7m.out" \
	2>/dev/null && cmp -s "$T/r/p7m.out" "$CLAMFILES/clam.exe" || fail "openssl cms -verify"
run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/r/invoice.exe.p7m"
expect out "invoice.exe.p7m\[p7m:invoice.exe\]: Clamav.Test.File-1-0 FOUND$"
refute out "UNSCANNABLE"
msg "$T/r/invoice.exe.p7m" application/pkcs7-mime >"$T/m/p7m.eml"
run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/m/p7m.eml"
expect out "p7m.eml\[2/p7m:invoice.exe\]: Clamav.Test.File-1-0 FOUND$"

# declared types a mail client uses: application/applefile, application/pgp-encrypted
msg "$T/r/applesingle.as" application/applefile >"$T/m/as.eml"
run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/m/as.eml"
expect out "as.eml\[2/applefile:invoice.exe\]: Clamav.Test.File-1-0 FOUND$"

# multipart/appledouble: the header (application/applefile) gives the resource fork, the data
# fork is the next MIME part
{
	printf 'From: a@example.org\nSubject: mac\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/appledouble; boundary=ad\n\n--ad\n'
	printf 'Content-Type: application/applefile; name="invoice.exe"\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	base64 "$T/r/appledouble.ad"
	printf -- '--ad\nContent-Type: application/octet-stream; name="invoice.exe"\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	base64 "$CLAMFILES/clam.exe"
	printf -- '--ad--\n'
} >"$T/m/ad.eml"
run 1 "$PARTSCAN" scan -d "$T/db" --json --no-summary "$T/m/ad.eml"
expect out '"path":"1/applefile:invoice.exe/rsrc"'
expect out '"path":"2".*"result":"infected"'

# an armoured message pasted into a text body
{
	printf 'From: a@example.org\nSubject: the tool\n\nHere it is:\n\n'
	cat "$T/r/clam.exe.asc"
	printf '\nbye\n'
} >"$T/m/inline.eml"
run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/m/inline.eml"
expect out "inline.eml\[1/pgp:clam.exe\]: Clamav.Test.File-1-0 FOUND$"

# the chain: a PDF inside a zip inside a message
(cd "$T/r" && cp pdf_names.pdf doc.pdf && zip -q doc.zip doc.pdf)
msg "$T/r/doc.zip" application/zip >"$T/m/doc.eml"
run 1 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/m/doc.eml"
expect out "doc.eml\[2/zip:doc.pdf/pdf:invoice.exe\]: Clamav.Test.File-1-0 FOUND$"

# --json: the member's path, encoding (the container) and flags
run 1 "$PARTSCAN" scan -d "$T/db" --json --no-summary "$T/m/pdf_names.pdf.eml"
expect out '"path":"2/pdf:invoice.exe"'

cat >"$T/partscan.conf" <<EOF
[database]
path = $T/db
[policy]
unscannable = reject
[log]
syslog = no
EOF
# HTML smuggling with a harmless payload: blocked by default, clean with the key off
msg "$T/h/smuggle.html" text/html >"$T/m/smuggle-harmless.eml"
run 1 "$PARTSCAN" scan -d "$T/db" -c "$T/partscan.conf" --no-summary "$T/m/smuggle-harmless.eml"
expect out "smuggle-harmless.eml: POLICY blocked reject: blocked: HTML smuggling"
run 0 "$PARTSCAN" scan -d "$T/db" --json --no-summary "$T/m/smuggle-harmless.eml"
expect out '"path":"2/html:script1"'
expect out '"html-smuggling"'
cat >"$T/off.conf" <<EOF
[database]
path = $T/db
[policy]
unscannable = reject
block_html_smuggling = no
[log]
syslog = no
EOF
run 0 "$PARTSCAN" scan -d "$T/db" -c "$T/off.conf" --no-summary "$T/m/smuggle-harmless.eml"
expect out "smuggle-harmless.eml: POLICY clean accept$"
# an HTML body with an inline data: image is not smuggling
{
	printf 'From: a@example.org\nSubject: logo\nMIME-Version: 1.0\nContent-Type: text/html\n\n'
	printf '<html><body><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></body></html>\n'
} >"$T/m/logo.eml"
run 0 "$PARTSCAN" scan -d "$T/db" -c "$T/partscan.conf" --no-summary "$T/m/logo.eml"
expect out "logo.eml: POLICY clean accept$"

# an encrypted OpenPGP message: no key, unscannable (never clean)
msg "$T/r/enc.gpg" application/octet-stream >"$T/m/enc.eml"
run 1 "$PARTSCAN" scan -d "$T/db" -c "$T/partscan.conf" --no-summary "$T/m/enc.eml"
expect out "enc.eml: POLICY unscannable reject: unscannable: encrypted"
for f in ecdh rsa two; do
	run 0 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/r/$f.gpg"
	expect out "$f.gpg: UNSCANNABLE encrypted \(encrypted OpenPGP message: no key to read it\)$"
done
# bytes that only begin like OpenPGP packets (a compressed packet whose stream does not
# decode, a session key packet that does not fill its length): data, hashed, not unscannable
python3 -c 'import os, random, sys
r = random.Random(5)
tail = b"\x00" + bytes(r.randrange(256) for _ in range(4096))
for name, head in (("z1", b"\xa3\x01\x00\x00\x00\x00\x00"), ("z2", b"\xc8\x40\x01\xeb"),
                   ("pk", b"\x84\x20\x03" + b"\x11" * 8 + b"\x01\x07\xff"),
                   ("sk", b"\x8c\x0d\x04\x09\x03\x08" + b"\x22" * 9)):
    open(os.path.join(sys.argv[1], name + ".bin"), "wb").write(head + tail)' "$T/r"
for f in z1 z2 pk sk; do
	run 0 "$PARTSCAN" scan -d "$T/db" --no-summary "$T/r/$f.bin"
	expect out "$f.bin: OK$"
done

gpgconf --homedir "$T/gnupg" --kill gpg-agent 2>/dev/null
finish
