"""A sequence-numbered UDP stream, to count lost datagrams exactly.

    udpseq.py send DST_IP PORT INTERVAL_S   send 0, 1, 2, ... until SIGTERM,
                                            then print {"sent": N}
    udpseq.py recv BIND_IP PORT             print "ready", collect until
                                            SIGTERM, then print {"received":
                                            N, "missing": [...], "dups": D,
                                            "out_of_order": O, "max": M}

Each datagram is "qmacsec-seq <n>" padded to 64 octets: the marker lets a
capture check that no datagram crosses the wire in clear. The sender paces
itself against a monotonic clock (no drift from slow sleeps) and retries a
send that fails for want of buffer space, so every number is sent once.
"""
import json
import signal
import socket
import sys
import time

MARKER = b"qmacsec-seq "
stop = False


def on_term(sig, frame):
    global stop
    stop = True


def send(dst, port, interval):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    n, t0 = 0, time.monotonic()
    while not stop:
        msg = (MARKER + str(n).encode()).ljust(64, b".")
        try:
            s.sendto(msg, (dst, port))
        except (BlockingIOError, InterruptedError):
            continue
        n += 1
        delay = t0 + n * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    print(json.dumps({"sent": n}), flush=True)


def recv(bind, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
    s.bind((bind, port))
    s.settimeout(0.1)
    seen, dups, ooo, last = set(), 0, 0, -1
    print("ready", flush=True)
    while not stop:
        try:
            data = s.recv(2048)
        except (socket.timeout, InterruptedError):
            continue
        if not data.startswith(MARKER):
            continue
        n = int(data[len(MARKER):].rstrip(b"."))
        if n in seen:
            dups += 1
        seen.add(n)
        if n < last:
            ooo += 1
        last = max(last, n)
    top = max(seen) if seen else -1
    missing = sorted(set(range(top + 1)) - seen)
    print(json.dumps({"received": len(seen), "missing": missing[:50],
                      "n_missing": len(missing), "dups": dups,
                      "out_of_order": ooo, "max": top}), flush=True)


def main():
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    if sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        recv(sys.argv[2], int(sys.argv[3]))


if __name__ == "__main__":
    main()
