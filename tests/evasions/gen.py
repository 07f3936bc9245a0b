#!/usr/bin/env python3
"""The evasion set of `make evasions` and test_evasions.sh: messages that each hide one
harmless file behind one evasion (issues 11 and 12), built at run time, nothing binary kept.

    gen.py DIR [--clean]

The hidden file is 4096 random-looking bytes from a fixed seed (--clean: another seed, whose
hashes are in no signature: the control set, same carriers). Every case is first opened with
its reference reader (Python's email, uudeview, hexbin, unzip/7z/zipfile, olefile, pdfdetach,
gpg, openssl cms, tnef, ...); a case whose reader does not give back the hidden file's exact
bytes is no evasion and is dropped (kept aside as DIR/dropped/NAME.eml, not scored). Writes
DIR/NAME.eml for each kept case, DIR/cases.tsv
(NAME, reference reader, "ok" or "dropped", note) and DIR/sigs/evasion.hdb + evasion.hsb
(MD5 and SHA-256 of the real hidden file, whatever --clean says).

The encoders and containers are those of partscan's other tests: tests/cli/readings_cases.py,
tests/cli/encodings_gen.py, tests/data/readers/mkreaders.py, tests/data/ole2/gen_ole2.py.
"""
import base64
import email
import email.policy
import hashlib
import importlib
import io
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import urllib.parse
import zipfile
import zlib

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for sub in ("tests/cli", "tests/data/readers", "tests/data/ole2"):
    sys.path.insert(0, os.path.join(TOP, sub))
import gen_ole2  # noqa: E402
import mkreaders  # noqa: E402
import readings_cases as rc  # noqa: E402

REAL = random.Random(1112).randbytes(4096)
CLEAN = random.Random(2111).randbytes(4096)
P = REAL
TMP = None


