#!/bin/sh
# Write the archive seeds of fuzz_msgscan into this directory (committed; run again only to
# change them). Harmless text only, each seed well under fuzz_msgscan's -max_len: archives of
# every format the pipeline reads, a symbolic link, nesting, a message inside an archive,
# deflate64, and messages carrying archives (one encrypted, with its password in the body).
# Needs: zip, 7z (p7zip-full), tar, gzip, bzip2, xz, zstd, lzip (plzip), lz4, compress
# (ncompress), cpio, gcab, python3.
set -eu
OUT=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
mkdir docs
printf 'quarterly figures, nothing to see\n' >readme.txt
printf 'MZ but only text pretending\n' >docs/invoice.exe
printf 'From: a@example.org\nSubject: inner\n\nhello\n' >fwd.eml

zip -q -X "$OUT/plain.zip" readme.txt docs/invoice.exe
ln -s readme.txt link.txt && zip -q -X -y "$OUT/symlink.zip" readme.txt link.txt
zip -q -X inner.zip readme.txt && zip -q -X "$OUT/nested.zip" inner.zip fwd.eml
7z a -bd -tzip -mm=Deflate64 "$OUT/deflate64.zip" readme.txt docs/invoice.exe >/dev/null
7z a -bd "$OUT/plain.7z" readme.txt docs/invoice.exe >/dev/null
tar --owner=0 --group=0 --mtime=@0 -cf - readme.txt docs | gzip -n >"$OUT/plain.tar.gz"
for c in bzip2 xz zstd lzip lz4; do $c -q -c readme.txt >"$OUT/readme.txt.$c"; done
compress -c readme.txt >"$OUT/readme.txt.compress"
pzstd -q -c readme.txt >"$OUT/readme.txt.pzstd"
printf 'readme.txt\ndocs/invoice.exe\n' | cpio -o -H newc --quiet >"$OUT/plain.cpio"
gcab -c "$OUT/plain.cab" readme.txt
zip -q -X -P pw1234 enc.zip readme.txt docs/invoice.exe
# archive tricks: a zip behind a GIF header, two zips one after the other
{ printf 'GIF89a\001\000\001\000\000\000\000;'; cat "$OUT/plain.zip"; } >"$OUT/gif-prefixed.zip"
cat "$OUT/plain.zip" "$OUT/nested.zip" >"$OUT/concatenated.zip"
# three zips, the encrypted one in the middle (only 7-Zip's parser splits it out)
cat "$OUT/plain.zip" enc.zip "$OUT/nested.zip" >"$OUT/joined3.zip"
python3 - "$OUT" <<'PY'
import base64, sys
out = sys.argv[1]
def mail(name, att, body):
    b64 = base64.encodebytes(open(att, "rb").read()).decode()
    return ("From: a@example.org\nSubject: files\nMIME-Version: 1.0\n"
            "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\n"
            "%s\n--b\nContent-Type: application/zip; name=%s\n"
            "Content-Transfer-Encoding: base64\n\n%s--b--\n" % (body, name, b64))
open(out + "/encrypted.eml", "w").write(mail("enc.zip", "enc.zip", "Password: pw1234"))
open(out + "/zip.eml", "w").write(mail("nested.zip", out + "/nested.zip", "see attached"))
PY
# zips whose central directory lists a member otherwise than the local headers say
# (tests/cli/mkzipcd.py), with a harmless payload
printf 'a harmless payload for the fuzz seeds of the central directory reading\n' >cd_payload.txt
mkdir -p cd && python3 "$OUT/../../../cli/mkzipcd.py" cd cd_payload.txt
for f in decoy shifted lhsize lhmethod sameoff lhname count1 comlen usize1 backslash; do
	cp "cd/$f.zip" "$OUT/cd_$f.zip"
done
