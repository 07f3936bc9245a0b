#!/bin/sh
# MTA connections stalled in the middle of a milter packet (the rest of the packet never
# comes) must not delay other connections: libmilter's worker pool would leave a normal
# connection waiting up to [milter] timeout for its negotiation reply; partscan's packet gate
# holds stalled packets itself. Also: a packet never finished ends its connection after the
# timeout, impossible lengths end it at once, and the gate serves an inet socket too.
. "$(dirname "$0")/lib.sh"

MILTER="$TOP/$BUILD/partscan-milter"
SOCK="$T/milter.sock"
write_conf() { # $1: milter socket
	cat >"$T/partscan.conf" <<EOF
$(milter_conf --no-pid-file "$1" "timeout = 3")
[database]
path = $TOP/contrib/test-signatures
$(milter_log_conf)
EOF
}

cat >"$T/stall.py" <<'EOF'
import socket, struct, sys, time

def pkt(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd + data

OPTNEG = pkt(b"O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF))

def connect(addr):
    if addr.startswith("/"):
        s = socket.socket(socket.AF_UNIX)
        s.connect(addr)
    else:
        host, port = addr.rsplit(":", 1)
        s = socket.create_connection((host, int(port)))
    return s

def negotiate(s, within):
    """seconds until the negotiation reply, or None after within seconds"""
    t = time.time()
    s.settimeout(within)
    s.sendall(OPTNEG)
    try:
        r = s.recv(4096)
    except OSError:
        return None
    return time.time() - t if len(r) > 5 and r[4:5] == b"O" else None

def burst(addr, n, trials):
    """n connections, all sending half a packet in the same instant as a normal one"""
    for t in range(trials):
        stalled = [connect(addr) for i in range(n)]
        c = connect(addr)
        time.sleep(0.2)
        for s in stalled[: n // 2]:
            s.sendall(OPTNEG[:7])
        c.sendall(OPTNEG)
        for s in stalled[n // 2 :]:
            s.sendall(OPTNEG[:7])
        c.settimeout(3)
        t0 = time.time()
        try:
            ok = len(c.recv(4096)) > 5
        except OSError:
            ok = False
        if not ok:
            print("trial %d: no negotiation reply within 3 s" % t)
            return 1
        for s in stalled:
            s.close()
        c.close()
    print("burst ok")
    return 0

def held(addr, n):
    """n connections stalled one after the other, then a normal one"""
    stalled = []
    for i in range(n):
        s = connect(addr)
        s.sendall(OPTNEG)
        s.settimeout(3)
        s.recv(4096)
        s.sendall(struct.pack(">I", 100) + b"C" + b"half")
        stalled.append(s)
    took = negotiate(connect(addr), 3)
    print("held: %s" % ("ok" if took is not None else "no reply within 3 s"))
    return 0 if took is not None else 1

def ends(addr, data, within):
    """the daemon closes a connection that sent data, within seconds"""
    s = connect(addr)
    s.sendall(data)
    s.settimeout(within)
    t = time.time()
    try:
        while s.recv(4096):
            pass
    except OSError:
        print("still open after %.1f s" % (time.time() - t))
        return 1
    print("closed")
    return 0

addr, case = sys.argv[1], sys.argv[2]
if case == "burst":
    sys.exit(burst(addr, 150, 6))
if case == "held":
    sys.exit(held(addr, 200))
if case == "unfinished":
    sys.exit(ends(addr, OPTNEG[:7], 8))
if case == "length-zero":
    sys.exit(ends(addr, struct.pack(">I", 0), 2))
if case == "length-huge":
    sys.exit(ends(addr, struct.pack(">I", 0x7FFFFFFF) + b"B", 2))
if case == "normal":
    took = negotiate(connect(addr), 3)
    sys.exit(0 if took is not None else 1)
EOF

stall() { # $1: address, $2: case
	checks=$((checks + 1))
	timeout 60 python3 "$T/stall.py" "$1" "$2" >"$T/stall.out" 2>&1 ||
		{ fail "stalled connections: $2"; cat "$T/stall.out" >&2; }
}

write_conf "unix:$SOCK"
start_milter || { finish; exit 1; }
stall "$SOCK" burst
stall "$SOCK" held
stall "$SOCK" unfinished
stall "$SOCK" length-zero
stall "$SOCK" length-huge
stall "$SOCK" normal
stop_milter
checks=$((checks + 1))
[ ! -e "$SOCK" ] && [ ! -e "$SOCK.gate" ] || fail "milter sockets left behind"

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
write_conf "inet:$PORT@127.0.0.1"
start_milter || { finish; exit 1; }
stall "127.0.0.1:$PORT" burst
stall "127.0.0.1:$PORT" normal
stop_milter

finish
