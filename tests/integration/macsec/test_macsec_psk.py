"""qmacsec lab up macsec-pair with MKA and a pre-shared CAK (key_source
mka): a (Key Server priority 16) and b (32) must secure the link by
themselves.

1. Every cipher suite: MKA secures, a is Key Server, b is not, the suite in
   use is the configured one, pings pass both ways, b refuses "rekey".
2. Hitless rollover: a sequence-numbered UDP stream runs each way (one
   datagram per ms) while a's control socket asks for 100 rekeys one after
   the other (sak_retire_time 0.2 s). Every datagram sent must arrive,
   once; the Key Number must have advanced by 100 on both ends; no frame
   may be refused, late, invalid or without an SA. A capture of the whole
   run on a's veth holds only MACsec and EAPOL-MKA frames, every MACsec
   frame with E=C=1, no datagram's marker readable, and all four ANs used.
3. PN threshold (--pn-threshold 2000, GCM-AES-XPN-256): under the UDP
   streams the transmit SAs cross the threshold; the SecY reports it from
   its transmit thread, the Key Server rekeys (its own SA, or the peer's
   SAK Use): every datagram still arrives once.
4. rekey_period: the Key Server rekeys by itself.
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import macseckit as mk  # noqa: E402

CAK = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
CKN = "71ac5ec0de"
UDPSEQ = os.path.join(os.path.dirname(__file__), "udpseq.py")
CIPHERS = ["gcm-aes-128", "gcm-aes-256", "gcm-aes-xpn-128", "gcm-aes-xpn-256"]
REKEYS = 100


def psk_lab(cleanup, cipher, *extra):
    return mk.Lab(cleanup, cipher,
                  ["--cak", CAK, "--ckn", CKN] + list(extra))


def status(h):
    r = mk.request(h["control_socket"], {"cmd": "status"})
    assert r["ok"], r
    return r


def wait_secured(lab, timeout=15):
    """Until both ends transmit with a SAK and their ports are open."""
    deadline = time.time() + timeout
    while True:
        sts = [status(h) for h in (lab.a, lab.b)]
        if all(st["active_kn"] and st["controlled_port"] for st in sts):
            return sts
        assert time.time() < deadline, "MKA did not secure: %s" % (
            [st["mka"] for st in sts],)
        time.sleep(0.05)


def check_roles(lab, cipher):
    a, b = status(lab.a), status(lab.b)
    for st, h, us in ((a, lab.a, True), (b, lab.b, False)):
        m = st["mka"]
        assert st["mode"] == "mka" and st["cipher"] == cipher, st["cipher"]
        assert m["cipher_suite"] == cipher and m["connect"] == "secure", m
        assert m["key_server"] == {"sci": lab.a["sci"], "us": us}, m
        ca = m["cas"][0]
        assert ca["ckn"] == CKN and ca["principal"], ca
        assert [p["sci"] for p in ca["live_peers"]] == [h["peer_sci"]], ca
        assert st["peer_scis"] == [h["peer_sci"]], st["peer_scis"]
        assert m["counters"]["drop_bad_icv"] == 0, m["counters"]
    r = mk.request(lab.b["control_socket"], {"cmd": "rekey"})
    assert r == {"ok": False, "error": "not the Key Server of a running "
                 "CA: only the Key Server distributes SAKs"}, r


def one_cipher(cipher):
    cleanup = mk.Cleanup()
    try:
        t0 = time.time()
        lab = psk_lab(cleanup, cipher)
        wait_secured(lab)
        secured = time.time() - t0
        mk.nsexec(lab.a["netns"], ["ping", "-c", "3", "-i", "0.2", "-W",
                                   "2", lab.b["ip"]])
        mk.nsexec(lab.b["netns"], ["ping", "-c", "3", "-i", "0.2", "-W",
                                   "2", "-s", "1400", lab.a["ip"]])
        check_roles(lab, cipher)
        lab.down()
        print("ok: %s: MKA secured %.1f s after lab up; a is Key Server; "
              "pings both ways" % (cipher, secured))
    except BaseException:
        if "lab" in locals():
            lab.dump_logs()
        raise
    finally:
        cleanup.run()


class Stream:
    """udpseq.py sender in |src| to receiver in |dst|."""

    def __init__(self, cleanup, src, dst, port):
        self.rx = self._start(cleanup, dst["netns"],
                              ["recv", dst["ip"], str(port)])
        mk.wait_line(self.rx, "ready", 10)
        self.tx = self._start(cleanup, src["netns"],
                              ["send", dst["ip"], str(port), "0.001"])
        self.name = "%s->%s" % (src["name"], dst["name"])

    @staticmethod
    def _start(cleanup, ns, args):
        p = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable,
                              UDPSEQ] + args, stdout=subprocess.PIPE,
                             text=True)
        cleanup.add(lambda: p.poll() is None and p.kill())
        return p

    @staticmethod
    def _stop(p):
        p.terminate()
        out, _ = p.communicate(timeout=10)
        return json.loads(out.strip().splitlines()[-1])

    def stop_sender(self):
        self.sent = self._stop(self.tx)["sent"]

    def stop_receiver(self):
        r = self._stop(self.rx)
        assert r["received"] == self.sent and r["n_missing"] == 0 and \
            r["dups"] == 0 and r["max"] == self.sent - 1, (
                "%s: sent %d, got %s" % (self.name, self.sent, r))
        return r


def rekeys(lab, n):
    """Asks a for |n| rekeys, each once the previous one is in use on both
    ends and the old SA is retired; returns (KN before, KN after, s)."""
    a, b = lab.a["control_socket"], lab.b["control_socket"]
    kn0, t0 = status(lab.a)["active_kn"], time.time()
    for i in range(n):
        r = mk.request(a, {"cmd": "rekey"})
        assert r["ok"], r
        deadline = time.time() + 10
        while True:
            sa, sb = status(lab.a), status(lab.b)
            if (sa["active_kn"] > r["kn"] and sb["active_kn"] > r["kn"]
                    and sa["mka"]["cp_state"] == "RETIRE"):
                break
            assert time.time() < deadline, "rekey %d stuck: %s / %s" % (
                i, sa["mka"], sb["mka"])
            time.sleep(0.01)
    return kn0, status(lab.a)["active_kn"], time.time() - t0


def check_counters(lab, kn0, kn1):
    for h in (lab.a, lab.b):
        st = status(h)
        assert st["active_kn"] == kn1 and kn1 - kn0 >= REKEYS, (kn0, kn1)
        assert st["mka"]["sak_rekeys"] >= REKEYS, st["mka"]
        assert st["port"]["tx_refused"] == 0, st["port"]
        assert st["port"]["ring_drops"] == 0, st["port"]
        sy = st["secy"]
        for k in ("InPktsNoSA", "InPktsNoSCI", "InPktsBadTag", "OutPktsNoSA",
                  "OutPktsPortDisabled"):
            assert sy[k] == 0, "%s: %s = %d" % (h["name"], k, sy[k])
        rx = st["rx_scs"][0]
        for k in ("InPktsLate", "InPktsNotValid", "InPktsInvalid",
                  "InPktsNotUsingSA", "InPktsUnusedSA"):
            assert rx[k] == 0, "%s: %s = %d" % (h["name"], k, rx[k])
    c = status(lab.a)["mka"]["counters"]
    assert c["rekey_request"] == REKEYS, c


def check_wire(frames):
    types = mk.by_type(frames)
    assert set(types) <= {mk.ETH_MACSEC, mk.ETH_EAPOL}, mk.fmt_types(types)
    macsec = [f for f in frames if mk.ethertype(f) == mk.ETH_MACSEC]
    ans = set()
    for f in macsec:
        assert f[14] & 0x0C == 0x0C, "frame without E/C: TCI %02x" % f[14]
        assert b"qmacsec-seq" not in f, "a datagram crossed in clear"
        ans.add(f[14] & 3)
    assert ans == {0, 1, 2, 3}, "ANs used: %s" % sorted(ans)
    return len(macsec), types.get(mk.ETH_EAPOL, 0)


def hitless():
    cleanup = mk.Cleanup()
    try:
        lab = psk_lab(cleanup, "gcm-aes-256", "--sak-retire-time", "0.2")
        wait_secured(lab)
        # ARP resolved before the streams start
        mk.nsexec(lab.a["netns"], ["ping", "-c", "1", "-W", "2",
                                   lab.b["ip"]])
        cap = mk.Capture(cleanup, lab.a["netns"], lab.a["wire"],
                         os.path.join(lab.dir, "rekeys.pcap"), snaplen=96)
        streams = [Stream(cleanup, lab.a, lab.b, 7001),
                   Stream(cleanup, lab.b, lab.a, 7002)]
        time.sleep(0.3)
        kn0, kn1, secs = rekeys(lab, REKEYS)
        time.sleep(0.3)
        for s in streams:
            s.stop_sender()
        time.sleep(0.5)
        got = [s.stop_receiver() for s in streams]
        n_sec, n_mka = check_wire(cap.stop())
        assert cap.dropped == 0, "the capture lost %s frames" % cap.dropped
        check_counters(lab, kn0, kn1)
        lab.down()
        print("ok: hitless: %d rekeys (KN %d -> %d on both ends) in %.1f s "
              "under two UDP streams: %d and %d datagrams sent, 0 lost, 0 "
              "duplicated; wire: %d MACsec frames (E=C=1, ANs 0-3), %d "
              "MKPDUs, nothing else" % (
                  kn1 - kn0, kn0, kn1, secs, streams[0].sent,
                  streams[1].sent, n_sec, n_mka))
        assert all(g["received"] > 0 for g in got)
    except BaseException:
        if "lab" in locals():
            lab.dump_logs()
        raise
    finally:
        cleanup.run()


def pn_threshold():
    cleanup = mk.Cleanup()
    try:
        lab = psk_lab(cleanup, "gcm-aes-xpn-256", "--pn-threshold", "2000",
                      "--sak-retire-time", "0.2")
        kn0 = wait_secured(lab)[0]["active_kn"]
        mk.nsexec(lab.a["netns"], ["ping", "-c", "1", "-W", "2",
                                   lab.b["ip"]])
        streams = [Stream(cleanup, lab.a, lab.b, 7003),
                   Stream(cleanup, lab.b, lab.a, 7004)]
        time.sleep(8)
        for s in streams:
            s.stop_sender()
        time.sleep(0.5)
        for s in streams:
            s.stop_receiver()
        a, b = status(lab.a), status(lab.b)
        n = a["mka"]["counters"]["rekey_pn"]
        assert n >= 2 and a["active_kn"] >= kn0 + 2, a["mka"]
        assert a["key_source"]["pn_threshold_events"] >= 1, a["key_source"]
        assert b["key_source"]["pn_threshold_events"] >= 1, b["key_source"]
        assert b["active_kn"] == a["active_kn"]
        lab.down()
        print("ok: PN threshold 2000 (XPN-256): %d rekeys at the threshold "
              "in 8 s (SecY reports: a %d, b %d), %d and %d datagrams, none "
              "lost" % (n, a["key_source"]["pn_threshold_events"],
                        b["key_source"]["pn_threshold_events"],
                        streams[0].sent, streams[1].sent))
    except BaseException:
        if "lab" in locals():
            lab.dump_logs()
        raise
    finally:
        cleanup.run()


def periodic():
    cleanup = mk.Cleanup()
    try:
        lab = psk_lab(cleanup, "gcm-aes-xpn-128", "--rekey-period", "0.5",
                      "--sak-retire-time", "0.2")
        kn0 = wait_secured(lab)[0]["active_kn"]
        time.sleep(3)
        mk.nsexec(lab.a["netns"], ["ping", "-c", "2", "-i", "0.2", "-W",
                                   "2", lab.b["ip"]])
        st = status(lab.a)
        n = st["mka"]["counters"]["rekey_period"]
        assert n >= 4 and st["active_kn"] >= kn0 + 4, st["mka"]
        assert status(lab.b)["active_kn"] >= kn0 + 3
        lab.down()
        print("ok: rekey_period 0.5 s: %d periodic rekeys in 3 s" % n)
    except BaseException:
        if "lab" in locals():
            lab.dump_logs()
        raise
    finally:
        cleanup.run()


def main():
    mk.need_root(("ip", "tcpdump", "ping"))
    for c in CIPHERS:
        one_cipher(c)
    hitless()
    pn_threshold()
    periodic()
    print("PASS")


if __name__ == "__main__":
    main()
