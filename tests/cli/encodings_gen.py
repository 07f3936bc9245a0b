#!/usr/bin/env python3
"""Write the messages of test_encodings.sh: one payload hidden by each transfer encoding a mail
client decodes (base64 after its padding and with junk, quoted-printable with parameters,
base64 declared 7bit, uuencode in all its forms, yEnc, BinHex 4.0), into DIR.

usage: encodings_gen.py PAYLOAD DIR
The encoders are written here (Python's binhex module is gone since 3.11, and yEnc has none);
the test decodes every file with a reference decoder (Python's email, uudeview, macutils'
hexbin), never with these.
"""
import base64
import binascii
import os
import sys


def wrap(s, n=76):
    return "\n".join(s[i:i + n] for i in range(0, len(s), n))


def head(ctype, cte=None, extra=""):
    h = "From: a@example.org\nTo: b@example.org\nSubject: encodings\nMIME-Version: 1.0\n"
    if ctype:
        h += "Content-Type: %s\n" % ctype
    if cte:
        h += "Content-Transfer-Encoding: %s\n" % cte
    return h + extra + "\n"


def uu(data, name="clam.exe", mode="644", blank=False, double=False):
    lines = ["begin%s%s" % (" " + mode if mode else "", " " + name if name else "")]
    for i in range(0, len(data), 45):
        lines.append(binascii.b2a_uu(data[i:i + 45]).decode().rstrip("\n"))
        if double:
            lines.append("")
        if blank and i == 45 * 3:
            lines += ["", ""]
    lines += ["`", "end", ""]
    return "\n".join(lines)


def yenc(data, name="clam.exe"):
    out, line = [], bytearray()
    for b in data:
        c = (b + 42) & 0xFF
        if c in (0, 10, 13, 61) or (c in (9, 32, 46) and not line):
            line += b"=" + bytes([(c + 64) & 0xFF])
        else:
            line.append(c)
        if len(line) >= 128:
            out.append(bytes(line))
            line = bytearray()
    if line:
        out.append(bytes(line))
    crc = binascii.crc32(data)
    body = b"\n".join(out)
    return (b"=ybegin line=128 size=%d name=%s\n" % (len(data), name.encode()) + body +
            b"\n=yend size=%d crc32=%08x\n" % (len(data), crc))


def yenc_parts(data, name="clam.exe", n=3, crc=None):
    """data as a multi-part yEnc file in n parts (=ypart begin= end=), each with its pcrc32
    and the whole file's crc32 (or crc) on every =yend line."""
    step = (len(data) + n - 1) // n
    crc = binascii.crc32(data) if crc is None else crc
    parts = []
    for k in range(n):
        chunk = data[k * step:(k + 1) * step]
        body = yenc(chunk, name).split(b"\n")[1:-2]
        parts.append(b"=ybegin part=%d total=%d line=128 size=%d name=%s\n" %
                     (k + 1, n, len(data), name.encode()) +
                     b"=ypart begin=%d end=%d\n" % (k * step + 1, k * step + len(chunk)) +
                     b"\n".join(body) +
                     b"\n=yend size=%d part=%d pcrc32=%08x crc32=%08x\n" %
                     (len(chunk), k + 1, binascii.crc32(chunk), crc))
    return parts


def crc16(data):
    return binascii.crc_hqx(data, 0)


def binhex(data, rsrc=b"", name="clam.exe"):
    import struct
    hdr = bytes([len(name)]) + name.encode() + b"\0" + b"BINA" + b"????" + b"\0\0"
    hdr += struct.pack(">II", len(data), len(rsrc))
    raw = hdr + struct.pack(">H", crc16(hdr))
    raw += data + struct.pack(">H", crc16(data)) + rsrc + struct.pack(">H", crc16(rsrc))
    rle, i = bytearray(), 0
    while i < len(raw):
        b, n = raw[i], 1
        while i + n < len(raw) and raw[i + n] == b and n < 255:
            n += 1
        if b == 0x90:
            rle += b"\x90\x00"
            n = 1
        elif n >= 4:
            rle += bytes([b, 0x90, n])
        else:
            rle += bytes([b]) * n
        i += n
    alpha = b"!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr"
    bits, acc, out = 0, 0, bytearray()
    for b in rle:
        acc = acc << 8 | b
        bits += 8
        while bits >= 6:
            bits -= 6
            out.append(alpha[(acc >> bits) & 63])
    if bits:
        out.append(alpha[(acc << (6 - bits)) & 63])
    text = (":" + out.decode() + ":")
    return "(This file must be converted with BinHex 4.0)\n" + wrap(text, 64) + "\n"


