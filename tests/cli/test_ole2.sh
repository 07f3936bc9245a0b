#!/bin/sh
# OLE2 compound files: the attachments and bodies of an Outlook .msg (and of a message
# attached to it), the files that .doc and docx carry as embedded objects (Ole10Native
# Packages). partscan must extract the bytes olefile (python3-olefile) extracts, judge the
# names like any attachment's, and call the bombs unscannable, never clean.
. "$(dirname "$0")/lib.sh"

DATA="$TOP/tests/data/ole2"
SIGS="$TOP/contrib/test-signatures"
PY=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import olefile' 2>/dev/null; then
		PY=$p
		break
	fi
done
if [ -z "$PY" ]; then
	echo "FAIL: no python3 with olefile (python3-olefile: make deps)" >&2
	exit 1
fi

# the generator reproduces the fixtures, and olefile's view of them, byte for byte
mkdir "$T/gen"
run 0 "$PY" "$DATA/gen_ole2.py" "$T/gen"
for f in attach.msg attach.msg.ref package.doc package.doc.ref oleObject1.bin \
	oleObject1.bin.ref objects.ppt objects.ppt.ref zeros.ppt embed.docx fatloop.ole huge.ole share.ole many.ole rootsib.ole \
	rtf.msg rtf.msg.ref; do
	checks=$((checks + 1))
	cmp -s "$DATA/$f" "$T/gen/$f" || fail "gen_ole2.py does not reproduce $f"
done

# a mail that carries attach.msg: an attachment of the .msg and one of the message attached
# to it are signed (SHA-256 of the bytes olefile reads)
awk -F'\t' '$1 == "msg:attach1" { print $4 ":" $3 ":Test.Ole2.Invoice" }
	$1 == "msg:attach2/msg:attach1" { print $4 ":" $3 ":Test.Ole2.Deep" }' \
	"$DATA/attach.msg.ref" >"$T/ole2.hsb"
{
	printf 'From: a@example.org\nTo: b@example.org\nSubject: fwd\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain\n\n'
	printf 'See the message attached.\n--XX\nContent-Type: application/vnd.ms-outlook; '
	printf 'name="Invoice.msg"\nContent-Transfer-Encoding: base64\n\n'
	base64 "$DATA/attach.msg"
	printf -- '--XX--\n'
} >"$T/fwd.eml"
run 1 "$PARTSCAN" scan -d "$T/ole2.hsb" --no-summary "$T/fwd.eml"
expect out "fwd.eml\[2/msg:attach1 invoice.exe\]: Test.Ole2.Invoice FOUND$"
expect out "fwd.eml\[2/msg:attach2/msg:attach1 deep.exe\]: Test.Ole2.Deep FOUND$"

# every attachment, body and embedded file has olefile's bytes and name (PREFIX: the path of
# the compound file in partscan's report)
same_as_olefile() { # JSON REF PREFIX
	"$PY" - "$1" "$2" "$3" <<'PY' || fail "$(basename "$2"): partscan's members differ from olefile's"
import json, sys
parts = {}
for line in open(sys.argv[1]):
    for p in json.loads(line).get("parts", []):
        parts[p["path"]] = p
bad = 0
for line in open(sys.argv[2]):
    path, name, size, sha = line.rstrip("\n").split("\t")
    p = parts.get(sys.argv[3] + path)
    if p is None:
        print("missing:", path); bad += 1
    elif (p.get("name") or "") != name:
        print("name:", path, p.get("name"), name); bad += 1
    elif sha != "storage" and (p["sha256"] != sha or p["size"] != int(size)):
        print("bytes:", path); bad += 1
sys.exit(bad != 0)
PY
}
run 1 "$PARTSCAN" scan -d "$T/ole2.hsb" --json "$T/fwd.eml"
same_as_olefile "$T/out" "$DATA/attach.msg.ref" 2/
# the rich-text body (PR_RTF_COMPRESSED) decompressed: the RTF that msgconvert (Debian's
# libemail-outlook-message-perl) puts in its application/rtf part, byte for byte
run 0 "$PARTSCAN" scan -d "$SIGS" --json "$DATA/rtf.msg"
same_as_olefile "$T/out" "$DATA/rtf.msg.ref" 1/
(cd "$T" && msgconvert --outfile rtf.eml "$DATA/rtf.msg") || fail "msgconvert"
"$PY" - "$T/rtf.eml" "$T/out" <<'PY' || fail "msg:body.rtf differs from msgconvert's RTF"
import email, hashlib, json, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read())
rtf = [p.get_payload(decode=True) for p in m.walk() if p.get_content_type() == "application/rtf"]
parts = {p["path"]: p for line in open(sys.argv[2]) for p in json.loads(line).get("parts", [])}
sys.exit(len(rtf) != 1 or parts["1/msg:body.rtf"]["sha256"] != hashlib.sha256(rtf[0]).hexdigest())
PY
for f in package.doc embed.docx objects.ppt; do
	run 0 "$PARTSCAN" scan -d "$SIGS" --json "$DATA/$f"
	case $f in
	embed.docx) same_as_olefile "$T/out" "$DATA/oleObject1.bin.ref" \
		1/zip:word/embeddings/oleObject1.bin/ ;;
	*) same_as_olefile "$T/out" "$DATA/$f.ref" 1/ ;;
	esac
