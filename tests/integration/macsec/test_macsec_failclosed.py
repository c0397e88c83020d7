"""Fail closed: a qmacsecd without an SA sends nothing while traffic is
offered on its TAP, and counts what it refused.

1. macsec-pair lab, then `drop-keys` on host a's control socket: pings and
   ARP requests from a's TAP are refused (port.tx_refused, SecY
   OutPktsPortDisabled), a capture on a's veth shows not one frame from a,
   and `qmacsec status` reports fail_closed with its reasons. After
   `restore-keys` ping works again: the transmit PN continued where it
   stopped (b's strict replay check would refuse a repeated PN).
2. A qmacsecd started with key_source = none in namespaces this test makes:
   the peer's end of the veth sees nothing while pings are offered, the
   status says mode none / fail closed, and drop-keys / restore-keys are
   refused with a reason. To show the capture would have seen a clear
   frame, the test then injects one raw IPv4 frame on the wire itself and
   finds exactly that one.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import macseckit as mk  # noqa: E402

N_PINGS = 30


def from_mac(frames, mac):
    m = bytes.fromhex(mac.replace(":", ""))
    return [f for f in frames if f[6:12] == m]


def offer_traffic(ns, tap, dst):
    """ARP requests (neighbours flushed) and pings into the TAP; the ping
    must fail."""
    mk.run(["ip", "-n", ns, "neigh", "flush", "dev", tap], check=False)
    r = mk.nsexec(ns, ["ping", "-c", str(N_PINGS), "-i", "0.02", "-W", "1",
                       "-q", dst], check=False)
    assert r.returncode != 0, "ping worked without keys:\n" + r.stdout
    # A static neighbour so that the pings themselves reach the TAP too.
    mk.run(["ip", "-n", ns, "neigh", "replace", dst, "lladdr",
            "02:71:73:00:00:99", "dev", tap])
    r = mk.nsexec(ns, ["ping", "-c", str(N_PINGS), "-i", "0.02", "-W", "1",
                       "-q", dst], check=False)
    assert r.returncode != 0, "ping worked without keys:\n" + r.stdout
    mk.run(["ip", "-n", ns, "neigh", "del", dst, "dev", tap], check=False)


def drop_and_restore():
    cleanup = mk.Cleanup()
    try:
        lab = mk.Lab(cleanup, "gcm-aes-128")
        a, b = lab.a, lab.b
        mk.nsexec(a["netns"], ["ping", "-c", "2", "-i", "0.2", b["ip"]])
        before = lab.status(a)
        r = mk.request(a["control_socket"], {"cmd": "drop-keys", "id": 1})
        assert r == {"ok": True, "id": 1}, r
        st = lab.status(a)
        assert st["fail_closed"] is True and st["active_an"] is None, st
        assert st["fail_closed_reasons"][:2] == [
            "controlled port closed", "no transmit SA in use"], st
        assert st["key_source"]["drops"] == 1
        cap = mk.Capture(cleanup, a["netns"], a["wire"],
                         os.path.join(lab.dir, "dropped.pcap"))
        offer_traffic(a["netns"], a["tap"], b["ip"])
        frames = cap.stop()
        assert cap.dropped == 0
        sent = from_mac(frames, a["mac"])
        assert not sent, "%d frames left a without keys (%s)" % (
            len(sent), mk.fmt_types(mk.by_type(sent)))
        assert set(mk.by_type(frames)) <= mk.ALLOWED, mk.fmt_types(
            mk.by_type(frames))
        st = lab.status(a)
        refused = st["port"]["tx_refused"] - before["port"]["tx_refused"]
        assert refused > N_PINGS, st["port"]  # pings + ARP requests
        assert st["secy"]["OutPktsPortDisabled"] == refused, st["secy"]
        assert (st["tx_sc"]["OutPktsEncrypted"]
                == before["tx_sc"]["OutPktsEncrypted"])
        r = mk.request(a["control_socket"], {"cmd": "drop-keys"})
        assert r == {"ok": False, "error": "no keys are installed"}, r
        # Restore: the PNs continue, b accepts them.
        r = mk.request(a["control_socket"], {"cmd": "restore-keys"})
        assert r == {"ok": True}, r
        mk.nsexec(a["netns"], ["ping", "-c", "3", "-i", "0.2", "-W", "2",
                               b["ip"]])
        st, sb = lab.status(a), lab.status(b)
        assert st["fail_closed"] is False and st["active_an"] == 0, st
        assert st["key_source"]["restores"] == 1
        assert sb["rx_scs"][0]["InPktsLate"] == 0, sb["rx_scs"]
        lab.down()  # and check the daemons' logs for sanitizer reports
        print("ok: drop-keys: %d frames refused and counted, none on the "
              "wire; restore-keys: traffic resumes at PN %d" % (
                  refused, st["tx_sc"]["sas"][0]["next_pn"]))
    except BaseException:
        if "lab" in locals():
            lab.dump_logs()
        raise
    finally:
        cleanup.run()


def make_pair(cleanup, tmp):
    n1, n2 = "qs-%d-n1" % os.getpid(), "qs-%d-n2" % os.getpid()
    for ns in (n1, n2):
        mk.run(["ip", "netns", "add", ns])
        cleanup.add(mk.run, ["ip", "netns", "del", ns], 20, False)
        mk.nsexec(ns, ["sysctl", "-q", "-w",
                       "net.ipv6.conf.all.disable_ipv6=1",
                       "net.ipv6.conf.default.disable_ipv6=1"])
    mk.run(["ip", "link", "add", "wire1", "netns", n1, "address",
            "02:71:73:00:01:01", "type", "veth", "peer", "name", "wire2",
            "netns", n2, "address", "02:71:73:00:01:02"])
    mk.run(["ip", "-n", n1, "link", "set", "wire1", "up"])
    mk.run(["ip", "-n", n2, "link", "set", "wire2", "up"])
    return n1, n2


def inject_clear(ns, ifname):
    """Sends one raw IPv4 frame out of |ifname| in |ns|, bypassing
    qmacsecd."""
    code = ("import socket;s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW);"
            "s.bind(('%s',0));s.send(bytes.fromhex('ffffffffffff027173000101"
            "0800')+b'qmacsec-clear-marker'+bytes(30))" % ifname)
    mk.nsexec(ns, [sys.executable, "-c", code])


def control_protocol(sock):
    """The socket is 0600; one connection carries several requests; bad
    lines get one error each; an over-long line gets one error and the
    connection goes on with the next line."""
    mode = os.stat(sock).st_mode & 0o777
    assert mode == 0o600, "control socket mode %o" % mode
    s = mk.socket.socket(mk.socket.AF_UNIX)
    s.settimeout(5)
    s.connect(sock)
    s.sendall(b"x" * 6000 + b"\n" + b"{\"cmd\":\"status\",\"id\":1}\n"
              b"not json\n" + b"y" * 9000 + b"\n{\"cmd\":\"nope\"}\n"
              b"{\"id\":4,\"cmd\":\"status\"}\n")
    buf = b""
    while buf.count(b"\n") < 6:
        chunk = s.recv(65536)
        assert chunk, "connection closed after %r" % buf[-200:]
        buf += chunk
    s.close()
    r = [mk.json.loads(x) for x in buf.decode().splitlines()]
    assert len(r) == 6, r
    assert r[0] == {"ok": False, "error": "request line too long"}, r[0]
    assert r[1]["ok"] is True and r[1]["id"] == 1, r[1]
    assert r[2]["ok"] is False and "not JSON" in r[2]["error"], r[2]
    assert r[3] == {"ok": False, "error": "request line too long"}, r[3]
    assert r[4]["ok"] is False and "unknown command 'nope'" in r[4][
        "error"], r[4]
    assert r[5]["ok"] is True and r[5]["id"] == 4, r[5]


def key_source_none():
    cleanup = mk.Cleanup()
    tmp = mk.tempfile.mkdtemp(prefix="qs_failclosed_")
    cleanup.add(mk.shutil.rmtree, tmp, True)
    log = None
    try:
        n1, n2 = make_pair(cleanup, tmp)
        sock = os.path.join(tmp, "n1.sock")
        conf = os.path.join(tmp, "n1.conf")
        with open(conf, "w") as f:
            f.write("[qmacsecd]\ninterface = wire1\ntap = dark0\n"
                    "control_socket = %s\nkey_source = none\n" % sock)
        log = open(os.path.join(tmp, "qmacsecd.log"), "w+")
        d = mk.subprocess.Popen(["ip", "netns", "exec", n1, mk.QMACSECD,
                                 "-c", conf], stdout=log, stderr=log)
        cleanup.add(lambda: d.poll() is None and (d.terminate(), d.wait(5)))
        for _ in range(100):
            if os.path.exists(sock):
                break
            mk.time.sleep(0.05)
        st = mk.request(sock, {"cmd": "status"})
        assert st["mode"] == "none" and st["fail_closed"] is True, st
        assert st["fail_closed_reasons"] == [
            "controlled port closed", "no transmit SA in use",
            "no receive SA in use"], st
        mk.run(["ip", "-n", n1, "addr", "add", "10.78.0.1/24", "dev",
                "dark0"])
        cap = mk.Capture(cleanup, n2, "wire2", os.path.join(tmp, "n2.pcap"))
        offer_traffic(n1, "dark0", "10.78.0.2")
        inject_clear(n1, "wire1")
        frames = cap.stop()
        assert len(frames) == 1 and b"qmacsec-clear-marker" in frames[0], (
            "want only the injected frame, got %d: %s" % (
                len(frames), mk.fmt_types(mk.by_type(frames))))
        st = mk.request(sock, {"cmd": "status", "id": 2})
        assert st["id"] == 2
        refused = st["port"]["tx_refused"]
        assert refused > N_PINGS, st["port"]  # pings + ARP requests
        assert st["secy"]["OutPktsPortDisabled"] == refused, st["secy"]
        assert st["port"]["wire_tx"] == 0, st["port"]
        for cmd, why in (("drop-keys", "no keys are installed"),
                         ("restore-keys",
                          "key source none has no keys to restore"),
                         ("rekey", "key source none cannot rekey (only mka "
                          "can)")):
            r = mk.request(sock, {"cmd": cmd})
            assert r == {"ok": False, "error": why}, r
        control_protocol(sock)
        r = mk.run([mk.QMACSEC, "status", "--socket", sock])
        assert "FAIL CLOSED" in r.stdout, r.stdout
        d.terminate()
        assert d.wait(10) == 0, "qmacsecd exited %d" % d.returncode
        mk.check_sanitizer(log.name)
        print("ok: key_source none: %d frames refused and counted, nothing "
              "on the wire (the injected clear frame was seen)" % refused)
    except BaseException:
        if log is not None:
            log.seek(0)
            print("--- qmacsecd.log\n" + log.read()[-4000:])
        raise
    finally:
        cleanup.run()
        if log is not None:
            log.close()


def main():
    mk.need_root()
    drop_and_restore()
    key_source_none()
    print("PASS")


if __name__ == "__main__":
    main()