def sh(*cmd, stdin=None, cwd=None):
    r = subprocess.run(cmd, input=stdin, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    return r.stdout


def b64(data):
    return rc.b64(data)


HEAD = "From: Alice <alice@example.org>\nTo: bob@example.org\nSubject: %s\nMIME-Version: 1.0\n"


def attach(data, ctype="application/octet-stream", name="file.bin", subject="document",
           text="Please see the attachment.", texttype="text/plain"):
    """A two-part message: a text and DATA attached in base64 (CTYPE None: no Content-Type)."""
    s = HEAD % subject + "Content-Type: multipart/mixed; boundary=\"BB\"\n\n"
    s += "--BB\nContent-Type: %s\n\n%s\n--BB\n" % (texttype, text)
    if ctype:
        s += "Content-Type: %s; name=\"%s\"\n" % (ctype, name)
    s += "Content-Disposition: attachment; filename=\"%s\"\n" % name
    s += "Content-Transfer-Encoding: base64\n\n%s\n--BB--\n" % b64(data)
    return s.encode("latin-1")


# ---- reference readers: each returns the list of files it gets out of the message

def py_leaves(raw):
    out = []
    for pol in (email.policy.compat32, email.policy.default):
        msg = email.message_from_bytes(raw, policy=pol)
        for part in msg.walk():
            if not part.is_multipart():
                out.append(part.get_payload(decode=True) or b"")
    return out


def gmime_leaves(raw):
    """GMime's reading (the library of partscan's walk, and of mail clients built on it), through
    its GObject bindings (python3-gi, gir1.2-gmime-3.0): every leaf part, decoded."""
    import gi
    gi.require_version("GMime", "3.0")
    from gi.repository import GMime
    GMime.init()
    msg = GMime.Parser.new_with_stream(GMime.StreamMem.new_with_buffer(raw)).construct_message(None)
    out = []

    def walk(o, depth):
        if o is None or depth > 50:
            return
        if isinstance(o, GMime.Multipart):
            for i in range(o.get_count()):
                walk(o.get_part(i), depth + 1)
        elif isinstance(o, GMime.MessagePart):
            m = o.get_message()
            walk(m.get_mime_part() if m else None, depth + 1)
        elif isinstance(o, GMime.Part) and o.get_content() is not None:
            s = GMime.StreamMem.new()
            o.get_content().write_to_stream(s)
            out.append(bytes(s.get_byte_array()))
    walk(msg.get_mime_part() if msg else None, 0)
    return out


def py_attachment(raw):
    """the payload of the last leaf of Python's email (compat32)."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    return [p for p in msg.walk() if not p.is_multipart()][-1].get_payload(decode=True) or b""


def body_of(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    part = [p for p in msg.walk() if not p.is_multipart()][-1]
    return part.get_payload(decode=False).encode("latin-1")


def in_dir(fn):
    d = tempfile.mkdtemp(dir=TMP)
    fn(d)
    out = []
    for root, _, files in os.walk(d):
        for f in files:
            with open(os.path.join(root, f), "rb") as fh:
                out.append(fh.read())
    return out


def uudeview(raw):
    text = b"Subject: reference\n\n" + raw.split(b"\n\n", 1)[1]

    def run(d):
        src = os.path.join(d, "..", os.path.basename(d) + ".txt")
        with open(src, "wb") as f:
            f.write(text)
        sh("uudeview", "-i", "-a", "-q", "-p", d + "/", src)
    return in_dir(run)


def hexbin(raw):
    m = re.search(rb"\(This file must be converted with BinHex.*", raw, re.S)

    def run(d):
        with open(os.path.join(d, "..", os.path.basename(d) + ".hqx"), "wb") as f:
            f.write(m.group(0) if m else b"")
        sh("hexbin", "-3", os.path.join("..", os.path.basename(d) + ".hqx"), cwd=d)
    return in_dir(run)


def b64_runs(raw):
    """base64 decoded on after each padding (GMime, Thunderbird)."""
    import binascii
    abc = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    runs = [bytes(c for c in r if c in abc) for r in body_of(raw).split(b"=")]
    return [b"".join(binascii.a2b_base64(r + b"=" * (-len(r) % 4)) for r in runs if r)]


def zip_members(data, password=None):
    """unzip, 7z and Python's zipfile on DATA; members that are zips are opened in turn."""
    out, todo = [], [data]
    while todo and len(out) < 200:
        z = todo.pop()
        got = []
        with tempfile.NamedTemporaryFile(dir=TMP, suffix=".zip") as f:
            f.write(z)
            f.flush()
            pw = ["-P", password] if password else []
            got.append(("unzip", in_dir(lambda d: sh("unzip", "-qq", "-o", *pw, f.name,
                                                     "-d", d))))
            pw7 = ["-p" + password] if password else ["-p"]
            got.append(("7z", in_dir(lambda d: sh("7z", "x", "-y", "-bd", *pw7,
                                                  "-o" + d, f.name))))
        try:
            zf = zipfile.ZipFile(io.BytesIO(z))
            got.append(("zipfile", [zf.read(n, pwd=password and password.encode())
                                    for n in zf.namelist()]))
        except Exception:
            pass
        for _, files in got:
            for m in files:
                if m not in out:
                    out.append(m)
                    if m[:2] == b"PK":
                        todo.append(m)
    return out


def ole_streams(blob):
    import olefile
    out = []
    ole = olefile.OleFileIO(io.BytesIO(blob))
    for e in ole.listdir(streams=True, storages=False):
        data = ole.openstream(e).read()
        out.append(data)
        if e[-1] == "\x01Ole10Native":
            out.append(ole10native_data(data))
    return out


def ole10native_data(s):
    """The file an OLE Package (Ole10Native stream) carries."""
    p = 4 + 2
    for _ in range(2):  # label, path
        p = s.index(b"\0", p) + 1
    p += 4
    n = struct.unpack_from("<I", s, p)[0]
    p += 4 + n
    n = struct.unpack_from("<I", s, p)[0]
    return s[p + 4:p + 4 + n]


def pdfdetach(pdf):
    def run(d):
        with open(os.path.join(d, "..", os.path.basename(d) + ".pdf"), "wb") as f:
            f.write(pdf)
        sh("pdfdetach", "-saveall", "-o", d, f.name)
    return in_dir(run)


def gpg_d(data):
    home = tempfile.mkdtemp(dir=TMP)
    os.chmod(home, 0o700)
    out = sh("gpg", "--batch", "-q", "--homedir", home, "-d", stdin=data)
    sh("gpgconf", "--homedir", home, "--kill", "gpg-agent")
    return [out]


def cms_verify(der):
    inner = sh("openssl", "cms", "-verify", "-noverify", "-inform", "DER", stdin=der)
    return py_leaves(inner) + [inner]


def tnef_files(blob):
    def run(d):
        with open(os.path.join(d, "..", os.path.basename(d) + ".tnef"), "wb") as f:
            f.write(blob)
        sh("tnef", "-C", d, "-f", f.name)
    return in_dir(run)


def data_uris(html):
    out = []
    for m in re.finditer(rb"data:[^,\"']*,([^\"'<> ]*)", html):
        head = html[m.start():m.start(1)]
        out.append(base64.b64decode(m.group(1)) if b";base64" in head
                   else urllib.parse.unquote_to_bytes(m.group(1)))
    return out


def atob_literals(html):
    out = []
    for m in re.finditer(rb"atob\(((?:\s*\+?\s*\"[^\"]*\")+)\s*\)", html):
        out.append(base64.b64decode(b"".join(re.findall(rb"\"([^\"]*)\"", m.group(1)))))
    return out


# ---- the cases: name -> (reference reader, message bytes, reader function)

def header_cases(cases):
    """issue 11, headers and structure: every case of readings_cases.py, with its payload
    swapped for the hidden file."""
    for name, text in rc.CASES.items():
        text = text.replace(rc.b64(rc.payload(name)), b64(P))
        raw = text.encode()
        who = [n for n, fn in (("python3 email", py_leaves), ("GMime", gmime_leaves))
               if P in fn(raw)]
        cases["hdr_" + name] = (" + ".join(who) or "python3 email / GMime", raw,
                                lambda r: py_leaves(r) + gmime_leaves(r))
    # a multipart whose closing delimiter never comes (the message ends in the attachment)
    raw = (HEAD % "no close" + rc.multipart(rc.MP, "no_close").replace(
        rc.b64(rc.payload("no_close")), b64(P))).encode()
    raw = raw[:raw.rindex(b"--BB--")]
    cases["hdr_no_close"] = ("python3 email + GMime", raw, lambda r: py_leaves(r) + gmime_leaves(r))


def encoding_cases(cases):
    """issue 11, transfer encodings: the messages of encodings_gen.py."""
    d = tempfile.mkdtemp(dir=TMP)
    pf = os.path.join(d, "payload")
    with open(pf, "wb") as f:
        f.write(P)
    argv, sys.argv = sys.argv, ["encodings_gen.py", pf, d]
    if "encodings_gen" in sys.modules:
        eg = importlib.reload(sys.modules["encodings_gen"])
    else:
        eg = importlib.import_module("encodings_gen")
    sys.argv = argv
    readers = {"b64_": ("python3 email / base64 decoded on", lambda r: py_leaves(r) + b64_runs(r)),
               "qp_": ("python3 quopri", lambda r: py_leaves(r) + [__import__("quopri")
                                                                    .decodestring(body_of(r))]),
               "uu_": ("uudeview", uudeview), "yenc": ("uudeview", uudeview),
               "binhex": ("hexbin", hexbin), "no_ctype": ("uudeview", uudeview)}
    for f in sorted(os.listdir(d)):
        name = f[:-4]
        if not f.endswith(".eml") or name.startswith("qp_") and name != "qp_params":
            continue
        with open(os.path.join(d, f), "rb") as fh:
            raw = fh.read()
        if name == "b64_as_7bit":
            reader = ("base64 of the body", lambda r: [base64.b64decode(body_of(r))])
        else:
            reader = next(v for k, v in readers.items() if name.startswith(k))
        cases["enc_" + name] = (reader[0], raw, reader[1])
    # each block kind alone in a body with no Content-Type at all
    ye = eg.yenc(P).decode("latin-1")
    for k, body, reader in (("uu", eg.uu(P, name="doc.bin"), ("uudeview", uudeview)),
                            ("yenc", ye, ("uudeview", uudeview)),
                            ("binhex", eg.binhex(P), ("hexbin", hexbin))):
        raw = (eg.head(None) + "Here it is:\n\n" + body + "\nbye\n").encode("latin-1")
        cases["enc_noctype_" + k] = (reader[0], raw, reader[1])


def zip_of(files):
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            zf.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data,
                        compress_type=zipfile.ZIP_DEFLATED)
    return z.getvalue()