def main():
    payload = open(sys.argv[1], "rb").read()
    d = sys.argv[2]
    b64 = base64.b64encode(payload).decode()
    msgs = {}
    # base64 with data after its padding (and junk): Python stops at the padding
    junk = b64[:40] + "!*" + b64[40:]
    msgs["b64_after_pad"] = head("application/octet-stream; name=a.bin", "base64") + \
        wrap(junk) + "\n" + base64.b64encode(b"decoy after the padding").decode() + "\n"
    # the same payload after a padded decoy: every client that decodes on gets it joined
    msgs["b64_keep"] = head("application/octet-stream; name=b.bin", "base64") + \
        wrap(base64.b64encode(b"x").decode() + b64) + "\n"
    msgs["qp_params"] = head("application/octet-stream; name=q.bin",
                             "quoted-printable; x-mode=binary") + \
        binascii.b2a_qp(payload, quotetabs=True, istext=False).decode("latin-1") + "=\n"
    msgs["b64_as_7bit"] = head("application/octet-stream; name=s.bin", "7bit") + wrap(b64) + "\n"
    for cte in ("x-uuencode", "uue", "x-uue"):
        msgs["uu_" + cte] = head("application/octet-stream; name=clam.exe", cte) + uu(payload)
    msgs["uu_no_mode"] = head("text/plain") + "Here:\n\n" + uu(payload, mode="") + "bye\n"
    msgs["uu_no_name"] = head("text/plain") + "Here:\n\n" + uu(payload, name="") + "bye\n"
    msgs["uu_blank"] = head("text/plain") + "Here:\n\n" + uu(payload, blank=True) + "bye\n"
    msgs["uu_double"] = head("text/plain") + "Here:\n\n" + uu(payload, double=True) + "bye\n"
    ye = yenc(payload).decode("latin-1")
    msgs["yenc_text"] = head("text/plain; charset=iso-8859-1", "8bit") + "Here:\n" + ye + "bye\n"
    msgs["yenc_cte"] = head("application/octet-stream; name=clam.exe", "x-yencode") + ye
    msgs["yenc_as_8bit"] = head("application/octet-stream; name=clam.exe", "8bit") + ye
    # a yEnc file in three parts in one text: in order, out of order, a wrong crc32
    yp = [b.decode("latin-1") for b in yenc_parts(payload)]
    msgs["yenc_multi"] = head("text/plain; charset=iso-8859-1", "8bit") + "Here:\n" + \
        "".join(yp) + "bye\n"
    msgs["yenc_multi_ooo"] = head("text/plain; charset=iso-8859-1", "8bit") + "Here:\n" + \
        yp[2] + "some text\n" + yp[0] + yp[1] + "bye\n"
    bad = [b.decode("latin-1") for b in yenc_parts(payload, crc=0x12345678)]
    msgs["yenc_multi_badcrc"] = head("text/plain; charset=iso-8859-1", "8bit") + "\n" + \
        "".join(bad)
    hqx = binhex(payload)
    msgs["binhex_part"] = head('multipart/mixed; boundary="b"') + \
        "--b\nContent-Type: text/plain\n\nsee the file\n--b\n" + \
        "Content-Type: application/mac-binhex40; name=clam.hqx\n\n" + hqx + "--b--\n"
    msgs["binhex_inline"] = head("text/plain") + "Here it is:\n\n" + hqx + "\nbye\n"
    msgs["binhex_rsrc"] = head("text/plain") + "Here it is:\n\n" + \
        binhex(b"plain data fork", rsrc=payload) + "\nbye\n"
    # no Content-Type at all: every block kind in one plain body
    msgs["no_ctype"] = head(None) + "uu:\n" + uu(payload, name="") + "yEnc:\n" + \
        ye + "BinHex:\n" + hqx + "end of text\n"
    for name, text in msgs.items():
        with open(os.path.join(d, name + ".eml"), "wb") as f:
            f.write(text.encode("latin-1"))
    qp_cases(d)


def qp_cases(d):
    """Quoted-printable that decoders read differently, each hiding a harmless text of its own
    (a signature of its SHA-256 in DIR/qp.hsb, QPTest.NAME): what GMime and Python's email
    read ("=" before blanks kept), what RFC 2045's decoder reads (trailing white space
    deleted: Python's quopri without binascii), what a strict decoder reads ("=3d" kept)."""
    import hashlib
    import quopri
    n = range(20)
    bodies = {
        "qp_eq_blank": "".join("partscan qp line %d=  \nand on\n" % i for i in n),
        "qp_trailing": "".join("partscan qp line %d  \t \n" % i for i in n),
        "qp_lower": "".join("partscan qp line %d x=3dy=3d=3f\n" % i for i in n),
    }
    with open(os.path.join(d, "qp.hsb"), "w") as db:
        for name, body in bodies.items():
            raw = body.encode()
            crlf = raw.replace(b"\n", b"\r\n")  # as an MTA hands it on (test_readings_milter)
            if name == "qp_eq_blank":
                # binascii.a2b_qp: Python's email
                hidden = [quopri.decodestring(raw), quopri.decodestring(crlf)]
            elif name == "qp_trailing":
                a2b, quopri.a2b_qp = quopri.a2b_qp, None  # pure Python: RFC 2045 6.7
                lf = quopri.decodestring(raw)  # its hard line breaks are LF
                hidden = [lf, lf.replace(b"\n", b"\r\n")]
                quopri.a2b_qp = a2b
            else:
                hidden = [raw, crlf]  # no Debian decoder reads only upper-case: as sent
            for h in hidden:
                db.write("%s:%d:QPTest.%s\n" % (hashlib.sha256(h).hexdigest(), len(h), name))
            with open(os.path.join(d, name + ".eml"), "wb") as f:
                f.write((head("application/octet-stream; name=%s.txt" % name,
                              "quoted-printable") + body).encode())


main()
