#!/usr/bin/python3
"""Reference signatures for PE files, made with pefile (the tests' reference implementation).

pe_sigs.py KIND FILE NAME  prints signature lines for FILE named NAME:
  mdb     SIZE:MD5:NAME      per section (raw bytes as ClamAV takes them, see below)
  msb     SIZE:SHA256:NAME   per section
  msb1    SIZE:SHA1:NAME     per section
  imp     MD5:SIZE:NAME      pefile's get_imphash() and the length of the list it hashes
  sections                   "INDEX RAW SIZE" per hashed section

Sections: pefile reads the headers; the bytes are PointerToRawData aligned down to
FileAlignment, SizeOfRawData aligned up, cut at the end of the file, empty ones skipped (as
libclamav). Where the header fields are already aligned this is exactly pefile's
section.get_data(), which is asserted.
"""
import hashlib
import sys

import pefile


def sections(pe, data):
    fa = pe.OPTIONAL_HEADER.FileAlignment
    for i, s in enumerate(pe.sections):
        raw = s.PointerToRawData // fa * fa if fa else s.PointerToRawData
        rsz = -(-s.SizeOfRawData // fa) * fa if fa else s.SizeOfRawData
        if raw >= len(data):
            continue
        rsz = min(rsz, len(data) - raw)
        if rsz == 0:
            continue
        body = data[raw:raw + rsz]
        if fa and s.PointerToRawData % fa == 0 and s.SizeOfRawData % fa == 0 \
                and s.PointerToRawData % 0x200 == 0 and raw + s.SizeOfRawData <= len(data):
            assert s.get_data() == body, "pefile disagrees on section %d" % i
        yield i, raw, body


def imp_list(pe):
    # the string pefile's get_imphash() hashes (pefile 2023.2.7 spells it out the same way)
    import ordlookup
    out = []
    for entry in getattr(pe, "DIRECTORY_ENTRY_IMPORT", []):
        libname = entry.dll.decode().lower()
        parts = libname.rsplit(".", 1)
        if len(parts) > 1 and parts[1] in ("ocx", "sys", "dll"):
            libname = parts[0]
        for imp in entry.imports:
            if not imp.name:
                fn = ordlookup.ordLookup(entry.dll.lower(), imp.ordinal, make_name=True)
            else:
                fn = imp.name
            if not fn:
                continue
            if isinstance(fn, bytes):
                fn = fn.decode()
            out.append("%s.%s" % (libname, fn.lower()))
    return ",".join(out)


def main():
    kind, path, name = sys.argv[1], sys.argv[2], sys.argv[3]
    data = open(path, "rb").read()
    pe = pefile.PE(data=data)
    if kind == "imp":
        lst = imp_list(pe)
        ref = pe.get_imphash()
        if lst:
            assert hashlib.md5(lst.encode()).hexdigest() == ref, "list differs from pefile's"
            print("%s:%d:%s" % (ref, len(lst), name))
        return
    for i, raw, body in sections(pe, data):
        if kind == "mdb":
            print("%d:%s:%s" % (len(body), hashlib.md5(body).hexdigest(), name))
        elif kind == "msb":
            print("%d:%s:%s" % (len(body), hashlib.sha256(body).hexdigest(), name))
        elif kind == "msb1":
            print("%d:%s:%s" % (len(body), hashlib.sha1(body).hexdigest(), name))
        elif kind == "sections":
            print("%d %d %d" % (i, raw, len(body)))


main()