done

# ClamAV's own test .doc and .ppt: clam.exe as an embedded object
run 1 "$PARTSCAN" scan -d "$SIGS" --no-summary "$CLAMFILES/clam.ole.doc" "$CLAMFILES/clam.ppt"
expect out "clam.ole.doc\[ole:ObjectPool/_1279313719/Ole10Native clam.exe\]: Clamav.Test.File-[0-9]+ FOUND$"
expect out "clam.ppt\[ole:PowerPoint Document/ExOleObjStg1/ole:Ole10Native clam.exe\]: Clamav.Test.File-[0-9]+ FOUND$"

# a record of the PowerPoint Document stream that runs past its end ends the walk of the
# records: what follows (an ExOleObjStg that PowerPoint reaches through its persist offsets)
# is unseen, so the file is unscannable, not clean
"$PY" - "$DATA" "$CLAMFILES/clam.exe" "$T/cut.ppt" <<'PY' || fail "cut.ppt"
import struct, sys, zlib
sys.path.insert(0, sys.argv[1])
import gen_ole2 as g
obj = g.cfb({"\x01Ole10Native": g.ole10native("clam.exe", open(sys.argv[2], "rb").read())})
s = g.ppt_records([]) + struct.pack("<HHI", 0x000F, 0x0FF0, 0x7FFFFFF0)
s += struct.pack("<HHI", 0x0000, 0x1011, len(obj)) + obj
open(sys.argv[3], "wb").write(g.cfb({"PowerPoint Document": s, "Current User": bytes(44)}))
PY
run 0 "$PARTSCAN" scan -d "$SIGS" --no-summary "$T/cut.ppt"
expect out "cut.ppt\[ole:PowerPoint Document\]: UNSCANNABLE opaque \(a record runs past the end"
refute out ": OK$"

# an attachment's data stream that libgsf cannot open (its mini-stream sector past the end;
# olefile fails on it too), at the top and in an attached message (whose copy then lacks
# it): unscannable with the reason, never an attachment without data called clean
"$PY" - "$DATA" "$T" <<'PY' || fail "bad-sector .msg"
import io, struct, sys
sys.path.insert(0, sys.argv[1])
import gen_ole2 as g
import olefile


def damaged(msg, size):
    """the .msg with the start sector of the 37010102 stream of that size past the end"""
    b = bytearray(g.cfb(msg))
    ss = 1 << struct.unpack_from("<H", b, 0x1E)[0]
    d = (struct.unpack_from("<I", b, 0x30)[0] + 1) * ss  # the generator's directory: one run
    nm = "__substg1.0_37010102".encode("utf-16-le")
    for e in range(d, len(b) - 127, 128):
        if b[e:e + len(nm)] == nm and struct.unpack_from("<I", b, e + 0x78)[0] == size:
            struct.pack_into("<I", b, e + 0x74, 100000)
            ole = olefile.OleFileIO(io.BytesIO(bytes(b)), raise_defects=olefile.DEFECT_INCORRECT)
            path = [p for p in ole.listdir() if p[-1] == "__substg1.0_37010102" and
                    ole.get_size(p) == size][0]
            try:
                ole.openstream(path).read()
            except OSError:
                return bytes(b)
            sys.exit("olefile reads the damaged stream")
    sys.exit("no stream of %d bytes" % size)


