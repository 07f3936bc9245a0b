#!/usr/bin/env python3
"""The soak's SMTP load: N messages over C concurrent sessions into a private Postfix.

Kinds, in turn: clean (a text part and a unique attachment), infected (EICAR), stripped (a
unique executable named setup.exe: blocked, its part removed) and held (an encrypted part:
unscannable, held). Every message has a unique subject "soak KIND N". After half of the
messages a signature reload is triggered (RELOAD_CMD). Writes one line per message to
RESULTS: "N KIND CODE".
Usage: load.py HOST PORT TOTAL CONCURRENCY RESULTS RELOAD_CMD
"""
import base64
import os
import smtplib
import subprocess
import sys
import threading

HOST, PORT, TOTAL, CONC, RESULTS, RELOAD = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    int(sys.argv[4]), sys.argv[5], sys.argv[6]
KINDS = ("clean", "infected", "stripped", "held")
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-" + b"ANTIVIRUS-TEST-FILE!$H+H*"


def b64(data):
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def message(n, kind):
    head = (b"From: soak@example.org\r\nTo: user@partscan.test\r\nSubject: soak %s %d\r\n"
            b"MIME-Version: 1.0\r\n" % (kind.encode(), n))
    if kind == "held":
        return head + (b"Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\";"
                       b" boundary=\"e\"\r\n\r\n--e\r\nContent-Type: application/pgp-encrypted\r\n"
                       b"\r\nVersion: 1\r\n\r\n--e\r\nContent-Type: application/octet-stream\r\n\r\n"
                       b"-----BEGIN PGP MESSAGE-----\r\n" + b64(os.urandom(300)) +
                       b"-----END PGP MESSAGE-----\r\n\r\n--e--\r\n")
    if kind == "infected":
        name, data = b"eicar.txt", EICAR
    elif kind == "stripped":
        name, data = b"setup.exe", b"MZ" + os.urandom(2000)
    else:
        name, data = b"report-%d.bin" % n, os.urandom(4000)
    return head + (b"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
                   b"Content-Type: text/plain\r\n\r\nmessage %d\r\n--b\r\n"
                   b"Content-Type: application/octet-stream; name=\"" % n + name +
                   b"\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(data) + b"--b--\r\n")


lock = threading.Lock()
counter = [0]
out = open(RESULTS, "w")
reloaded = threading.Event()


def next_n():
    with lock:
        n = counter[0]
        counter[0] += 1
    if n == TOTAL // 2 and not reloaded.is_set():
        reloaded.set()
        subprocess.run(RELOAD, shell=True, check=False)
    return n if n < TOTAL else None


def worker():
    smtp = None
    sent = 0
    while True:
        n = next_n()
        if n is None:
            break
        kind = KINDS[n % len(KINDS)]
        if smtp is None or sent % 10 == 0:
            if smtp is not None:
                smtp.quit()
            smtp = smtplib.SMTP(HOST, PORT, timeout=120)
        sent += 1
        try:
            smtp.sendmail("soak@example.org", ["user@partscan.test"], message(n, kind))
            code = 250
        except smtplib.SMTPDataError as e:
            code = e.smtp_code
        except smtplib.SMTPException as e:
            code = getattr(e, "smtp_code", 999)
            smtp = None
        with lock:
            out.write("%d %s %d\n" % (n, kind, code))
    if smtp is not None:
        smtp.quit()


threads = [threading.Thread(target=worker) for _ in range(CONC)]
for t in threads:
    t.start()
for t in threads:
    t.join()
out.close()
