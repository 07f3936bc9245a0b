#!/usr/bin/env python3
"""Make RAR 4 and RAR 5 archives for test_archives.sh, written from the format's headers.

    mkrar.py OUTDIR FILE

Writes into OUTDIR, each holding FILE (its base name) once, written on Unix (mode 0100644):
  store4.rar  RAR 4, the file stored (method 0x30)
  ppmd4.rar   RAR 4, method 0x33, the data's first block a PPMd block asking for a 256 MiB
              model (0xff: 256 MiB less one); the rest is the stored bytes (not PPMd data)
  notype4.rar RAR 4, stored, its Unix mode 0644 without the file-type bits
  store5.rar  RAR 5, the file stored (method 0)
  win5.rar    RAR 5, method 1 with a 64 MiB dictionary (128 KiB << 9); the data is the
              stored bytes (not compressed data)
  notype5.rar RAR 5, stored, mode 0644; dir5.rar: mode 040755 (a directory), with the data
  grow5.rar   RAR 5, a compressed file (128 KiB dictionary), then FILE stored with 64 MiB
  main5.rar   win5.rar whose main header says it has a data area (of 2 GiB)
  main4.rar   ppmd4.rar whose archive header has flag 0x8000 (no size follows for it)
No RAR tool writes archives in Debian: the headers here follow RARLAB's format notes, and
libarchive (what partscan reads them with) checks their CRCs.
"""
import os
import struct
import sys
import zlib


def rar4(name, data, method, first=b"", mode=0o100644, main_flags=0):
    """A RAR 4 archive: marker, archive header, one file header (its data first + data)."""
    def block(body):  # body from HEAD_TYPE on; HEAD_CRC: the CRC32's low 16 bits
        return struct.pack("<H", zlib.crc32(body) & 0xffff) + body

    # the archive header's reserved bytes (7-10) read as a size if 0x8000 counted for it
    main = block(struct.pack("<BHHHI", 0x73, main_flags, 13, 0, 0x100000))
    packed = first + data
    fname = name.encode()
    head = struct.pack("<BHH", 0x74, 0x8000, 32 + len(fname))
    head += struct.pack("<IIBIIBBHI", len(packed), len(data), 3, zlib.crc32(data),
                        0x5a210000, 29, method, len(fname), mode)
    head += fname
    end = bytes.fromhex("c43d7b00400700")
    return b"Rar!\x1a\x07\x00" + main + block(head) + packed + end


def vint(n):
    out = bytearray()
    while True:
        b = n & 0x7f
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def rar5_header(fields):  # CRC32 over the size and the fields
    body = vint(len(fields)) + fields
    return struct.pack("<I", zlib.crc32(body)) + body


def rar5_file(name, data, method, dict_log, mode=0o100644):
    fname = name.encode()
    info = method << 7 | dict_log << 10
    fields = vint(2) + vint(0x02) + vint(len(data))           # type, flags (data), data size
    fields += vint(0x04) + vint(len(data)) + vint(mode)       # CRC32 present, size, attributes
    fields += struct.pack("<I", zlib.crc32(data))
    fields += vint(info) + vint(1) + vint(len(fname)) + fname  # compression, Unix, name
    return rar5_header(fields) + data


def rar5(name, data, method, dict_log, mode=0o100644, files=None, main_data=None):
    """A RAR 5 archive: signature, main header, file headers with their data, end. files:
    more (name, data, method, dict_log) after the first; main_data: the main header says it
    has a data area of that size (libarchive reads none: the next header follows)."""
    main = (rar5_header(vint(1) + vint(0x02) + vint(main_data) + vint(0))
            if main_data is not None else rar5_header(vint(1) + vint(0) + vint(0)))
    body = rar5_file(name, data, method, dict_log, mode)
    for f in files or ():
        body += rar5_file(*f)
    end = rar5_header(vint(5) + vint(0) + vint(0))
    return b"Rar!\x1a\x07\x01\x00" + main + body + end


def main():
    out, path = sys.argv[1], sys.argv[2]
    name = os.path.basename(path)
    data = open(path, "rb").read()
    files = {
        "store4.rar": rar4(name, data, 0x30),
        # the first bit says PPMd, then flags 0x20 (a model size follows) | order 7, then the size
        "ppmd4.rar": rar4(name, data, 0x33, bytes([0x80 | 0x20 | 0x06, 0xff])),
        "notype4.rar": rar4(name, data, 0x30, mode=0o644),
        "store5.rar": rar5(name, data, 0, 0),
        "win5.rar": rar5(name, data, 1, 9),
        "notype5.rar": rar5(name, data, 0, 0, 0o644),
        "dir5.rar": rar5(name, data, 0, 0, 0o40755),
        # a stored file's 64 MiB dictionary after a compressed one's 128 KiB: libarchive grows
        # the window to it
        "grow5.rar": rar5("a.bin", b"x" * 64, 1, 0, files=[(name, data, 0, 9)]),
        # the main header claims a data area libarchive does not skip
        "main5.rar": rar5(name, data, 1, 9, main_data=0x7fffffff),
        # the archive header's flag 0x8000 adds no size for libarchive
        "main4.rar": rar4(name, data, 0x33, bytes([0x80 | 0x20 | 0x06, 0xff]),
                          main_flags=0x8000),
    }
    os.makedirs(out, exist_ok=True)
    for fname, b in files.items():
        with open(os.path.join(out, fname), "wb") as f:
            f.write(b)


if __name__ == "__main__":
    main()