def archive_cases(cases):
    bad = zip_of([("invoice.bin", P)])
    clean = zip_of([("readme.txt", b"nothing to see here\n" * 10)])
    clean2 = zip_of([("notes.txt", b"meeting notes\n" * 10)])
    zr = ("unzip / 7z / zipfile", lambda r: zip_members(py_attachment(r)))
    gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
    for name, data in (("zip_prefix_gif", gif + bad),
                       ("zip_prefix_mz", b"MZ" + bytes(1000) + bad),
                       ("zip2_first", bad + clean), ("zip2_last", clean + bad),
                       ("zip3_first", bad + clean + clean2),
                       ("zip3_middle", clean + bad + clean2),
                       ("zip3_last", clean + clean2 + bad)):
        cases["arc_" + name] = (zr[0], attach(data, "application/zip", "invoice.zip"), zr[1])
    for depth in (7, 20):
        z = bad
        for i in range(depth - 1):
            z = zip_of([("level%d.zip" % (depth - 1 - i), z)])
        cases["arc_nested%d" % depth] = (zr[0], attach(z, "application/zip", "deep.zip"), zr[1])
    # encrypted zips (zip -P) with the password where people write it
    d = tempfile.mkdtemp(dir=TMP)
    with open(os.path.join(d, "invoice.bin"), "wb") as f:
        f.write(P)
    sh("zip", "-q", "-P", "7781", "enc.zip", "invoice.bin", cwd=d)
    with open(os.path.join(d, "enc.zip"), "rb") as f:
        enc = f.read()
    zr_pw = ("unzip -P / 7z -p", lambda r: zip_members(py_attachment(r), "7781"))
    cases["arc_enc_pw_body"] = (zr_pw[0], attach(enc, "application/zip", "invoice.zip",
                                                 text="The password is: 7781"), zr_pw[1])
    cases["arc_enc_pw_subject"] = (zr_pw[0], attach(enc, "application/zip", "invoice.zip",
                                                    subject="Invoice 2024-117 (PW 7781)"),
                                   zr_pw[1])
    for name, text in (("dash", "Archive pass - 7781"), ("nextline", "Your password:\n\n7781\n"),
                       ("german", "Das Passwort lautet: 7781"),
                       ("french", "Mot de passe : 7781"), ("abbrev", "PW:7781"),
                       ("french_phrase", "Le mot de passe du fichier est : 7781"),
                       ("spanish", "La contrase\u00f1a del archivo es 7781"),
                       ("nextline_phrase", "The password for the attachment is below.\n\n\n7781\n"),
                       ("japanese", "\u89e3\u51cd\u30d1\u30b9\u30ef\u30fc\u30c9\uff1a7781")):
        # UTF-8 bytes (attach() writes latin-1): the text as a client would send it
        text = text.encode("utf-8").decode("latin-1")
        cases["arc_enc_pw_" + name] = (zr_pw[0], attach(
            enc, "application/zip", "invoice.zip", text=text,
            texttype="text/plain; charset=utf-8"), zr_pw[1])
    cases["arc_enc_pw_html"] = (zr_pw[0], attach(
        enc, "application/zip", "invoice.zip", texttype="text/html",
        text="<table><tr><td>Passwort</td><td>7781</td></tr></table>"), zr_pw[1])


