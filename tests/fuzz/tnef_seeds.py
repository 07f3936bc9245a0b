#!/usr/bin/env python3
"""Seeds of fuzz_tnef: small TNEF streams (MS-OXTNEF) with a harmless payload, one for each
way mime/tnef.c finds an attachment: attAttachData with attAttachTitle, PR_ATTACH_DATA_BIN
and a UTF-16 PR_ATTACH_LONG_FILENAME among named and multi-valued properties, an OLE object
and an attached message (a TNEF within the TNEF) in PR_ATTACH_DATA_OBJ.

  tnef_seeds.py DIR
"""
import os
import struct
import sys

SIG = struct.pack("<IH", 0x223E9F78, 1)
STG = bytes.fromhex("0b0d020000000000c000000000000046")
MSG = bytes.fromhex("0703020000000000c000000000000046")
PAYLOAD = b"partscan fuzz seed: harmless text.\n" * 4


def attr(level, aid, data):
    return struct.pack("<BII", level, aid, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)


def prop(ptype, pid, v):
    return struct.pack("<HHII", ptype, pid, 1, len(v)) + v + bytes(-len(v) % 4)


REND = attr(2, 0x00069002, struct.pack("<HIIhhI", 6, 0xFFFFFFFF, 0, -1, -1, 0))
CODEPAGE = attr(1, 0x00069007, struct.pack("<II", 1252, 0))


def props(*ps):
    return attr(2, 0x00069005, struct.pack("<I", len(ps)) + b"".join(ps))


def seeds():
    classic = SIG + CODEPAGE + REND + attr(2, 0x00018010, b"invoice.txt\0") + \
        attr(2, 0x0006800F, PAYLOAD)
    named = (struct.pack("<HH", 0x0003, 0x8005) + bytes(16) + struct.pack("<II", 0, 0x8233) +
             struct.pack("<I", 7))
    multi = struct.pack("<HHI", 0x1003, 0x3a00, 2) + struct.pack("<II", 1, 2)
    bin_ = SIG + REND + props(prop(0x001F, 0x3707, "report.txt\0".encode("utf-16-le")), named,
                              multi, prop(0x0102, 0x3701, PAYLOAD))
    obj = SIG + REND + props(prop(0x001E, 0x3707, b"obj.bin\0"), prop(0x000D, 0x3701, STG + PAYLOAD))
    msg = SIG + REND + props(prop(0x001E, 0x3707, b"fwd\0"), prop(0x000D, 0x3701, MSG + classic))
    two = classic + REND + attr(2, 0x00018010, b"second.txt\0") + attr(2, 0x0006800F, PAYLOAD[:40])
    return {"classic.tnef": classic, "bin.tnef": bin_, "obj.tnef": obj, "msg.tnef": msg,
            "two.tnef": two}


if __name__ == "__main__":
    for name, blob in seeds().items():
        with open(os.path.join(sys.argv[1], name), "wb") as f:
            f.write(blob)
