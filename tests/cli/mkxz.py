#!/usr/bin/env python3
"""Write an xz stream by hand, block by block, for the decoder-memory tests.

mkxz.py OUT PAYLOAD [--forge] [--zipdd CLEAN_ZIP]

Two blocks, each LZMA2 made of uncompressed chunks (the bytes appear as they are):
block 1 claims a 1 MiB dictionary and holds PAYLOAD, block 2 claims 1536 MiB and holds a
few bytes. With --forge, block 1's data also holds, at a 4-byte boundary of the stream, an
index and a footer that agree with the stream header and read back to its start: a footer
forged inside a block's uncompressed chunk, which ends the stream early for a reader that
takes the first footer it can walk back from. xz -t reads the whole stream either way.

With --zipdd, OUT is a zip entry (method 95, sizes left to its data descriptor, no central
directory) holding the stream, followed by the bytes of CLEAN_ZIP: a first zip that only a
streaming reading finds.
"""
import struct
import sys
import zlib


def vli(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def dict_byte(size):
    for b in range(40):
        if (2 | (b & 1)) << (b // 2 + 11) == size:
            return b
    raise ValueError(size)


FLAGS = b"\x00\x01"  # CRC32 check
HEADER = b"\xfd7zXZ\x00" + FLAGS + struct.pack("<I", zlib.crc32(FLAGS))


def block_header(dict_size):
    body = bytes([0x00, 0x21, 0x01, dict_byte(dict_size)])  # one filter: LZMA2
    size = len(body) + 1 + 4
    size += -size % 4
    h = pad4(bytes([size // 4 - 1]) + body)
    h = h + b"\0" * (size - 4 - len(h))
    return h + struct.pack("<I", zlib.crc32(h))


def lzma2_stored(data):
    out = bytearray()
    for i in range(0, len(data), 65536):
        piece = data[i:i + 65536]
        out += bytes([0x01 if i == 0 else 0x02]) + struct.pack(">H", len(piece) - 1) + piece
    return bytes(out) + b"\0"


def index_and_footer(records):
    idx = b"\0" + vli(len(records))
    for unpadded, usize in records:
        idx += vli(unpadded) + vli(usize)
    idx = pad4(idx)
    idx += struct.pack("<I", zlib.crc32(idx))
    back = struct.pack("<I", len(idx) // 4 - 1) + FLAGS
    return idx + struct.pack("<I", zlib.crc32(back)) + back + b"YZ"


def block(dict_size, data):
    h = block_header(dict_size)
    comp = lzma2_stored(data)
    unpadded = len(h) + len(comp) + 4
    return pad4(h + comp) + struct.pack("<I", zlib.crc32(data)), unpadded


def stream(payload, forge):
    data1 = payload
    if forge:
        h = block_header(1 << 20)
        # block 1's data byte k lies at 12 + len(h) + 3 + k in the stream (first chunk)
        at = 12 + len(h) + 3 + len(payload)
        fill = -at % 4
        forged = index_and_footer([(at + fill - 12, 1)])
        data1 = payload + b"\0" * fill + forged + b"after the forged footer"
        assert len(data1) <= 65536
    b1, u1 = block(1 << 20, data1)
    b2, u2 = block(1536 << 20, b"the second block")
    return (HEADER + b1 + b2 + index_and_footer([(u1, len(data1)), (u2, 16)]),
            data1 + b"the second block")


def main():
    out, payload = sys.argv[1], open(sys.argv[2], "rb").read()
    xz, plain = stream(payload, "--forge" in sys.argv)
    if "--zipdd" in sys.argv:
        clean = open(sys.argv[sys.argv.index("--zipdd") + 1], "rb").read()
        name = b"clam.exe"
        local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 63, 0x0008, 95, 0, 0x21, 0, 0, 0,
                            len(name), 0) + name
        dd = struct.pack("<IIII", 0x08074B50, zlib.crc32(plain), len(xz), len(plain))
        xz = local + xz + dd + clean
    open(out, "wb").write(xz)


if __name__ == "__main__":
    main()
