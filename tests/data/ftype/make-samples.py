#!/usr/bin/env python3
"""Hand-built ftype fixtures for formats no Debian tool writes (called by make-samples.sh).

Each sample is the smallest file that is valid by its format's specification as far as
ftype's checks (and, for OLE2, python3-olefile) can tell. Deterministic: no clocks, no
randomness. Usage: make-samples.py OUTDIR
"""
import os
import struct
import sys
import zlib
import hashlib

OUT = sys.argv[1] if len(sys.argv) > 1 else "."


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


# ---- OLE2 compound file writer (version 3, 512-byte sectors, mini stream below 4096) ----

ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


class Storage:
    def __init__(self, name, children=(), clsid=b"\0" * 16):
        self.name, self.children, self.clsid = name, list(children), clsid


class Stream:
    def __init__(self, name, data):
        self.name, self.data = name, data


def _key(node):
    return (len(node.name), node.name.upper())


def ole2(root_children, root_clsid=b"\0" * 16):
    root = Storage("Root Entry", root_children, root_clsid)
    nodes = [root]          # directory order
    info = {}               # id(node) -> dict(left, right, child)

    def add(storage):
        kids = sorted(storage.children, key=_key)
        for k in kids:
            nodes.append(k)
        # balanced BST over the sorted children (all black)

        def build(lo, hi):
            if lo >= hi:
                return NOSTREAM
            mid = (lo + hi) // 2
            n = kids[mid]
            info[id(n)]["left"] = build(lo, mid)
            info[id(n)]["right"] = build(mid + 1, hi)
            return nodes.index(n)
        for k in kids:
            info[id(k)] = {"left": NOSTREAM, "right": NOSTREAM, "child": NOSTREAM}
        info[id(storage)]["child"] = build(0, len(kids))
        for k in kids:
            if isinstance(k, Storage):
                add(k)

    info[id(root)] = {"left": NOSTREAM, "right": NOSTREAM, "child": NOSTREAM}
    add(root)

    # mini stream: streams below the cutoff, 64-byte mini sectors
    mini = bytearray()
    minifat = []
    start = {}
    for n in nodes:
        if isinstance(n, Stream) and len(n.data) < 4096:
            first = len(mini) // 64
            count = max(1, (len(n.data) + 63) // 64)
            start[id(n)] = first if n.data else ENDOFCHAIN
            if n.data:
                minifat += [first + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
                mini += n.data + b"\0" * (count * 64 - len(n.data))
    big = [n for n in nodes if isinstance(n, Stream) and len(n.data) >= 4096]

    def nsec(b):
        return (b + 511) // 512

    ndir = nsec(len(nodes) * 128)
    nminifat = nsec(len(minifat) * 4)
    nmini = nsec(len(mini))
    nbig = sum(nsec(len(n.data)) for n in big)
    nfat = 1
    while nfat * 128 < nfat + ndir + nminifat + nmini + nbig:
        nfat += 1
    assert nfat <= 109
    fat = [FATSECT] * nfat
    sectors = []

    def chain(data):
        first = len(fat)
        count = nsec(len(data))
        for i in range(count):
            fat.append(first + i + 1 if i < count - 1 else ENDOFCHAIN)
        sectors.append(data + b"\0" * (count * 512 - len(data)))
        return first

    dir_first_index = len(fat)
    dir_placeholder = len(sectors)
    chain(b"\0" * (ndir * 512))
    minifat_first = chain(b"".join(struct.pack("<I", x) for x in minifat)) if minifat else ENDOFCHAIN
    mini_first = chain(bytes(mini)) if mini else ENDOFCHAIN
    for n in big:
        start[id(n)] = chain(n.data)
    fat += [FREESECT] * (nfat * 128 - len(fat))

    entries = bytearray()
    for n in nodes:
        name = n.name.encode("utf-16-le") + b"\0\0"
        if n is root:
            typ, first, size = 5, mini_first, len(mini)
        elif isinstance(n, Storage):
            typ, first, size = 1, 0, 0
        else:
            typ, first, size = 2, start[id(n)], len(n.data)
        clsid = n.clsid if isinstance(n, Storage) else b"\0" * 16
        e = info[id(n)]
        entries += struct.pack("<64sHBBIII16sIQQIQ", name, len(name), typ, 1, e["left"],
                               e["right"], e["child"], clsid, 0, 0, 0, first, size)
    entries += (b"\0" * 64 + struct.pack("<HBBIII", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM)
                + b"\0" * 48) * (ndir * 4 - len(nodes))
    sectors[dir_placeholder] = bytes(entries)

    difat = list(range(nfat)) + [FREESECT] * (109 - nfat)
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
                         b"\0" * 16, 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6, 0, nfat,
                         dir_first_index, 0, 4096, minifat_first, nminifat, ENDOFCHAIN, 0)
    header += struct.pack("<109I", *difat)
    fatbytes = b"".join(struct.pack("<I", x) for x in fat)
    return header + fatbytes + b"".join(sectors)


def fib(encrypted=False):
    # Word FIB: wIdent 0xA5EC, nFib 0x00C1, flags at 0x0A (fEncrypted 0x0100); padded so
    # that the stream lives in regular sectors as in real documents
    flags = 0x0100 if encrypted else 0
    return struct.pack("<HHHHHH", 0xA5EC, 0x00C1, 0, 0x0409, 0, flags) + b"\0" * 4596


def vba_storage():
    return Storage("VBA", [Stream("dir", b"\x01" * 40), Stream("_VBA_PROJECT", b"\xcc\x61" + b"\0" * 5),
                           Stream("ThisDocument", b"Attribute VB_Name = \"ThisDocument\"\r\n")])


def make_ole2():
    write("ole2-generic.ole", ole2([Stream("Contents", b"partscan test stream\n")]))
    write("word.doc", ole2([Stream("WordDocument", fib()), Stream("1Table", b"\0" * 600),
                            Stream("\x05SummaryInformation", b"\xfe\xff" + b"\0" * 46)]))
    write("word-macros.doc", ole2([
        Stream("WordDocument", fib()), Stream("1Table", b"\0" * 600),
        Storage("Macros", [vba_storage(), Stream("PROJECT", b"ID=\"{00000000-0000-0000-0000-000000000000}\"\r\n"),
                           Stream("PROJECTwm", b"ThisDocument\0T\0h\0\0\0\0\0")])]))
    write("word-encrypted.doc", ole2([Stream("WordDocument", fib(True)), Stream("1Table", b"\0" * 600)]))
    # a Word document embedding an Outlook item: the root's children make it a doc
    write("word-embeds-msg.doc", ole2([
        Stream("WordDocument", fib()), Stream("1Table", b"\0" * 600),
        Storage("ObjectPool", [Storage("_1234567890", [
            Stream("__substg1.0_0037001F", "embedded".encode("utf-16-le")),
            Stream("__properties_version1.0", b"\0" * 32)])])]))
    write("excel.xls", ole2([Stream("Workbook", b"\x09\x08\x10\x00" + b"\0" * 200)]))
    write("excel-macros.xls", ole2([
        Stream("Workbook", b"\x09\x08\x10\x00" + b"\0" * 200),
        Storage("_VBA_PROJECT_CUR", [vba_storage(), Stream("PROJECT", b"ID=\"{0}\"\r\n")])]))
    write("slides.ppt", ole2([Stream("PowerPoint Document", b"\0" * 300),
                              Stream("Current User", b"\0" * 40)]))
    # an Outlook message with a Word attachment: the root's children make it a msg
    write("outlook.msg", ole2([
        Stream("__substg1.0_0037001F", "Subject".encode("utf-16-le")),
        Stream("__properties_version1.0", b"\0" * 32),
        Storage("__attach_version1.0_#00000000", [
            Stream("__properties_version1.0", b"\0" * 16),
            Storage("__substg1.0_3701000D", [Stream("WordDocument", fib()),
                                             Stream("1Table", b"\0" * 100)])])]))
    # encrypted OOXML (agile encryption) is an OLE2 file with these two streams
    write("encrypted-ooxml.docx", ole2([
        Stream("EncryptionInfo", b"\x04\x00\x04\x00\x40\x00\x00\x00<?xml version=\"1.0\"?>"),
        Stream("EncryptedPackage", struct.pack("<Q", 1000) + b"\x5a" * 1008),
        Storage("\x06DataSpaces", [Stream("Version", b"\0" * 76)])]))


# ---- executables ----

def make_exec():
    # DOS MZ program without a PE header: 1 page of 64 bytes, code "mov ax,4c00h; int 21h"
    hdr = struct.pack("<2sHHHHHHHHHHHHH", b"MZ", 0x45, 1, 0, 4, 0, 0xFFFF, 0, 0xB8, 0, 0, 0,
                      0x40, 0)
    hdr += b"\0" * (0x3C - len(hdr)) + struct.pack("<I", 0)
    write("dos.exe", hdr + b"\xb8\x00\x4c\xcd\x21")
    # ELF32 header (i386 executable, no program headers: ftype reads the ident only)
    e = b"\x7fELF\x01\x01\x01" + b"\0" * 9
    e += struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, 0x08048054, 52, 0, 0, 52, 32, 0, 40, 0, 0)
    write("elf32", e)
    # Mach-O: thin 64-bit (x86_64 MH_EXECUTE, no load commands), thin 32-bit (big-endian ppc)
    write("macho64", struct.pack("<IiiIIIII", 0xFEEDFACF, 0x01000007, 3, 2, 0, 0, 0, 0))
    write("macho32-ppc", struct.pack(">IiiIIII", 0xFEEDFACE, 18, 0, 2, 0, 0, 0))
    # fat (universal): x86_64 + arm64 slices, each a thin header aligned to 4096
    thin_x = struct.pack("<IiiIIIII", 0xFEEDFACF, 0x01000007, 3, 2, 0, 0, 0, 0)
    thin_a = struct.pack("<IiiIIIII", 0xFEEDFACF, 0x0100000C, 0, 2, 0, 0, 0, 0)
    fat = struct.pack(">II", 0xCAFEBABE, 2)
    fat += struct.pack(">iiIII", 0x01000007, 3, 4096, len(thin_x), 12)
    fat += struct.pack(">iiIII", 0x0100000C, 0, 8192, len(thin_a), 12)
    fat = fat.ljust(4096, b"\0") + thin_x.ljust(4096, b"\0") + thin_a
    write("macho-fat", fat)
    write("classes.dex", dex())