def ole_cases(cases):
    g = gen_ole2
    att = g.attachment("invoice.bin", P)
    msg = g.cfb(g.message("invoice", "see attached\n", [att]))
    inner = g.message("inner", "inner\n", [att], top=False)
    nested = g.cfb(g.message("outer", "outer\n", [g.embedded("inner", inner)]))
    doc = g.cfb({"WordDocument": g.harmless("worddocument", 4200),
                 "ObjectPool": {"_1": {"\x01Ole10Native": g.ole10native("invoice.bin", P)}}})
    ole_obj = g.cfb({"\x01Ole10Native": g.ole10native("invoice.bin", P)})
    docx = g.docx_with(ole_obj)
    ref = ("olefile", lambda r: ole_streams(py_attachment(r)))
    cases["ole_msg"] = (ref[0], attach(msg, "application/vnd.ms-outlook", "invoice.msg"), ref[1])
    cases["ole_msg_nested"] = (ref[0], attach(nested, "application/vnd.ms-outlook", "fwd.msg"),
                               ref[1])
    cases["ole_doc_package"] = (ref[0], attach(doc, "application/msword", "report.doc"), ref[1])

    def docx_ref(r):
        zf = zipfile.ZipFile(io.BytesIO(py_attachment(r)))
        return ole_streams(zf.read("word/embeddings/oleObject1.bin"))
    cases["ole_docx_oleobject"] = ("zipfile + olefile", attach(
        docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "report.docx"), docx_ref)


