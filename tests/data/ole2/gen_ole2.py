#!/usr/bin/env python3
"""Build the OLE2 (compound file) fixtures of partscan's tests, offline, without Outlook or
Office, and write beside each one the reference view of olefile (Debian python3-olefile):
the members partscan's OLE2 reader must extract, with their sizes and SHA-256.

  gen_ole2.py DIR            write the fixtures and their .ref files into DIR
  gen_ole2.py --embed KIND OUT FILE NAME
                             put FILE (as NAME) in a new OUT of KIND: msg (an attachment of
                             a message attached to a .msg), doc (an Ole10Native Package in
                             ObjectPool), docx (the same in word/embeddings/oleObject1.bin)

The compound file writer is minimal but complete: 512-byte (v3) or 4096-byte (v4) sectors,
a mini stream for streams under 4096 bytes, FAT sectors listed in the header (at most 109).
Every payload is harmless: text, and files named .exe / .com that hold text; the tests sign
their hashes. A .ref line: PATH <TAB> NAME <TAB> SIZE <TAB> SHA256, PATH as partscan names
the member ("msg:attach1", "ole:ObjectPool/_1/Ole10Native"); a storage member (a message
attached to a message) has SHA256 "storage" and its own members follow as PATH/...
"""
import hashlib
import io
import os
import struct
import sys
import zipfile
import zlib

FREE, END, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF


def _cfb_key(name):
    return (len(name), name.upper())


