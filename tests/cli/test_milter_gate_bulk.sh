#!/bin/sh
# Large messages through the packet gate, as a hurried MTA sends them: every step pipelined
# without waiting for replies, 64 KiB body packets cut into writes of odd sizes (packets split
# across reads, several packets queued while libmilter reads the one before). The bytes must
# reach the scan intact and in order: a clean 3 MB message passes, the same with the EICAR test
# file as its last part is rejected, and a second message on the same connection too; the
# same with packet_gate = no (the reference).
. "$(dirname "$0")/lib.sh"

MILTER="$TOP/$BUILD/partscan-milter"
SOCK="$T/milter.sock"
write_conf() { # $1: packet_gate
	cat >"$T/partscan.conf" <<EOF
$(milter_conf --no-pid-file "unix:$SOCK" "packet_gate = $1")
[database]
path = $TOP/contrib/test-signatures
[quarantine]
directory = $T/q
$(milter_log_conf)
EOF
}

cat >"$T/bulk.py" <<'EOF'
import base64, random, socket, struct, sys

def pkt(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd + data

def message(infected, seed):
    rnd = random.Random(seed)
    filler = base64.encodebytes(rnd.randbytes(2200000)).replace(b"\n", b"\r\n")
    body = (b"--B\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + filler)
    if infected:
        eicar = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-" +
                 b"ANTIVIRUS-TEST-FILE!$H+H*")
        body += (b"--B\r\nContent-Type: application/octet-stream; name=t.com\r\n"
                 b"Content-Transfer-Encoding: base64\r\n\r\n" +
                 base64.b64encode(eicar) + b"\r\n")
    body += b"--B--\r\n"
    out = [pkt(b"M", b"<a@example.org>\0"), pkt(b"R", b"<b@example.net>\0")]
    for name, value in ((b"From", b"a@example.org"), (b"MIME-Version", b"1.0"),
                        (b"Content-Type", b"multipart/mixed; boundary=B")):
        out.append(pkt(b"L", name + b"\0" + value + b"\0"))
    out.append(pkt(b"N"))
    nbody = 0
    for i in range(0, len(body), 65535):
        out.append(pkt(b"B", body[i:i + 65535]))
        nbody += 1
    out.append(pkt(b"E"))
    return b"".join(out), 2 + 3 + 1 + nbody

def replies(s, n):
    """n step replies (continue), then the end-of-message replies up to the final one"""
    buf = b""
    got = []
    while True:
        while len(buf) >= 4 and len(buf) >= 4 + struct.unpack(">I", buf[:4])[0]:
            ln = struct.unpack(">I", buf[:4])[0]
            got.append(buf[4:5])
            buf = buf[4 + ln:]
            if len(got) > n and got[-1] in (b"y", b"r", b"t", b"d", b"a", b"c"):
                return got
        data = s.recv(65536)
        if not data:
            return got + [b"EOF"]
        buf += data

s = socket.socket(socket.AF_UNIX)
s.settimeout(60)
s.connect(sys.argv[1])
s.sendall(pkt(b"O", struct.pack(">III", 6, 0x1FF, 0)))
neg = s.recv(4096)
assert neg[4:5] == b"O", neg
s.sendall(pkt(b"C", b"client.example.org\0" + b"4" + struct.pack(">H", 25) + b"192.0.2.7\0"))
rnd = random.Random(7)
for k, infected in enumerate((False, True, True)):
    data, n = message(infected, k)
    first = k == 0
    off = 0
    while off < len(data):  # odd write sizes: packets split anywhere
        step = rnd.choice((1, 7, 4093, 65536, 100003, 300007))
        s.sendall(data[off:off + step])
        off += step
    got = replies(s, n + (1 if first else 0))
    steps = got[: n + (1 if first else 0)]
    final = got[-1].decode()
    if any(r != b"c" for r in steps):
        print("message %d: step replies %s" % (k, steps))
        sys.exit(1)
    print("%s" % final)
s.sendall(pkt(b"Q"))
EOF

bulk() { # $1: packet_gate
	write_conf "$1"
	start_milter || return
	checks=$((checks + 1))
	timeout 120 python3 "$T/bulk.py" "$SOCK" >"$T/bulk.out" 2>&1 ||
		{ fail "packet_gate = $1: client failed"; cat "$T/bulk.out" >&2; }
	checks=$((checks + 1))
	[ "$(tr '\n' ' ' <"$T/bulk.out")" = "c y y " ] ||
		{ fail "packet_gate = $1: final replies $(tr '\n' ' ' <"$T/bulk.out"), want c y y"; }
	stop_milter
}

bulk yes
bulk no
finish
