"""Helpers for the qmacsecd integration tests: the macsec-pair lab, commands
inside its namespaces, the control socket, and pcap reading.

Every test skips (exit 77) without root, /dev/net/tun, ip, tcpdump, ping or
iperf3, and removes what it made (lab down, namespaces, processes) even when
it fails or meson's timeout sends SIGTERM.
"""
import json
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("QS_BUILD_DIR", os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "build"))
QMACSEC = os.path.join(BUILD, "cmd", "qmacsec", "qmacsec")
QMACSECD = os.path.join(BUILD, "cmd", "qmacsecd", "qmacsecd")

ETH_MACSEC = 0x88E5
ETH_EAPOL = 0x888E
ETH_LLDP = 0x88CC
ALLOWED = {ETH_MACSEC, ETH_EAPOL, ETH_LLDP}

SAK = {
    "gcm-aes-128": "ad7a2bd03eac835a6f620fdcb506b345",
    "gcm-aes-256": "e3c08a8f06c6e3ad95a70557b23f75483ce33021a9c72b7025666204"
                   "c69c0b72",
    "gcm-aes-xpn-128": "071b113b0ca743fecccf3d051f737382",
    "gcm-aes-xpn-256": "691d3ee909d7f54167fd1ca0b5d769081f2bde1aee655fdbab80"
                       "bd5295ae6be7",
}


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def need_root(tools=("ip", "tcpdump", "ping")):
    if os.geteuid() != 0:
        skip("needs root (network namespaces, TAP, AF_PACKET)")
    if not os.path.exists("/dev/net/tun"):
        skip("no /dev/net/tun")
    for t in tools:
        if shutil.which(t) is None:
            skip(t + " is not installed")
    for p in (QMACSEC, QMACSECD):
        if not os.access(p, os.X_OK):
            skip(p + " is not built")


class Cleanup:
    """Runs registered undo actions in reverse order, once, also on
    SIGTERM/SIGINT."""

    def __init__(self):
        self.actions = []
        signal.signal(signal.SIGTERM, self._signal)
        signal.signal(signal.SIGINT, self._signal)

    def _signal(self, sig, frame):
        raise SystemExit("killed by signal %d" % sig)

    def add(self, fn, *args):
        self.actions.append((fn, args))

    def run(self):
        while self.actions:
            fn, args = self.actions.pop()
            try:
                fn(*args)
            except Exception as e:  # keep cleaning up
                print("cleanup: %s" % e)


def run(args, timeout=20, check=True, **kw):
    r = subprocess.run(args, capture_output=True, text=True,
                       timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s exited %d:\n%s%s" % (
            " ".join(args), r.returncode, r.stdout, r.stderr))
    return r


def nsexec(ns, args, **kw):
    return run(["ip", "netns", "exec", ns] + args, **kw)


class Lab:
    """qmacsec lab up macsec-pair in a fresh directory: a static SAK, or
    the options in |key_args| (e.g. ["--cak", HEX, "--ckn", HEX])."""

    def __init__(self, cleanup, cipher="gcm-aes-128", key_args=None):
        self.dir = tempfile.mkdtemp(prefix="qs_macsec_")
        self.is_down = False
        cleanup.add(shutil.rmtree, self.dir, True)
        cleanup.add(self.down)
        if key_args is None:
            key_args = ["--static-sak", SAK[cipher]]
        r = run([QMACSEC, "lab", "up", "macsec-pair", self.dir,
                 "--cipher", cipher] + key_args, timeout=30, check=False)
        if r.returncode != 0:
            self.dump_logs()
            raise AssertionError("lab up failed:\n" + r.stdout + r.stderr)
        with open(os.path.join(self.dir, "lab.json")) as f:
            self.doc = json.load(f)
        self.a, self.b = self.doc["hosts"]

    def down(self):
        if not self.is_down and os.path.exists(
                os.path.join(self.dir, "lab.json")):
            self.is_down = True
            run([QMACSEC, "lab", "down", self.dir], check=False)
            for name in ("qmacsecd-a.log", "qmacsecd-b.log"):
                check_sanitizer(os.path.join(self.dir, name))

    def dump_logs(self):
        for name in sorted(os.listdir(self.dir)):
            if name.endswith(".log"):
                with open(os.path.join(self.dir, name)) as f:
                    print("--- %s\n%s" % (name, f.read()[-4000:]))

    def status(self, host):
        """qmacsec status --json --lab DIR --host NAME, parsed."""
        r = run([QMACSEC, "status", "--json", "--lab", self.dir, "--host",
                 host["name"]])
        return json.loads(r.stdout)


