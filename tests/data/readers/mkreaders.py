#!/usr/bin/env python3
"""Make the container fixtures of check_readers and test_readers.sh.

    mkreaders.py OUTDIR [PAYLOAD]

Writes into OUTDIR, each carrying PAYLOAD's bytes (default: a harmless text) as the file:
  pdf_names.pdf      EmbeddedFiles name tree, FlateDecode, classic objects, xref stream
  pdf_annot.pdf      FileAttachment annotation, [/ASCIIHexDecode /FlateDecode], UTF-16 name,
                     the page, annotation and catalog inside an object stream
  pdf_predictor.pdf  FlateDecode with a PNG predictor, /Length an indirect object
  pdf_pred_tail.pdf  the same in rows of 13 bytes, the last one cut short (pdfdetach
                     completes it with the bytes of the row above)
  pdf_lzw.pdf        LZWDecode (EarlyChange 1, the default), the payload then 2 KiB of bytes
                     that do not repeat (codes of 9 to 12 bits, a clear code)
  pdf_lzw0.pdf       LZWDecode with /EarlyChange 0 and a PNG predictor, the same bytes
  pdf_update.pdf     an incremental update redefines a file specification (a classic object)
                     inside an object stream, now with the file; pdf_update_stm.pdf: the
                     first definition in an object stream too; pdf_update_ef.pdf: the
                     update redefines the /EF dictionary (an object of its own) instead
  objdata.rtf        RTF with an embedded Package object (\\objdata: OLE1, class Package)
                     carrying the payload as invoice.exe, its hex broken by white space, a
                     control word and an empty group (as exploit kits write it), and an
                     object of another class (its native data)
  applesingle.as     AppleSingle: real name, data fork, resource fork
  appledouble.ad     AppleDouble header: real name, resource fork (no data fork)
  smuggle.html       atob() of a base64 literal split in "+"-joined pieces, a data: URI
  data.svg           SVG with a base64 data: URI and a percent-encoded one
pdfdetach, gpg and Python's base64 are the reference readers of the tests.
"""
import base64
import os
import struct
import sys
import urllib.parse
import zlib


def build_pdf(objs, root, in_stm=()):
    """objs: number -> bytes of the value (a stream included); in_stm: numbers packed into an
    object stream. Ends with a cross-reference stream."""
    objs = dict(objs)
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets, idx, stm = {}, {}, None
    if in_stm:
        stm = max(objs) + 1
        head, body = b"", b""
        for i, n in enumerate(in_stm):
            idx[n] = i
            head += b"%d %d " % (n, len(body))
            body += objs.pop(n) + b"\n"
        data = zlib.compress(head + body)
        objs[stm] = (b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\n"
                     b"stream\n" % (len(in_stm), len(head), len(data)) + data + b"\nendstream")
    for n in sorted(objs):
        offsets[n] = len(out)
        out += b"%d 0 obj\n" % n + objs[n] + b"\nendobj\n"
    xref = max(list(objs) + list(idx)) + 1
    offsets[xref] = len(out)
    rows = b""
    for n in range(xref + 1):
        if n in offsets:
            rows += struct.pack(">BIH", 1, offsets[n], 0)
        elif n in idx:
            rows += struct.pack(">BIH", 2, stm, idx[n])
        else:
            rows += struct.pack(">BIH", 0, 0, 65535)
    data = zlib.compress(rows)
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root %d 0 R /Filter /FlateDecode "
            b"/Length %d >>\nstream\n" % (xref, xref + 1, root, len(data)) + data +
            b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[xref])
    return bytes(out)


def stream(d, data):
    return d % len(data) + b"\nstream\n" + data + b"\nendstream"


PAGES = {
    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
}


def pdf_names(payload):
    objs = dict(PAGES)
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 4 0 R >> >>"
    objs[4] = b"<< /Names [(invoice.exe) 5 0 R] >>"
    objs[5] = b"<< /Type /Filespec /F (invoice.exe) /UF (invoice.exe) /EF << /F 6 0 R >> >>"
    objs[6] = stream(b"<< /Type /EmbeddedFile /Filter /FlateDecode /Length %d >>",
                     zlib.compress(payload))
    return build_pdf(objs, 1)