def pdf_cases(cases):
    ref = ("pdfdetach", lambda r: pdfdetach(py_attachment(r)))
    names = mkreaders.pdf_names(P)
    cases["pdf_embedded_flate"] = (ref[0], attach(names, "application/pdf", "doc.pdf"), ref[1])
    cases["pdf_annot_objstm"] = (ref[0], attach(mkreaders.pdf_annot(P), "application/pdf",
                                                "doc.pdf"), ref[1])
    d = tempfile.mkdtemp(dir=TMP)
    src, dst = os.path.join(d, "in.pdf"), os.path.join(d, "out.pdf")
    with open(src, "wb") as f:
        f.write(names)
    sh("qpdf", "--encrypt", "", "owner-secret", "256", "--", src, dst)
    if os.path.exists(dst):
        with open(dst, "rb") as f:
            cases["pdf_encrypted_empty_pw"] = (ref[0], attach(f.read(), "application/pdf",
                                                              "doc.pdf"), ref[1])
    sh("qpdf", "--object-streams=generate", "--compress-streams=y", src, dst)
    with open(dst, "rb") as f:
        cases["pdf_embedded_qpdf_objstm"] = (ref[0], attach(f.read(), "application/pdf",
                                                            "doc.pdf"), ref[1])


def applesingle_entries(blob):
    n = struct.unpack_from(">H", blob, 24)[0]
    out = []
    for i in range(n):
        _, off, ln = struct.unpack_from(">III", blob, 26 + 12 * i)
        out.append(blob[off:off + ln])
    return out