def check_sanitizer(path):
    """Fails if the daemon log |path| holds an ASan/UBSan/LSan report
    (the ASan build runs these tests too)."""
    if not os.path.exists(path):
        return
    with open(path, errors="replace") as f:
        text = f.read()
    for mark in ("Sanitizer", "runtime error:"):
        if mark in text:
            raise AssertionError("%s: %s report:\n%s" % (
                path, mark, text[-4000:]))


def request(path, obj, timeout=5):
    """One request on a control socket; returns the parsed reply."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    try:
        s.connect(path)
        s.sendall((json.dumps(obj) + "\n").encode())
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    finally:
        s.close()
    return json.loads(buf)


def wait_line(proc, text, timeout, stream=None):
    """Reads |proc|'s stdout (or |stream|) with os.read until |text| shows
    up; fails after |timeout| seconds or if the stream ends. (Never mix
    with the stream's own buffered reads.)"""
    fd = (stream or proc.stdout).fileno()
    deadline = time.time() + timeout
    seen = b""
    while text.encode() not in seen:
        left = deadline - time.time()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise AssertionError("%s: no '%s' within %ds: %r" % (
                proc.args[4], text, timeout, seen[-300:]))
        chunk = os.read(fd, 4096)
        if not chunk:
            raise AssertionError("%s exited: %r" % (proc.args[4], seen))
        seen += chunk


class Capture:
    """tcpdump -w on |ifname| inside |ns| until stop(); |pcap_filter|
    selects frames (None: all)."""

    def __init__(self, cleanup, ns, ifname, path, pcap_filter=None,
                 snaplen=128):
        self.path = path
        self.dropped = None
        # --immediate-mode: without it frames wait in libpcap's ring for
        # up to a second, and those still there at SIGINT are lost.
        args = ["ip", "netns", "exec", ns, "tcpdump", "-i", ifname,
                "--immediate-mode", "-U", "-s", str(snaplen), "-w", path]
        self.proc = subprocess.Popen(
            args + ([pcap_filter] if pcap_filter else []),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        cleanup.add(self.stop)
        # tcpdump says "listening on" once the socket is bound.
        wait_line(self.proc, "listening on", 10, self.proc.stderr)

    def stop(self):
        """Stops tcpdump; returns the frames. |dropped| gets the count
        tcpdump reports as dropped by the kernel."""
        if self.proc.poll() is None:
            time.sleep(0.2)
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        err = self.proc.stderr.read().decode(errors="replace")
        m = re.search(r"(\d+) packets? dropped by kernel", err)
        if m:
            self.dropped = int(m.group(1))
        return read_pcap(self.path)


def read_pcap(path):
    """Returns the frames of a classic pcap file (Ethernet link type)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise AssertionError("%s: not a pcap file" % path)
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise AssertionError("%s: unknown pcap magic" % path)
    linktype = struct.unpack(end + "I", data[20:24])[0]
    if linktype != 1:
        raise AssertionError("%s: link type %d, not Ethernet" % (path,
                                                                  linktype))
    frames, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return frames


def ethertype(frame):
    return struct.unpack(">H", frame[12:14])[0] if len(frame) >= 14 else -1


def by_type(frames):
    counts = {}
    for fr in frames:
        t = ethertype(fr)
        counts[t] = counts.get(t, 0) + 1
    return counts


def fmt_types(counts):
    return ", ".join("0x%04x: %d" % (t, n) for t, n in sorted(counts.items()))