def pdf_update(payload, first_in_stm, ef_dict=False):
    """A PDF whose file specification 5 names readme.txt with no file (a classic object, or in
    an object stream when first_in_stm), then an incremental update that redefines object 5
    inside a new object stream, its /EF now the payload: the update's cross-reference stream
    points there, so that is the object a reader (pdfdetach) sees. ef_dict: the file
    specification's /EF is object 5 instead (a harmless file first, the payload after the
    update)."""
    objs = dict(PAGES)
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 4 0 R >> >>"
    objs[5] = b"<< /Type /Filespec /F (readme.txt) >>"
    objs[4] = b"<< /Names [(invoice.exe) 5 0 R] >>"
    redef = b"<< /Type /Filespec /F (invoice.exe) /EF << /F 10 0 R >> >>"
    if ef_dict:
        objs[4] = b"<< /Names [(invoice.exe) 6 0 R] >>"
        objs[5] = b"<< /F 7 0 R >>"
        objs[6] = b"<< /Type /Filespec /F (invoice.exe) /EF 5 0 R >>"
        objs[7] = stream(b"<< /Type /EmbeddedFile /Length %d >>", b"harmless readme\n")
        redef = b"<< /F 10 0 R >>"
    out = bytearray(build_pdf(objs, 1, in_stm=(5,) if first_in_stm else ()))
    prev = int(out[out.rindex(b"startxref") + 10:].split()[0])
    offsets = {10: len(out)}
    out += b"10 0 obj\n" + stream(b"<< /Type /EmbeddedFile /Length %d >>", payload) + \
        b"\nendobj\n"
    head = b"5 0 "
    data = zlib.compress(head + redef)
    offsets[11] = len(out)
    out += (b"11 0 obj\n<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\n"
            b"stream\n" % (len(head), len(data)) + data + b"\nendstream\nendobj\n")
    offsets[12] = len(out)
    rows = struct.pack(">BIH", 2, 11, 0) + b"".join(
        struct.pack(">BIH", 1, offsets[n], 0) for n in (10, 11, 12))
    out += (b"12 0 obj\n<< /Type /XRef /Size 13 /W [1 4 2] /Index [5 1 10 3] /Prev %d "
            b"/Root 1 0 R /Length %d >>\nstream\n" % (prev, len(rows)) + rows +
            b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[12])
    return bytes(out)


def pdf_annot(payload):
    objs = dict(PAGES)
    uf = b"<FEFF" + "r\u00e9sum\u00e9.bin".encode("utf-16-be").hex().upper().encode() + b">"
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objs[3] = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [7 0 R] >>"
    objs[7] = (b"<< /Type /Annot /Subtype /FileAttachment /Rect [10 10 30 30] /Contents (a) "
               b"/FS << /Type /Filespec /F (resume.bin) /UF " + uf +
               b" /EF << /F 8 0 R >> >> >>")
    objs[8] = stream(b"<< /Type /EmbeddedFile /Filter [/AHx /Fl] /Length %d >>",
                     zlib.compress(payload).hex().encode() + b">")
    return build_pdf(objs, 1, in_stm=(1, 2, 3, 7))


def pdf_predictor(payload, cols=4, pad_rows=True):
    """PNG "up" rows of cols bytes; without pad_rows the last row is cut short (pdfdetach
    completes it with the row above)."""
    pad = payload + b"\0" * (-len(payload) % cols) if pad_rows else payload
    rows, prev = b"", bytes(cols)
    for i in range(0, len(pad), cols):
        row = pad[i:i + cols]
        rows += b"\x02" + bytes((row[k] - prev[k]) & 255 for k in range(len(row)))
        prev = row + prev[len(row):]
    data = zlib.compress(rows)
    objs = dict(PAGES)
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 4 0 R >> >>"
    objs[4] = b"<< /Kids [9 0 R] >>"
    objs[9] = b"<< /Limits [(p.bin) (p.bin)] /Names [(p.bin) 5 0 R] >>"
    objs[5] = b"<< /Type /Filespec /F (p.bin) /EF << /F 6 0 R >> >>"
    objs[6] = (b"<< /Type /EmbeddedFile /Filter /FlateDecode /DecodeParms << /Predictor 12 "
               b"/Columns %d >> /Length 10 0 R >>\nstream\n" % cols + data +
               b"\nendstream")
    objs[10] = b"%d" % len(data)
    return build_pdf(objs, 1), pad


def lzw(data, early=1):
    """LZWDecode's encoder: MSB-first codes of 9-12 bits, a clear code first and whenever
    the table is nearly full, the end code last."""
    res, st = bytearray(), {"acc": 0, "n": 0}

    def put(code, width):
        st["acc"] = st["acc"] << width | code
        st["n"] += width
        while st["n"] >= 8:
            st["n"] -= 8
            res.append(st["acc"] >> st["n"] & 255)
        st["acc"] &= (1 << st["n"]) - 1

    def fresh():
        return {bytes([i]): i for i in range(256)}, 258, 9

    table, nxt, width = fresh()
    put(256, width)
    w = b""
    for c in data:
        wc = w + bytes([c])
        if wc in table:
            w = wc
            continue
        put(table[w], width)
        table[wc] = nxt
        nxt += 1
        if nxt - 1 + early >= 1 << width and width < 12:
            width += 1
        if nxt >= 4000:
            put(256, width)
            table, nxt, width = fresh()
            w = bytes([c])
            continue
        w = bytes([c])
    put(table[w], width)
    if nxt + early >= 1 << width and width < 12:
        width += 1
    put(257, width)
    if st["n"]:
        res.append(st["acc"] << (8 - st["n"]) & 255)
    return bytes(res)


def lzw_payload(payload):
    noise = bytes((i * 7919 + (i >> 8) * 31) & 255 for i in range(2048))
    return payload + noise + bytes(range(256)) * 24


