#!/usr/bin/env python3
"""Malformed milter-protocol input for partscan-milter (tests/cli/test_milter_faults.sh).

Each case opens a connection, sends its packets (bad lengths, a macro packet without its
final NUL, unknown commands, commands out of order, a disconnect in the middle of a body),
reads whatever comes back and closes. The case "sequences" then sends SEQUENCES seeded random
sequences of well-formed command packets in any order (negotiation, connect, HELO, MAIL,
RCPT, headers, end of headers, body, end of message, abort, macros, quit), one connection
each. The daemon must survive all of them.
Usage: milter_malformed.py SOCKET_PATH [CASE...] | --list
"""
import random
import socket
import struct
import sys

SEQUENCES = 300
SEED = 10


def pkt(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd + data


def optneg():
    return pkt(b"O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF))


def envelope():
    return [optneg(), pkt(b"C", b"client\0" + b"4" + struct.pack(">H", 25) + b"192.0.2.1\0"),
            pkt(b"M", b"<a@example.org>\0"), pkt(b"R", b"<b@example.net>\0")]


CASES = {
    "macro-value-without-nul": [optneg(), pkt(b"C", b"h\0U"),
                                pkt(b"D", b"Mi\0QUEUEIDWITHOUTNUL"),
                                pkt(b"M", b"<a@b>\0"), pkt(b"D", b"Ei\0Q"), pkt(b"E")],
    "macro-name-without-value": [optneg(), pkt(b"D", b"Mi"), pkt(b"M", b"<a@b>\0")],
    "macro-no-command": [optneg(), struct.pack(">I", 1) + b"D"],
    "length-zero": [optneg(), struct.pack(">I", 0)],
    "length-huge": [optneg(), struct.pack(">I", 0x7FFFFFFF) + b"B" + b"x" * 100],
    "length-longer-than-sent": [optneg(), struct.pack(">I", 5000) + b"B" + b"short"],
    "unknown-command": [optneg(), pkt(b"Z", b"whatever")],
    "connect-truncated": [optneg(), pkt(b"C", b"host")],
    "connect-without-nul": [optneg(), pkt(b"C", b"hostname-without-nul-4")],
    "helo-without-nul": [optneg(), pkt(b"C", b"h\0U"), pkt(b"H", b"nonul")],
    "mail-without-nul": [optneg(), pkt(b"C", b"h\0U"), pkt(b"M", b"<a@b>")],
    "header-without-nul": envelope() + [pkt(b"L", b"Subject")],
    "header-without-value-nul": envelope() + [pkt(b"L", b"Subject\0value")],
    "helo-without-connect": [optneg(), pkt(b"H", b"client.example.org\0")],
    "helo-without-connect-or-negotiation": [pkt(b"H", b"client.example.org\0")],
    "mail-without-connect": [optneg(), pkt(b"M", b"<a@example.org>\0"),
                             pkt(b"R", b"<b@example.net>\0"), pkt(b"N"), pkt(b"E")],
    "mail-without-connect-or-negotiation": [pkt(b"M", b"<a@example.org>\0"),
                                            pkt(b"R", b"<b@example.net>\0"), pkt(b"N"),
                                            pkt(b"B", b"body"), pkt(b"E")],
    "helo-mail-without-connect": [optneg(), pkt(b"H", b"h\0"), pkt(b"M", b"<a@b>\0"),
                                  pkt(b"L", b"Subject\0x\0"), pkt(b"N"), pkt(b"E")],
    "connect-twice": envelope() + [pkt(b"C", b"again\0U"), pkt(b"R", b"<c@d>\0"), pkt(b"N"),
                                   pkt(b"E")],
    "quit-new-connection": envelope() + [pkt(b"K"), pkt(b"M", b"<a@b>\0"), pkt(b"N"),
                                         pkt(b"E")],
    "rcpt-before-mail": [optneg(), pkt(b"R", b"<a@b>\0")],
    "body-before-mail": [optneg(), pkt(b"B", b"body bytes")],
    "eoh-before-mail": [optneg(), pkt(b"N")],
    "eom-before-mail": [optneg(), pkt(b"E")],
    "eom-without-negotiation": [pkt(b"E")],
    "negotiation-short": [pkt(b"O", b"\0\0")],
    "negotiation-twice": [optneg(), optneg()],
    "eom-twice": envelope() + [pkt(b"N"), pkt(b"E"), pkt(b"E")],
    "abort-mid-body": envelope() + [pkt(b"N"), pkt(b"B", b"partial body"), pkt(b"A")],
    "disconnect-mid-body": envelope() + [pkt(b"L", b"Subject\0x\0"), pkt(b"N"),
                                         pkt(b"B", b"--b\r\nContent-Type: text/plain\r\n\r\n")],
    "disconnect-mid-packet": envelope() + [pkt(b"N"), struct.pack(">I", 100) + b"B" + b"half"],
}


def random_packet(rng):
    """One well-formed command packet with a small payload."""
    kind = rng.choice("OOCHMRRLLNBBEAKDQ")
    word = bytes(rng.choice(b"abcxyz<@>.") for _ in range(rng.randint(0, 12)))
    if kind == "O":
        # with or without the no-reply steps and the leading-space flag
        return pkt(b"O", struct.pack(">III", 6, 0x1FF, rng.choice([0, 0x1FFFFF, 0x100000])))
    if kind == "C":
        return pkt(b"C", word + b"\0" + rng.choice([b"U", b"4" + struct.pack(">H", 25) +
                                                     b"192.0.2.1\0"]))
    if kind == "L":
        return pkt(b"L", b"Subject\0" + word + b"\0")
    if kind == "B":
        return pkt(b"B", word * rng.randint(0, 40))
    if kind == "D":
        return pkt(b"D", rng.choice([b"M", b"E", b"C"]) + b"i\0" + word + b"\0")
    if kind in "HMR":
        return pkt(kind.encode(), word + b"\0")
    return pkt(kind.encode())


def run_sequences(path):
    """SEQUENCES connections, each a random sequence of packets sent at once; the answers are
    read until the daemon closes the connection (it does once our side has stopped writing)."""
    rng = random.Random(SEED)
    for _ in range(SEQUENCES):
        packets = [random_packet(rng) for _ in range(rng.randint(1, 14))]
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        s.settimeout(5)
        try:
            s.sendall(b"".join(packets))
            s.shutdown(socket.SHUT_WR)
            while s.recv(4096):
                pass
        except OSError:
            pass
        s.close()


def run(path, name):
    if name == "sequences":
        run_sequences(path)
        return
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(0.5)  # (answers are not checked: a late one is read by the next recv)
    for p in CASES[name]:
        try:
            s.sendall(p)
            s.recv(4096)
        except OSError:
            break
    s.close()


def main():
    if sys.argv[1:] == ["--list"]:
        print("\n".join(list(CASES) + ["sequences"]))
        return
    path = sys.argv[1]
    for name in sys.argv[2:] or list(CASES) + ["sequences"]:
        run(path, name)
        print(name)


if __name__ == "__main__":
    main()
