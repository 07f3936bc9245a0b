"""mk7z.py IN OUT DICT_MIB [packed]: a copy of the 7z archive IN (one LZMA2 folder, its header
not packed: 7z a -m0=lzma2 of one small file) whose coder claims a dictionary of DICT_MIB MiB
(2^n or 3 * 2^(n-1)), the CRCs written again; with "packed" the header is then packed with LZMA
(kEncodedHeader), as 7-Zip packs the headers of larger archives. 7z reads both (a dictionary
larger than the data changes nothing in the output).
"""
import lzma, struct, sys, zlib

def num(v):
    for n in range(9):
        if n == 8 or v < (1 << (7 * (n + 1))):
            break
    if n == 8:
        return b"\xff" + struct.pack("<Q", v)
    hi = v >> (8 * n)
    return bytes([(0xff00 >> n) & 0xff | hi]) + v.to_bytes(8, "little")[:n]

d = bytearray(open(sys.argv[1], "rb").read())
off, size = struct.unpack("<QQ", d[12:28])
h = bytearray(d[32 + off:32 + off + size])
assert h[0] == 1, "the header is packed already"
i = h.find(b"\x0b\x01\x00\x01\x21\x21\x01")
assert i > 0, "no single LZMA2 coder"
dict_b = [b for b in range(40) if (2 | (b & 1)) << (b // 2 + 11) == int(sys.argv[3]) << 20][0]
h[i + 7] = dict_b
body = bytes(d[32:32 + off])
if len(sys.argv) > 4:
    f = [{"id": lzma.FILTER_LZMA1, "dict_size": 1 << 16}]
    packed = lzma.compress(bytes(h), format=lzma.FORMAT_RAW, filters=f)
    props = bytes([3 + 9 * 0 + 45 * 2]) + struct.pack("<I", 1 << 16)  # lc=3 lp=0 pb=2
    eh = (b"\x17\x06" + num(off) + b"\x01\x09" + num(len(packed)) + b"\x00"
          + b"\x07\x0b\x01\x00\x01\x23\x03\x01\x01\x05" + props + b"\x0c" + num(len(h))
          + b"\x0a\x01" + struct.pack("<I", zlib.crc32(bytes(h))) + b"\x00\x00")
    body += packed
    h = eh
start = struct.pack("<QQI", len(body), len(h), zlib.crc32(bytes(h)))
out = d[:8] + struct.pack("<I", zlib.crc32(start)) + start + body + bytes(h)
open(sys.argv[2], "wb").write(out)