def pdf_lzw(payload, early):
    data, parms, cols = lzw_payload(payload), b"", 4
    if early == 0:
        pad = data + b"\0" * (-len(data) % cols)
        rows, prev = b"", bytes(cols)
        for i in range(0, len(pad), cols):
            row = pad[i:i + cols]
            rows += b"\x02" + bytes((row[k] - prev[k]) & 255 for k in range(cols))
            prev = row
        data, parms = rows, b" /DecodeParms << /EarlyChange 0 /Predictor 12 /Columns 4 >>"
    objs = dict(PAGES)
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 4 0 R >> >>"
    objs[4] = b"<< /Names [(lzw.bin) 5 0 R] >>"
    objs[5] = b"<< /Type /Filespec /F (lzw.bin) /EF << /F 6 0 R >> >>"
    objs[6] = stream(b"<< /Type /EmbeddedFile /Filter /LZWDecode" + parms + b" /Length %d >>",
                     lzw(data, early))
    return build_pdf(objs, 1)


def objdata_rtf(payload):
    def lp(s):
        return struct.pack("<I", len(s) + 1) + s + b"\0"

    def ole1(cls, native):
        return struct.pack("<II", 0x501, 2) + lp(cls) + lp(b"") + lp(b"") + native

    tmp = b"C:\\Users\\u\\AppData\\Local\\Temp\\invoice.exe\0"
    pkg = (struct.pack("<H", 2) + b"invoice.exe\0" + b"C:\\Users\\u\\invoice.exe\0" +
           struct.pack("<HHI", 0, 3, len(tmp)) + tmp + struct.pack("<I", len(payload)) + payload)
    h = ole1(b"Package", struct.pack("<I", len(pkg)) + pkg).hex().encode()
    junk = b"\n".join(h[i:i + 64] for i in range(0, len(h), 64))
    junk = junk[:100] + b"{\\*\\pxe}" + junk[100:200] + b"\\ulnone " + junk[200:]
    other = ole1(b"Equation.3", struct.pack("<I", 16) + b"native data 16b.").hex().encode()
    return (b"{\\rtf1\\ansi\\deff0 Invoice attached.\\par\n"
            b"{\\object\\objemb{\\*\\objclass Package}\\objw1\\objh1{\\*\\objdata\n" +
            junk + b"\n}}\n{\\object\\objemb{\\*\\objdata " + other + b"}}\\par}\n")


def apple(payload, double):
    name = b"invoice.exe"
    rsrc = b"\0" * 16 + b"resource fork bytes"
    entries = [(3, name)] + ([] if double else [(1, payload)]) + [(2, rsrc)]
    off = 26 + 12 * len(entries)
    head = struct.pack(">II16sH", 0x00051607 if double else 0x00051600, 0x00020000, b"",
                       len(entries))
    body = b""
    for eid, data in entries:
        head += struct.pack(">III", eid, off + len(body), len(data))
        body += data
    return head + body


def smuggle_html(payload):
    b64 = base64.b64encode(payload).decode()
    third = len(b64) // 3
    pieces = [b64[:third], b64[third:2 * third], b64[2 * third:]]
    joined = ' +\n    "'.join(p + '"' for p in pieces)
    return ('<!DOCTYPE html>\n<html><body><p>Your document is downloading...</p>\n'
            '<script>\nvar d = atob("' + joined + ');\n'
            'var a = new Uint8Array(d.length);\n'
            'for (var i = 0; i < d.length; i++) a[i] = d.charCodeAt(i);\n'
            'var b = new Blob([a], {type: "application/octet-stream"});\n'
            'var l = document.createElement("a"); l.href = URL.createObjectURL(b);\n'
            'l.download = "invoice.exe"; l.click();\n</script>\n'
            '<a href="data:application/octet-stream;base64,' + b64 +
            '" download="copy.exe">again</a>\n</body></html>\n').encode()


def data_svg(payload):
    return ('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
            'xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">\n'
            '<image xlink:href="data:image/png;base64,' + base64.b64encode(payload).decode() +
            '"/>\n<a href="data:text/plain,' + urllib.parse.quote(payload) +
            '"><text>x</text></a>\n</svg>\n').encode()


def main():
    out = sys.argv[1]
    payload = (open(sys.argv[2], "rb").read() if len(sys.argv) > 2 else
               b"partscan reader fixture: harmless payload\n" * 40)
    os.makedirs(out, exist_ok=True)
    pred, _ = pdf_predictor(payload)
    files = {
        "pdf_names.pdf": pdf_names(payload),
        "pdf_annot.pdf": pdf_annot(payload),
        "pdf_predictor.pdf": pred,
        "pdf_pred_tail.pdf": pdf_predictor(payload, 13, False)[0],
        "pdf_lzw.pdf": pdf_lzw(payload, 1),
        "pdf_lzw0.pdf": pdf_lzw(payload, 0),
        "pdf_update.pdf": pdf_update(payload, False),
        "pdf_update_stm.pdf": pdf_update(payload, True),
        "pdf_update_ef.pdf": pdf_update(payload, False, True),
        "objdata.rtf": objdata_rtf(payload),
        "applesingle.as": apple(payload, False),
        "appledouble.ad": apple(payload, True),
        "smuggle.html": smuggle_html(payload),
        "data.svg": data_svg(payload),
    }
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