def apple_cases(cases):
    single = mkreaders.apple(P, False)
    cases["apple_single"] = ("AppleSingle entries (Python struct)", attach(
        single, "application/applefile", "invoice.exe"),
        lambda r: applesingle_entries(py_attachment(r)))
    s = HEAD % "mac" + "Content-Type: multipart/appledouble; boundary=\"ad\"\n\n--ad\n"
    s += "Content-Type: application/applefile; name=\"invoice.bin\"\n"
    s += "Content-Transfer-Encoding: base64\n\n%s\n--ad\n" % b64(mkreaders.apple(P, True))
    s += "Content-Type: application/octet-stream; name=\"invoice.bin\"\n"
    s += "Content-Transfer-Encoding: base64\n\n%s\n--ad--\n" % b64(P)
    cases["apple_double"] = ("python3 email", s.encode(), py_leaves)


def pgp_cases(cases):
    home = tempfile.mkdtemp(dir=TMP)
    os.chmod(home, 0o700)
    g = ["gpg", "--batch", "-q", "--homedir", home, "--yes"]
    ref = ("gpg -d", lambda r: gpg_d(py_attachment(r)))
    for name, opts in (("pgp_literal_bin", ["-z", "0", "--store"]),
                       ("pgp_literal_asc", ["-a", "-z", "0", "--store"]),
                       ("pgp_zlib_bin", ["--compress-algo", "zlib", "-z", "6", "--store"]),
                       ("pgp_zip_asc", ["-a", "--compress-algo", "zip", "-z", "6", "--store"]),
                       ("pgp_bzip2_bin", ["--compress-algo", "bzip2", "-z", "6", "--store"])):
        data = sh(*g, *opts, "--set-filename", "invoice.bin", stdin=P)
        cases[name] = (ref[0], attach(data, "application/octet-stream", "invoice.bin.gpg"),
                       ref[1])
    asc = sh(*g, "-a", "--store", stdin=P).decode()
    cases["pgp_inline_asc"] = ("gpg -d", (HEAD % "tool" + "\nHere it is:\n\n" + asc +
                                          "\nbye\n").encode(),
                               lambda r: gpg_d(r.split(b"\n\n", 1)[1]))
    sh("gpgconf", "--homedir", home, "--kill", "gpg-agent")


def smime_cases(cases):
    d = tempfile.mkdtemp(dir=TMP)
    key, crt = os.path.join(d, "k.pem"), os.path.join(d, "c.pem")
    sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt,
       "-subj", "/CN=partscan evasion test", "-days", "2")
    inner = ("Content-Type: application/octet-stream; name=\"invoice.bin\"\r\n"
             "Content-Disposition: attachment; filename=\"invoice.bin\"\r\n"
             "Content-Transfer-Encoding: base64\r\n\r\n" +
             b64(P).replace("\n", "\r\n") + "\r\n").encode()
    der = sh("openssl", "cms", "-sign", "-nodetach", "-binary", "-signer", crt, "-inkey", key,
             "-outform", "DER", stdin=inner)
    ref = ("openssl cms -verify + python3 email", lambda r: cms_verify(py_attachment(r)))
    for name, ctype in (("smime_p7m", "application/pkcs7-mime; smime-type=signed-data"),
                        ("smime_p7m_octet", "application/octet-stream"),
                        ("smime_p7m_notype", None)):
        cases[name] = (ref[0], attach(der, ctype, "smime.p7m"), ref[1])