top = g.message("Bad", "body\n", [g.attachment("a.exe", g.harmless("a", 700)),
                                 g.attachment("b.exe", g.harmless("b", 900))])
open(sys.argv[2] + "/badsec.msg", "wb").write(damaged(top, 700))
inner = g.message("inner", "inner body\n", [g.attachment("deep.exe", g.harmless("d", 600))],
                  top=False)
fwd = g.message("Fwd", "body\n", [g.embedded("Fwd: inner", inner)])
open(sys.argv[2] + "/badsec-fwd.msg", "wb").write(damaged(fwd, 600))
PY
run 0 "$PARTSCAN" scan -d "$SIGS" --no-summary "$T/badsec.msg" "$T/badsec-fwd.msg"
expect out "badsec.msg\[msg:attach1 a.exe\]: UNSCANNABLE opaque \(its data stream \(PR_ATTACH_DATA_BIN\) could not be opened"
expect out "badsec-fwd.msg\[msg:attach1 Fwd: inner\]: UNSCANNABLE opaque \(1 entries could not be opened: left out of the copy"
refute out ": OK$"

# the policy judges the names inside a .msg as it judges any attachment's
run 1 "$PARTSCAN" scan -c "$TOP/conf/partscan.conf" -d "$SIGS" --no-summary "$T/fwd.eml"
expect out "fwd.eml: POLICY blocked reject: .*extension .exe in invoice.exe"

# EICAR (built here) in a message attached to a .msg, in a .doc's ObjectPool, in a docx
printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-' 'ANTIVIRUS-TEST-FILE!$H+H*' \
	>"$T/eicar"
for k in msg doc docx; do
	run 0 "$PY" "$DATA/gen_ole2.py" --embed $k "$T/e.$k" "$T/eicar" eicar.com
done
run 1 "$PARTSCAN" scan -d "$SIGS" --no-summary "$T/e.msg" "$T/e.doc" "$T/e.docx"
expect out "e.msg\[msg:attach1/msg:attach1 eicar.com\]: Eicar-Test-Signature FOUND$"
expect out "e.doc\[ole:ObjectPool/_1/Ole10Native eicar.com\]: Eicar-Test-Signature FOUND$"
expect out "e.docx\[zip:word/embeddings/oleObject1.bin/ole:Ole10Native eicar.com\]: Eicar-Test-Signature FOUND$"
# ... and in a mail
{
	printf 'From: a@example.org\nSubject: doc\nMIME-Version: 1.0\n'
	printf 'Content-Type: application/msword; name="report.doc"\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	base64 "$T/e.doc"
} >"$T/doc.eml"
run 1 "$PARTSCAN" scan -d "$SIGS" --no-summary "$T/doc.eml"
expect out "doc.eml\[1/ole:ObjectPool/_1/Ole10Native eicar.com\]: Eicar-Test-Signature FOUND$"

# bombs: a FAT loop, a 4 GB claim, streams sharing sectors, 4200 entries, a root with
# siblings: unscannable with the reason, never OK
for f in fatloop huge share many rootsib; do
	run 0 "$PARTSCAN" scan -d "$SIGS" --no-summary "$DATA/$f.ole"
	expect out "$f.ole: UNSCANNABLE (limit|opaque)"
	refute out ": OK$"
	run 1 "$PARTSCAN" scan -c "$TOP/conf/partscan.conf" -d "$SIGS" --no-summary "$DATA/$f.ole"
	expect out "$f.ole: POLICY unscannable"
done
expect_reason() { # FILE REASON
	run 0 "$PARTSCAN" scan -d "$SIGS" --no-summary "$DATA/$1"
	expect out "$2"
}
expect_reason fatloop.ole "loop in its sector chain"
expect_reason huge.ole "claims more bytes than the file holds"
expect_reason share.ole "streams share sectors"
expect_reason many.ole "more than 4096 entries"

finish
