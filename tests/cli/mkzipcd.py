#!/usr/bin/env python3
"""mkzipcd.py DIR PAYLOAD: zips whose central directory lists a member otherwise than its
local header (or than libarchive finds it), written header by header. Each hides PAYLOAD
where unzip and Python's zipfile extract it from the central directory:

  decoy.zip      member B after a fake central header, the end record behind a 17,000-byte
                 comment (libarchive looks for it in the last 16 KiB, then stops at the fake)
  shifted.zip    the same decoy, the directory offset larger than the bytes before it
  lhsize.zip     stored, the local header's sizes (and CRC) those of 10 bytes, the
                 directory's the payload's
  lhmethod.zip   the local header says stored, the directory deflate
  sameoff.zip    two directory entries at one local header offset, the first listing 10
                 bytes of the payload, the second all of it (libarchive keeps the first)
  lhname.zip     the local header names it run.txt, the directory run.js
  count1.zip     the decoy, its end record counting one of the directory's two entries
  comlen.zip     the decoy, the end record's comment claiming more than the bytes hold
  usize1.zip     the decoy, the stored payload declared 1 byte long in the directory
  backslash.zip  Windows names (a\\b.txt), empty entries: no payload, nothing to add
  plain.zip      a well-formed zip of the payload and a text (the control)

The test compares each with Python's zipfile (and unzip where it extracts).
"""
import os
import struct
import sys
import zlib


def local(name, method, csize, usize, crc, flags=0):
    return struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, flags, method, 0, 0, crc, csize, usize,
                       len(name), 0) + name


def central(name, method, csize, usize, crc, offset, flags=0):
    return struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 20, 20, flags, method, 0, 0, crc,
                       csize, usize, len(name), 0, 0, 0, 0, 0, offset) + name


def end(count, cd_size, cd_offset, comment=b''):
    return struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, count, count, cd_size, cd_offset,
                       len(comment)) + comment


def raw_deflate(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def main():
    out, payload = sys.argv[1], open(sys.argv[2], 'rb').read()
    crc = zlib.crc32(payload)
    hello = b'hello\n'
    zips = {}

    # the decoy: A, a fake central header, B; the directory lists A and B
    a = local(b'readme.txt', 0, len(hello), len(hello), zlib.crc32(hello)) + hello
    fake = b'PK\x01\x02' + b'\0' * 42
    off_b = len(a) + len(fake)
    b = local(b'notes.txt', 0, len(payload), len(payload), crc) + payload
    body = a + fake + b
    cd = (central(b'readme.txt', 0, len(hello), len(hello), zlib.crc32(hello), 0) +
          central(b'notes.txt', 0, len(payload), len(payload), crc, off_b))
    zips['decoy.zip'] = body + cd + end(2, len(cd), len(body), b' ' * 17000)
    # the same, its directory offset 100 bytes more than the bytes before it (Python takes
    # the directory right before the end record and shifts every offset back)
    cd = (central(b'readme.txt', 0, len(hello), len(hello), zlib.crc32(hello), 100) +
          central(b'notes.txt', 0, len(payload), len(payload), crc, off_b + 100))
    zips['shifted.zip'] = body + cd + end(2, len(cd), len(body) + 100, b' ' * 17000)

    # local header sizes of 10 bytes
    body = local(b'readme.txt', 0, 10, 10, zlib.crc32(payload[:10])) + payload
    cd = central(b'readme.txt', 0, len(payload), len(payload), crc, 0)
    zips['lhsize.zip'] = body + cd + end(1, len(cd), len(body))

    # local header stored, directory deflate
    d = raw_deflate(payload)
    body = local(b'readme.txt', 0, len(d), len(d), zlib.crc32(d)) + d
    cd = central(b'readme.txt', 8, len(d), len(payload), crc, 0)
    zips['lhmethod.zip'] = body + cd + end(1, len(cd), len(body))

    # two entries at one offset (a local header with a data descriptor, no sizes): the first
    # lists 10 bytes of the payload, the second all of it
    body = (local(b'readme.txt', 0, 0, 0, 0, flags=8) + payload +
            struct.pack('<IIII', 0x08074b50, crc, len(payload), len(payload)))
    cd = (central(b'readme.txt', 0, 10, 10, zlib.crc32(payload[:10]), 0, flags=8) +
          central(b'readme.txt', 0, len(payload), len(payload), crc, 0, flags=8))
    zips['sameoff.zip'] = body + cd + end(2, len(cd), len(body))

    # the local header's name is not the directory's
    body = local(b'run.txt', 0, len(payload), len(payload), crc) + payload
    cd = central(b'run.js', 0, len(payload), len(payload), crc, 0)
    zips['lhname.zip'] = body + cd + end(1, len(cd), len(body))

    # the decoy, its end record counting one entry of two (Python walks the directory to its
    # end)
    a = local(b'readme.txt', 0, len(hello), len(hello), zlib.crc32(hello)) + hello
    body = a + fake + local(b'notes.txt', 0, len(payload), len(payload), crc) + payload
    cd = (central(b'readme.txt', 0, len(hello), len(hello), zlib.crc32(hello), 0) +
          central(b'notes.txt', 0, len(payload), len(payload), crc, len(a) + len(fake)))
    zips['count1.zip'] = body + cd + end(1, len(cd), len(body), b' ' * 17000)
    # the fake central header, and an end record whose comment claims more than is there
    a = local(b'readme.txt', 0, len(hello), len(hello), zlib.crc32(hello)) + hello
    body = a + fake + local(b'notes.txt', 0, len(payload), len(payload), crc) + payload
    cd = (central(b'readme.txt', 0, len(hello), len(hello), zlib.crc32(hello), 0) +
          central(b'notes.txt', 0, len(payload), len(payload), crc, len(a) + len(fake)))
    e = end(2, len(cd), len(body), b' ' * 17000)
    zips['comlen.zip'] = body + cd + e[:20] + struct.pack('<H', 30000) + e[22:]
    # stored, the directory declaring 1 byte (extractors write the compressed size's bytes)
    body = a + fake + local(b'notes.txt', 0, len(payload), len(payload), crc) + payload
    cd = (central(b'readme.txt', 0, len(hello), len(hello), zlib.crc32(hello), 0) +
          central(b'notes.txt', 0, len(payload), 1, crc, len(a) + len(fake)))
    zips['usize1.zip'] = body + cd + end(2, len(cd), len(body), b' ' * 17000)
    # Windows names with backslashes, empty entries: nothing to add (no copy, no limit)
    parts, cd, off = b'', b'', 0
    for name, data in ((b'a\\empty.txt', b''), (b'a\\b.txt', hello), (b'dir\\', b''),
                       (b'ok.txt', hello)):
        lh = local(name, 0, len(data), len(data), zlib.crc32(data)) + data
        cd += central(name, 0, len(data), len(data), zlib.crc32(data), off)
        parts += lh
        off += len(lh)
    zips['backslash.zip'] = parts + cd + end(4, len(cd), len(parts))

    # the control
    a = local(b'notes.txt', 0, len(payload), len(payload), crc) + payload
    b = local(b'readme.txt', 8, len(raw_deflate(hello)), len(hello),
              zlib.crc32(hello)) + raw_deflate(hello)
    cd = (central(b'notes.txt', 0, len(payload), len(payload), crc, 0) +
          central(b'readme.txt', 8, len(raw_deflate(hello)), len(hello), zlib.crc32(hello),
                  len(a)))
    zips['plain.zip'] = a + b + cd + end(2, len(cd), len(a) + len(b))

    for name, data in zips.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)


main()