def dex():
    # header-only DEX 035: file_size 0x70, header_size 0x70, endian tag; checksums filled
    h = bytearray(b"dex\n035\0" + b"\0" * 0x68)
    struct.pack_into("<III", h, 0x20, 0x70, 0x70, 0x12345678)
    h[12:32] = hashlib.sha1(bytes(h[32:])).digest()
    struct.pack_into("<I", h, 8, zlib.adler32(bytes(h[12:])))
    return bytes(h)


def make_shortcut():
    # ShellLinkHeader: size 0x4C, CLSID, LinkFlags 0 (nothing follows), attributes normal
    clsid = bytes.fromhex("0114020000000000c000000000000046")
    lnk = struct.pack("<I16sIIQQQIIIHHII", 0x4C, clsid, 0, 0x80, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0)
    write("shortcut.lnk", lnk + b"\0\0\0\0")


# ---- archives without a free writer ----

def crc16(data):
    return zlib.crc32(data) & 0xFFFF


def vint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def rar5_block(htype, body=b"", hflags=0):
    fields = vint(htype) + vint(hflags) + body
    hdr = vint(len(fields)) + fields
    return struct.pack("<I", zlib.crc32(hdr)) + hdr


def make_archives():
    # RAR 4: marker, main header (0x73), end of archive (0x7B); HEAD_CRC = low 16 bits of CRC32
    def rar4_block(htype, flags, extra=b""):
        body = struct.pack("<BHH", htype, flags, 7 + len(extra)) + extra
        return struct.pack("<H", crc16(body)) + body
    marker = b"Rar!\x1a\x07\x00"
    write("rar4.rar", marker + rar4_block(0x73, 0, b"\0" * 6) + rar4_block(0x7B, 0x4000))
    write("rar4-encrypted.rar", marker + rar4_block(0x73, 0x0080, b"\0" * 6) + rar4_block(0x7B, 0x4000))
    sig5 = b"Rar!\x1a\x07\x01\x00"
    write("rar5.rar", sig5 + rar5_block(1, vint(0)) + rar5_block(5, vint(0)))
    # RAR 5 with encrypted headers: encryption header (type 4) right after the signature
    enc = vint(0) + vint(0) + bytes([15]) + b"\x11" * 16
    write("rar5-encrypted.rar", sig5 + rar5_block(4, enc) + b"\x99" * 48)
    # ACE 2.0 main header: CRC16, size, type 0, flags, "**ACE**", versions, time, reserved
    body = struct.pack("<BH", 0, 0x8000) + b"**ACE**" + struct.pack("<BBBBI", 20, 20, 2, 0, 0)
    body += b"\0" * 8 + b"\0"  # reserved, av string length
    write("archive.ace", struct.pack("<HH", crc16(body), len(body)) + body)


# ---- disk images and documents without a free writer ----

def make_disk_and_docs():
    # DMG (UDIF): a data fork then the 512-byte "koly" trailer (version 4, header size 512)
    data = b"\0" * 1024
    koly = struct.pack(">4sIIIQQQQQII", b"koly", 4, 512, 1, 0, 0, len(data), 0, 0, 1, 1)
    write("image.dmg", data + koly.ljust(512, b"\0"))
    # OneNote section: the file format GUID then the rest of a 1024-byte header
    guid = bytes.fromhex("e4525c7b8cd8a74daeb15378d02996d3")
    write("notebook.one", guid + b"\0" * (1024 - 16))


for maker in (make_ole2, make_exec, make_shortcut, make_archives, make_disk_and_docs):
    maker()