def html_cases(cases):
    pct = urllib.parse.quote(P)
    page = "<html><body><p>Your file:</p><a href=\"%s\" download=\"invoice.bin\">open</a>" \
           "</body></html>\n"
    uri = ("data:application/octet-stream;base64," + base64.b64encode(P).decode(),
           "data:application/octet-stream," + pct)
    dr = ("data: URI (Python base64 / urllib)", lambda r: data_uris(py_attachment(r)))
    cases["html_data_b64"] = (dr[0], attach((page % uri[0]).encode(), "text/html",
                                            "open.html"), dr[1])
    cases["html_data_pct"] = (dr[0], attach((page % uri[1]).encode(), "text/html",
                                            "open.html"), dr[1])
    body = HEAD % "html" + "Content-Type: text/html\nContent-Transfer-Encoding: base64\n\n"
    cases["html_body_data_b64"] = (dr[0], (body + b64((page % uri[0]).encode()) + "\n").encode(),
                                   dr[1])
    b = base64.b64encode(P).decode()
    smug = ("<html><body><script>\nvar d = atob(\"%s\");\nvar a = new Uint8Array(d.length);\n"
            "for (var i = 0; i < d.length; i++) a[i] = d.charCodeAt(i);\n"
            "var l = document.createElement(\"a\");\n"
            "l.href = URL.createObjectURL(new Blob([a]));\nl.download = \"invoice.bin\";\n"
            "l.click();\n</script></body></html>\n" % b)
    ar = ("atob() literal (Python base64)", lambda r: atob_literals(py_attachment(r)))
    cases["html_smuggling_atob"] = (ar[0], attach(smug.encode(), "text/html", "invoice.html"),
                                    ar[1])
    cases["html_smuggling_split"] = (ar[0], attach(mkreaders.smuggle_html(P), "text/html",
                                                   "invoice.html"), ar[1])
    cases["svg_data_uri"] = (dr[0], attach(mkreaders.data_svg(P), "image/svg+xml",
                                           "image.svg"), dr[1])


def tnef(payload, name="invoice.bin"):
    """A winmail.dat: TNEF version, one attachment (title, data)."""
    def attr(level, aid, data):
        return (struct.pack("<BII", level, aid, len(data)) + data +
                struct.pack("<H", sum(data) & 0xFFFF))
    out = struct.pack("<IH", 0x223E9F78, 0x0101)
    out += attr(1, 0x00089006, struct.pack("<I", 0x00010000))
    out += attr(1, 0x00069007, struct.pack("<II", 1252, 0))
    out += attr(2, 0x00069002, bytes(14))
    out += attr(2, 0x00018010, name.encode() + b"\0")
    out += attr(2, 0x0006800F, payload)
    return out


def tnef_cases(cases):
    cases["tnef_winmail"] = ("tnef", attach(tnef(P), "application/ms-tnef", "winmail.dat"),
                             lambda r: tnef_files(py_attachment(r)))


def main():
    global P, TMP
    out = sys.argv[1]
    clean = "--clean" in sys.argv[2:]
    P = CLEAN if clean else REAL
    os.makedirs(os.path.join(out, "sigs"), exist_ok=True)
    TMP = tempfile.mkdtemp(prefix="partscan-evasions-")
    try:
        cases = {}
        for build in (header_cases, encoding_cases, archive_cases, ole_cases, pdf_cases,
                      apple_cases, pgp_cases, smime_cases, html_cases, tnef_cases):
            build(cases)
        with open(os.path.join(out, "cases.tsv"), "w") as tsv:
            for name, (reader, raw, fn) in cases.items():
                try:
                    ok = P in fn(raw)
                    note = "" if ok else "the reference reader does not give the file back"
                except Exception as e:  # a reader that fails on the case: no evasion
                    ok, note = False, "reference reader failed: %s" % type(e).__name__
                tsv.write("%s\t%s\t%s\t%s\n" % (name, reader, "ok" if ok else "dropped", note))
                where = out if ok else os.path.join(out, "dropped")
                os.makedirs(where, exist_ok=True)
                with open(os.path.join(where, name + ".eml"), "wb") as f:
                    f.write(raw)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    with open(os.path.join(out, "sigs", "evasion.hdb"), "w") as f:
        f.write("%s:%d:Evasion.Payload.MD5\n" % (hashlib.md5(REAL).hexdigest(), len(REAL)))
    with open(os.path.join(out, "sigs", "evasion.hsb"), "w") as f:
        f.write("%s:%d:Evasion.Payload.SHA256\n" % (hashlib.sha256(REAL).hexdigest(),
                                                      len(REAL)))


if __name__ == "__main__":
    main()
