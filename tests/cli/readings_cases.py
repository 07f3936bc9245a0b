#!/usr/bin/env python3
"""Messages whose headers mail clients read differently (partscan's test_readings.sh).

make DIR: writes DIR/NAME.eml for each case (LF, and CRLF as NAME_crlf.eml), and
DIR/payloads.hsb: one SHA-256 signature per case's hidden attachment (ReadingTest.NAME).
python DIR/NAME.eml: prints the SHA-256 of every leaf Python's email decodes (a multipart
it could not split is no leaf).
"""
import base64
import hashlib
import os
import sys

import email
import email.policy


def payload(tag):
    return (b"partscan reading test payload %s\n" % tag.encode()) * 20


def b64(data):
    s = base64.b64encode(data).decode()
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76))


HEAD = "From: Alice <alice@example.org>\nTo: bob@example.org\nSubject: %s\nMIME-Version: 1.0\n"


def multipart(ct_lines, tag, sep="\n"):
    return ct_lines + sep + (
        "--BB\nContent-Type: text/plain\n\nhello\n--BB\n"
        "Content-Type: application/octet-stream; name=\"%s.bin\"\n"
        "Content-Transfer-Encoding: base64\n"
        "Content-Disposition: attachment; filename=\"%s.bin\"\n\n%s\n--BB--\n"
        % (tag, tag, b64(payload(tag))))


def cte_case(tag, first, second):
    return HEAD % tag + (
        "Content-Type: multipart/mixed; boundary=\"BB\"\n\n--BB\nContent-Type: text/plain\n\n"
        "hi\n--BB\nContent-Type: application/octet-stream; name=\"%s.bin\"\n"
        "Content-Transfer-Encoding: %s\nContent-Transfer-Encoding: %s\n\n%s\n--BB--\n"
        % (tag, first, second, b64(payload(tag))))


def delimited(ct_line, tag, delim, trail=""):
    """A two-part message whose delimiter lines are "--" + delim (+ trail): the boundary
    cases, read the same by GMime and Python's email (compat32)."""
    return HEAD % tag + ct_line + "\n" + (
        "--%s%s\nContent-Type: text/plain\n\nhello\n--%s%s\n"
        "Content-Type: application/octet-stream; name=\"%s.bin\"\n"
        "Content-Transfer-Encoding: base64\n\n%s\n--%s--%s\n"
        % (delim, trail, delim, trail, tag, b64(payload(tag)), delim, trail))


LONG = "L" * 200

MP = "Content-Type: multipart/mixed; boundary=\"BB\"\n"
FOLDED = "".join("X-MS-Exchange-Test-%d: %s\n\t%s\n" % (i, "a" * 70, "b" * 70)
                 for i in range(70))

CASES = {
    # header block ends
    "colonless": HEAD % "colonless" + "this line has no colon\n" + multipart(MP, "colonless"),
    "no_blank": HEAD % "no blank" + multipart(MP, "no_blank", sep=""),
    "first_ws": " X-Folded: white space first\n" + HEAD % "ws" + multipart(MP, "first_ws"),
    "big_headers": HEAD % "big" + FOLDED + multipart(MP, "big_headers"),
    # duplicate headers
    "dup_ct_first": HEAD % "ct" + multipart(MP + "Content-Type: text/plain\n", "dup_ct_first"),
    "dup_ct_last": HEAD % "ct" + multipart("Content-Type: text/plain\n" + MP, "dup_ct_last"),
    "dup_cte_7bit_first": cte_case("dup_cte_7bit_first", "7bit", "base64"),
    "dup_cte_b64_first": cte_case("dup_cte_b64_first", "base64", "7bit"),
    # Content-Type values
    "ew_ctype": HEAD % "ew" + multipart(
        "Content-Type: =?us-ascii?Q?multipart/mixed=3B_boundary=3D=22BB=22?=\n", "ew_ctype"),
    "comma": HEAD % "comma" + multipart("Content-Type: multipart/mixed, boundary=\"BB\"\n",
                                        "comma"),
    "b2231_both": HEAD % "2231" + multipart(
        "Content-Type: multipart/mixed; boundary=\"AA\"; boundary*=us-ascii''BB\n", "b2231_both"),
    "b2231_star_first": HEAD % "2231" + multipart(
        "Content-Type: multipart/mixed; boundary*=us-ascii''BB; boundary=\"AA\"\n",
        "b2231_star_first"),
    "param_case": HEAD % "case" + multipart("Content-Type: Multipart/Mixed; BoUnDaRy=\"BB\"\n",
                                            "param_case"),
    "open_quote": HEAD % "quote" + multipart("Content-Type: multipart/mixed; boundary=\"BB\n",
                                             "open_quote"),
    # boundaries: 200 characters (RFC 2046 says 70: GMime and Python take any length),
    # single quotes (GMime and Python's compat32 keep them as part of the boundary; Python's
    # default policy finds no boundary), blanks after a delimiter (transport padding, RFC
    # 2046), an empty parameter before the boundary (";;")
    "long_boundary": delimited("Content-Type: multipart/mixed; boundary=\"%s\"\n" % LONG,
                               "long_boundary", LONG),
    "squote_boundary": delimited("Content-Type: multipart/mixed; boundary='BB'\n",
                                 "squote_boundary", "'BB'"),
    "squote_bare_delims": delimited("Content-Type: multipart/mixed; boundary='BB'\n",
                                    "squote_bare_delims", "BB"),
    "padded_delims": delimited(MP, "padded_delims", "BB", trail=" \t "),
    "semisemi": delimited("Content-Type: multipart/mixed;; boundary=\"BB\"\n", "semisemi", "BB"),
    # a delimiter line longer than the boundary ("--BBxyz") is no delimiter for GMime,
    # Python's email or Thunderbird: the attachment after it is text of the first part, and
    # found in it (the raw sweep)
    "prefix_delim": HEAD % "prefix" + MP + "\n--BB\nContent-Type: text/plain\n\nhi\n--BBxyz\n"
                    "Content-Type: application/octet-stream; name=\"p.bin\"\n"
                    "Content-Transfer-Encoding: base64\n\n%s\n--BB--\n" % b64(payload("prefix_delim")),
}


def make(d):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "payloads.hsb"), "w") as db:
        for name, text in CASES.items():
            for suffix, eol in (("", "\n"), ("_crlf", "\r\n")):
                with open(os.path.join(d, name + suffix + ".eml"), "wb") as f:
                    f.write(text.replace("\n", eol).encode())
            data = payload(name)
            db.write("%s:%d:ReadingTest.%s\n" % (hashlib.sha256(data).hexdigest(), len(data),
                                                 name))


def python_leaves(path):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.compat32)
    for part in msg.walk():
        if part.is_multipart() or part.get_content_maintype() == "multipart":
            continue
        print(hashlib.sha256(part.get_payload(decode=True) or b"").hexdigest())


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        python_leaves(sys.argv[2])