def cfb(tree, v4=False, fat_loop=False, huge_claim=False, share=False, root_sibling=False):
    """tree: dict name -> bytes (a stream) or dict (a storage). Returns the file's bytes."""
    shift = 12 if v4 else 9
    ss = 1 << shift
    entries = []  # [name, type, children, data]

    def add(name, node):
        idx = len(entries)
        if isinstance(node, dict):
            entries.append([name, 1, [], None])
            for k in sorted(node, key=_cfb_key):
                entries[idx][2].append(add(k, node[k]))
        else:
            entries.append([name, 2, [], node])
        return idx

    root = add("Root Entry", tree)
    entries[root][1] = 5
    # mini stream: streams < 4096 bytes in 64-byte mini sectors
    mini = bytearray()
    minifat = []
    start = {}
    for i, e in enumerate(entries):
        if e[1] == 2 and len(e[3]) < 4096 and len(e[3]) > 0:
            start[i] = len(mini) // 64
            n = (len(e[3]) + 63) // 64
            for k in range(n):
                minifat.append(start[i] + k + 1 if k < n - 1 else END)
            mini += e[3] + b"\0" * (n * 64 - len(e[3]))
    sectors = []  # list of sector bytes
    fat = []

    def chain(data):
        if not data:
            return END
        first = len(sectors)
        n = (len(data) + ss - 1) // ss
        for k in range(n):
            sectors.append(data[k * ss:(k + 1) * ss].ljust(ss, b"\0"))
            fat.append(first + k + 1 if k < n - 1 else END)
        return first

    for i, e in enumerate(entries):
        if e[1] == 2 and len(e[3]) >= 4096:
            start[i] = chain(e[3])
    mini_start = chain(bytes(mini))
    mf = b"".join(struct.pack("<I", x) for x in minifat)
    minifat_start = chain(mf)
    nminifat = (len(mf) + ss - 1) // ss
    # directory: 128-byte entries; siblings as a right-leaning chain in CFB order
    dirb = bytearray()
    for i, e in enumerate(entries):
        name, typ, kids, data = e
        left = right = child = NOSTREAM
        if kids:
            child = kids[0]
        nm = name.encode("utf-16-le")[:62]
        ent = bytearray(128)
        ent[0:len(nm)] = nm
        struct.pack_into("<H", ent, 0x40, len(nm) + 2)
        ent[0x42] = typ
        ent[0x43] = 1  # black
        # siblings: the parent's kids list, chained by right links
        struct.pack_into("<III", ent, 0x44, left, right, child)
        if typ == 2:
            struct.pack_into("<I", ent, 0x74, start.get(i, END))
            size = len(data)
            if huge_claim and name == "big":
                size = 0xFFFFFFF0
            struct.pack_into("<I", ent, 0x78, size)
        elif typ == 5:
            struct.pack_into("<I", ent, 0x74, mini_start if mini else END)
            struct.pack_into("<I", ent, 0x78, len(mini))
        else:
            struct.pack_into("<I", ent, 0x74, 0)
        dirb += ent
    if share:  # every CONTENTS stream points at the sectors of the Package stream
        pk = [i for i, e in enumerate(entries) if e[0] == "Package"][0]
        for i, e in enumerate(entries):
            if e[0] == "CONTENTS":
                struct.pack_into("<II", dirb, i * 128 + 0x74, start[pk], len(entries[pk][3]))
    if root_sibling:  # the root entry gets a right sibling: its first child
        struct.pack_into("<I", dirb, 0x48, 1)
    for e in entries:
        kids = e[2]
        for a, b in zip(kids, kids[1:]):
            struct.pack_into("<I", dirb, a * 128 + 0x48, b)
    while len(dirb) % ss:  # unused entries fill the last sector
        dirb += bytes(68) + struct.pack("<III", NOSTREAM, NOSTREAM, NOSTREAM) + bytes(48)
    dir_start = chain(bytes(dirb))
    # FAT sectors, which also take FAT entries
    per = ss // 4
    nfat = 1
    while (len(fat) + nfat + per - 1) // per > nfat:
        nfat += 1
    assert nfat <= 109, "fixture too large for a header-only FAT"
    fat_first = len(sectors)
    fat += [FATSECT] * nfat
    fat += [FREE] * (nfat * per - len(fat))
    if fat_loop:
        fat[dir_start] = dir_start  # the directory's chain points at itself
        fat[0] = 0
    fb = b"".join(struct.pack("<I", x) for x in fat)
    for k in range(nfat):
        sectors.append(fb[k * ss:(k + 1) * ss])
    hdr = bytearray(512)
    hdr[0:8] = bytes.fromhex("d0cf11e0a1b11ae1")
    struct.pack_into("<HHHHH", hdr, 0x18, 0x3E, 4 if v4 else 3, 0xFFFE, shift, 6)
    struct.pack_into("<I", hdr, 0x28, (len(dirb) // ss) if v4 else 0)
    struct.pack_into("<IIIIIIII", hdr, 0x2C, nfat, dir_start, 0, 4096,
                     minifat_start if minifat else END, nminifat, END, 0)
    for k in range(109):
        struct.pack_into("<I", hdr, 0x4C + 4 * k, fat_first + k if k < nfat else FREE)
    head = bytes(hdr) + (b"\0" * (ss - 512) if v4 else b"")
    return head + b"".join(sectors)


def u16(s):
    return s.encode("utf-16-le")


def props(n):
    return b"\0" * n  # reserved header; no fixed-size property is needed by the tests


def attachment(name, data):
    return {"__properties_version1.0": props(8),
            "__substg1.0_3001001F": u16(name),
            "__substg1.0_3707001F": u16(name),
            "__substg1.0_37010102": data}


def message(subject, body, atts, top=True, html=None):
    m = {"__properties_version1.0": props(32 if top else 24),
         "__substg1.0_0037001F": u16(subject),
         "__substg1.0_1000001F": u16(body),
         "__recip_version1.0_#00000000": {"__properties_version1.0": props(8),
                                          "__substg1.0_3001001F": u16("Someone")}}
    if html is not None:
        m["__substg1.0_10130102"] = html
    if top:
        m["__nameid_version1.0"] = {"__substg1.0_00020102": b"",
                                    "__substg1.0_00030102": b"",
                                    "__substg1.0_00040102": b""}
    for i, a in enumerate(atts):
        m["__attach_version1.0_#%08X" % i] = a
    return m


def embedded(name, msg):
    return {"__properties_version1.0": props(8),
            "__substg1.0_3001001F": u16(name),
            "__substg1.0_3701000D": msg}


def ole10native(label, data):
    """An OLE Package (Packager Shell Object): what Ole10Native holds for an embedded file."""
    path = ("C:\\Users\\u\\Desktop\\" + label).encode("latin-1") + b"\0"
    tmp = ("C:\\Users\\u\\AppData\\Local\\Temp\\" + label).encode("latin-1") + b"\0"
    body = (struct.pack("<H", 2) + label.encode("latin-1") + b"\0" + path +
            struct.pack("<HHI", 0, 3, len(tmp)) + tmp + struct.pack("<I", len(data)) + data)
    return struct.pack("<I", len(body)) + body


LZFU_PRE = (b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman "
            b"\\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New "
            b"RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain"
            b"\\f0\\fs20\\b\\i\\u\\tab\\tx")


def lzfu(rtf):
    """Compressed RTF (MS-OXRTFCP): greedy longest matches in the 4 KiB dictionary."""
    assert len(LZFU_PRE) == 207
    dic = bytearray(4096)
    dic[:207] = LZFU_PRE
    at = {}
    for k in range(207):
        at.setdefault(dic[k], set()).add(k)
    w, i, out = 207, 0, bytearray()

    def put(c):
        nonlocal w
        at.get(dic[w], set()).discard(w)
        dic[w] = c
        at.setdefault(c, set()).add(w)
        w = (w + 1) & 4095

    while True:
        ctrl, chunk = 0, bytearray()
        for bit in range(8):
            if i >= len(rtf):
                ctrl |= 1 << bit
                chunk += struct.pack(">H", w << 4)
                out += bytes([ctrl]) + chunk
                body = bytes(out)
                return (struct.pack("<III", len(body) + 12, len(rtf), 0x75465A4C) +
                        struct.pack("<I", 0) + body)
            best, off = 1, None
            for o in sorted(at.get(rtf[i], ())):
                if o == w:
                    continue
                tmp, n = bytearray(dic), 0
                while n < 17 and i + n < len(rtf) and tmp[(o + n) & 4095] == rtf[i + n]:
                    tmp[(w + n) & 4095] = rtf[i + n]
                    n += 1
                if n > best:
                    best, off = n, o
            if off is None:
                chunk.append(rtf[i])
                put(rtf[i])
                i += 1
                continue
            ctrl |= 1 << bit
            chunk += struct.pack(">H", off << 4 | (best - 2))
            for k in range(best):
                put(rtf[i + k])
            i += best
        out += bytes([ctrl]) + chunk


def harmless(tag, n):
    line = ("partscan OLE2 test payload %s: harmless text.\n" % tag).encode()
    return (line * (n // len(line) + 1))[:n]


def ref_msg(ole, prefix, storage, out):
    """olefile's view of a message storage: attachments in order, then the bodies."""
    import olefile  # noqa: F401
    kids = sorted({e[len(storage)] for e in ole.listdir(streams=True, storages=True)
                   if e[:len(storage)] == storage and len(e) > len(storage)})
    atts = [k for k in kids if k.lower().startswith("__attach_version1.0_#")]
    for n, a in enumerate(atts, 1):
        base = storage + [a]
        name = None
        for tag in ("3707001F", "3704001F", "3001001F"):
            if ole.exists("/".join(base + ["__substg1.0_" + tag])):
                name = ole.openstream(base + ["__substg1.0_" + tag]).read().decode("utf-16-le")
                break
        path = "%smsg:attach%d" % (prefix, n)
        if ole.exists("/".join(base + ["__substg1.0_37010102"])):
            data = ole.openstream(base + ["__substg1.0_37010102"]).read()
            out.append((path, name or "", len(data), hashlib.sha256(data).hexdigest()))
        elif ole.exists("/".join(base + ["__substg1.0_3701000D"])):
            out.append((path, name or "", 0, "storage"))
            ref_msg(ole, path + "/", base + ["__substg1.0_3701000D"], out)
    for tag, nm in (("1000001F", "msg:body.txt"), ("10090102", "msg:body.rtf"),
                    ("10130102", "msg:body.html")):
        if ole.exists("/".join(storage + ["__substg1.0_" + tag])):
            data = ole.openstream(storage + ["__substg1.0_" + tag]).read()
            if tag.endswith("1F"):
                data = data.decode("utf-16-le").encode()
            if tag == "10090102":
                data = RTF_BODIES[hashlib.sha256(data).hexdigest()]  # what was compressed
            out.append((prefix + nm, "", len(data), hashlib.sha256(data).hexdigest()))


def ref_native(ole, out):
    """olefile's view of the embedded files: each Ole10Native's Package data."""
    for e in sorted(ole.listdir(streams=True, storages=False)):
        if e[-1] != "\x01Ole10Native":
            continue
        s = ole.openstream(e).read()
        p = 6
        label = s[p:s.index(b"\0", p)]
        p += len(label) + 1
        p = s.index(b"\0", p) + 1 + 4
        tl = struct.unpack_from("<I", s, p)[0]
        p += 4 + tl
        dl = struct.unpack_from("<I", s, p)[0]
        data = s[p + 4:p + 4 + dl]
        path = "ole:" + "/".join(x.lstrip("\x01") for x in e)
        out.append((path, label.decode("latin-1"), len(data), hashlib.sha256(data).hexdigest()))


def ppt_records(objs):
    """A PowerPoint Document stream: a document record, then one ExOleObjStg per object
    (compressed: instance 1, the size, zlib data; or stored: instance 0)."""
    s = struct.pack("<HHI", 0x000F, 0x03E8, 8) + struct.pack("<HHI", 0, 0x03EA, 0)
    for blob, compressed in objs:
        if compressed:
            body = struct.pack("<I", len(blob)) + zlib.compress(blob)
            s += struct.pack("<HHI", 0x0010, 0x1011, len(body)) + body
        else:
            s += struct.pack("<HHI", 0x0000, 0x1011, len(blob)) + blob
    return s


def ref_ppt(ole, out):
    """olefile's view of PowerPoint's objects: each ExOleObjStg inflated, then read again."""
    import olefile
    s = ole.openstream("PowerPoint Document").read()
    pos, k = 0, 0
    while pos + 8 <= len(s):
        vi, rt, ln = struct.unpack_from("<HHI", s, pos)
        body = s[pos + 8:pos + 8 + ln]
        pos += 8 + ln
        if rt != 0x1011:
            continue
        k += 1
        blob = zlib.decompress(body[4:]) if vi >> 4 == 1 else body
        path = "ole:PowerPoint Document/ExOleObjStg%d" % k
        out.append((path, "", 0, "storage"))
        inner = []
        ref_native(olefile.OleFileIO(io.BytesIO(blob)), inner)
        out += [(path + "/" + r[0],) + r[1:] for r in inner]


def write(d, name, blob, kind):
    import olefile
    with open(os.path.join(d, name), "wb") as f:
        f.write(blob)
    if kind is None:
        return
    out = []
    ole = olefile.OleFileIO(io.BytesIO(blob))
    if kind == "msg":
        ref_msg(ole, "", [], out)
    elif kind == "ppt":
        ref_ppt(ole, out)
    else:
        ref_native(ole, out)
    with open(os.path.join(d, name + ".ref"), "w") as f:
        for r in out:
            f.write("%s\t%s\t%d\t%s\n" % r)


RTF_BODIES = {}


def fixtures(d):
    inner = message("inner", "The attached message's body.\n",
                    [attachment("deep.exe", harmless("deep", 5000))], top=False)
    msg = message("Invoice", "Please find the invoice attached.\n",
                  [attachment("invoice.exe", harmless("invoice", 700)),
                   embedded("Fwd: inner", inner),
                   attachment("big.bin", harmless("big", 20000))],
                  html=b"<html><body>Please find the invoice attached.</body></html>\n")
    write(d, "attach.msg", cfb(msg), "msg")
    # the rich-text body (PR_RTF_COMPRESSED), compressed RTF ("msgconvert" reads it too)
    rtf = (b"{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Arial;}}"
           b"\\pard\\plain\\f0\\fs20 " + harmless("rtf body", 1500).replace(b"\n", b"\\par\n") +
           b"\\par}")  # no CR: msgconvert primes its dictionary with LF CR, not CR LF
    comp = lzfu(rtf)
    RTF_BODIES[hashlib.sha256(comp).hexdigest()] = rtf
    msg = message("Rich", "Rich text body.\n", [attachment("invoice.exe", harmless("rtf", 600))])
    msg["__substg1.0_10090102"] = comp
    write(d, "rtf.msg", cfb(msg), "msg")
    doc = {"WordDocument": harmless("worddocument", 4200),
           "1Table": harmless("table", 300),
           "ObjectPool": {"_1234": {"\x01Ole10Native": ole10native(
               "payload.exe", harmless("package", 3000)),
               "\x01CompObj": b"\1\0\xfe\xff" + b"\0" * 20}}}
    write(d, "package.doc", cfb(doc), "native")
    obj = {"\x01Ole10Native": ole10native("eicar-like.com", harmless("oleobject", 900)),
           "\x01CompObj": b"\1\0\xfe\xff" + b"\0" * 20}
    blob = cfb(obj)
    write(d, "oleObject1.bin", blob, "native")
    with open(os.path.join(d, "embed.docx"), "wb") as f:
        f.write(docx_with(blob))
    # PowerPoint: one object compressed, one stored, each an Ole10Native Package
    objs = [(cfb({"\x01Ole10Native": ole10native("slide.exe", harmless("slide", 2000))}), True),
            (cfb({"\x01Ole10Native": ole10native("stored.js", harmless("stored", 300))}), False)]
    write(d, "objects.ppt", cfb({"PowerPoint Document": ppt_records(objs),
                                 "Current User": b"\0" * 44}), "ppt")
    # a PowerPoint object that inflates 20 MiB of zeros from 20 KiB
    write(d, "zeros.ppt", cfb({"PowerPoint Document": ppt_records([(bytes(20 << 20), True)]),
                               "Current User": b"\0" * 44}), None)
    # bombs: a directory chain that loops, a stream that claims 4 GB
    write(d, "fatloop.ole", cfb({"a": harmless("a", 5000)}, fat_loop=True), None)
    write(d, "huge.ole", cfb({"big": harmless("big", 5000)}, huge_claim=True), None)
    # 200 streams that share one 64 KiB chain: 12 MiB out of a 100 KiB file
    tree = {"Package": harmless("shared", 65536)}
    tree.update({"o%03d" % i: {"CONTENTS": b""} for i in range(200)})
    write(d, "share.ole", cfb(tree, share=True), None)
    # a root entry with a sibling (libgsf reads it with no parent and leaks it)
    write(d, "rootsib.ole", cfb({"a": b"x" * 100, "b": {"c": b"y"}}, root_sibling=True), None)
    # more directory entries than partscan reads (4096)
    write(d, "many.ole", cfb({"s%04d" % i: b"" for i in range(4200)}), None)


def docx_with(blob):
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in (("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http:'
                            '//schemas.openxmlformats.org/package/2006/content-types"/>'),
                           ("word/document.xml", "<w:document/>"),
                           ("word/embeddings/oleObject1.bin", blob)):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return z.getvalue()


def embed(kind, out, path, name):
    with open(path, "rb") as f:
        data = f.read()
    if kind == "msg":
        inner = message("inner", "inner\n", [attachment(name, data)], top=False)
        blob = cfb(message("outer", "outer\n", [embedded("inner", inner)]))
    elif kind == "doc":
        blob = cfb({"WordDocument": harmless("worddocument", 4200),
                    "ObjectPool": {"_1": {"\x01Ole10Native": ole10native(name, data)}}})
    else:
        blob = docx_with(cfb({"\x01Ole10Native": ole10native(name, data)}))
    with open(out, "wb") as f:
        f.write(blob)


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--embed":
        embed(*sys.argv[2:])
    elif len(sys.argv) == 2:
        fixtures(sys.argv[1])
    else:
        sys.exit(__doc__)
