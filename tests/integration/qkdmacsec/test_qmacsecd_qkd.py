"""qmacsecd with key_source = qkd end to end (issue #5): two encryptors in
network namespaces, each the SAE of its own KME (a kme-pair lab in a third
namespace), MACsec keyed with QKD keys through ETSI 014 and MKA.

Scenarios (T_QKD 2 s, T_AKL 6 s; qkdkit.py has the topology):
  mode1   Mode 1 (QKD key = CAK of a new CA, CKN = key_ID), roles derived
          from the bootstrap CA's Key Server, key_IDs over LLDP and MKA: a
          sequence-numbered UDP stream crosses >= 3 rollovers with no
          datagram lost; forged MKPDUs naming unknown key_IDs make the
          slave ask its KME, which refuses them (400), and change nothing.
  mode1-mka  Mode 1 without a bootstrap CA, roles configured, key_IDs only
          inside MKA (the CKN of the new CA): rollovers, ping.
  mode2   Mode 2 (QKD keys merged into the bootstrap CA's SAKs), roles
          derived, key_IDs over LLDP: rollovers, no datagram lost.
  stall   Mode 1 with KME_A frozen (SIGSTOP): the link rides out T_AKL,
          then stalls (alarm in the status and the metrics, traffic
          stops, nothing in clear); KME_A thawed: it resumes by itself.
  window  the PoC's mismatch (KME availability 4 s vs a long T_AKL): the
          slave misses keys for 7 s, gives up on them inside their window,
          the master's rollovers fail, not one datagram is lost.
  role-change  role derived, and the Key Server changes (A restarts
          with a worse priority): B becomes the master, keys flow again.
  no-fetch  the slave loses its KME (a peer that never fetches): the
          master's rollovers fail and are counted while traffic goes on,
          then both stall at T_AKL; the KME back: resume.
In every scenario a capture on the A-B link holds only MACsec, EAPOL and
LLDP frames, and never the stream's marker.

    test_qmacsecd_qkd.py [SCENARIO ...]     (default: all)
"""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import qkdkit as qk  # noqa: E402
import macseckit as mk  # noqa: E402

UDPSEQ = os.path.join(os.path.dirname(__file__), "..", "macsec",
                      "udpseq.py")
MARKER = b"qmacsec-seq "


class Stream:
    """udpseq.py from A's TAP to B's TAP, one datagram every |interval|."""

    def __init__(self, topo, interval=0.005, port=5555):
        self.rx = self._start(topo, "b", ["recv", "10.199.9.2", str(port)])
        mk.wait_line(self.rx, "ready", 10)
        self.tx = self._start(topo, "a", ["send", "10.199.9.2", str(port),
                                          str(interval)])

    @staticmethod
    def _start(topo, host, args):
        p = subprocess.Popen(["ip", "netns", "exec", topo.ns[host],
                              sys.executable, UDPSEQ] + args,
                             stdout=subprocess.PIPE)
        topo.cleanup.add(lambda: p.poll() is None and p.kill())
        return p

    @staticmethod
    def _stop(p):
        p.terminate()
        out, _ = p.communicate(timeout=10)
        return json.loads(out.decode().strip().splitlines()[-1])

    def stop(self):
        sent = self._stop(self.tx)["sent"]
        time.sleep(0.3)
        r = self._stop(self.rx)
        r["sent"] = sent
        return r


def check_wire(frames, what):
    """Only MACsec, EAPOL and LLDP on the wire; the marker never in
    clear."""
    counts = mk.by_type(frames)
    bad = {t: n for t, n in counts.items() if t not in mk.ALLOWED}
    assert not bad, "%s: frames in clear on the wire: %s" % (
        what, mk.fmt_types(bad))
    clear = sum(1 for f in frames if MARKER in f)
    assert clear == 0, "%s: %d frames carry the marker in clear" % (
        what, clear)
    assert counts.get(mk.ETH_MACSEC, 0) > 0, "%s: no MACsec frame" % what
    return counts


def wait_for(what, fn, timeout, topo):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.25)
    topo.dump()
    raise AssertionError("%s: not within %.0f s" % (what, timeout))


def qkd(topo, host):
    return topo.status(host).get("qkd") or {}


def both_active(topo):
    return all(qkd(topo, h).get("state") in ("ACTIVE", "WARNING",
                                             "ROLLOVER_PENDING")
               and topo.status(h)["key_source"]["gate_open"] for h in "ab")


def start_pair(topo, policy, **kw):
    for h in "ab":
        topo.start(h, topo.config(h, policy, **kw))
    wait_for("both ends keyed by QKD", lambda: both_active(topo), 30, topo)


def rollovers(topo, host):
    return qkd(topo, host).get("rollovers", 0)


def wait_rollovers(topo, n):
    r0 = {h: rollovers(topo, h) for h in "ab"}
    wait_for("%d rollovers at both ends" % n, lambda: all(
        rollovers(topo, h) >= r0[h] + n for h in "ab"), 6 * n + 10, topo)


def forged_mkpdu(ckn):
    """An MKPDU (EAPOL-MKA) whose Basic Parameter Set names |ckn|: the
    unknown-CKN path of the KaY; its ICV is garbage."""
    bps = bytes([3, 0x10, 0x00, 28 + len(ckn)]) + \
        bytes.fromhex("02aabbccddee0001") + os.urandom(12) + \
        (1).to_bytes(4, "big") + bytes.fromhex("0080c201") + ckn
    body = bps + bytes(16)  # ICV indicator-less: ICV follows the sets
    eapol = bytes([3, 5]) + len(body).to_bytes(2, "big") + body
    return bytes.fromhex("0180c2000003") + bytes.fromhex("02aabbccddee") + \
        b"\x88\x8e" + eapol


def inject(topo, host, dev, frames):
    code = ("import socket,sys\n"
            "s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW)\n"
            "s.bind((sys.argv[1],0))\n"
            "for h in sys.argv[2:]: s.send(bytes.fromhex(h))\n")
    mk.nsexec(topo.ns[host], [sys.executable, "-c", code, dev] +
              [f.hex() for f in frames])


def scenario_mode1(cleanup):
    topo = qk.Topo(cleanup, "m")
    start_pair(topo, dict(qk.POLICY_FAST, mode="1"))
    ks = {h: topo.status(h)["key_source"] for h in "ab"}
    assert ks["a"]["role"] == "master" and ks["b"]["role"] == "slave", ks
    cap = mk.Capture(cleanup, topo.ns["a"], "wa",
                     os.path.join(topo.dir, "wire.pcap"))
    st = Stream(topo)
    wait_rollovers(topo, 3)
    # forged MKPDUs with unknown 16-octet CKNs, towards the slave
    fail0 = qkd(topo, "b")["fetch_failures"]["400"]
    inject(topo, "a", "wa", [forged_mkpdu(os.urandom(16)) for _ in range(3)])
    wait_for("the slave's KME refuses the forged key_IDs", lambda: qkd(
        topo, "b")["fetch_failures"]["400"] > fail0, 15, topo)
    time.sleep(1)
    r = st.stop()
    frames = cap.stop()
    counts = check_wire(frames, "mode1")
    assert r["n_missing"] == 0 and r["received"] == r["sent"] and \
        r["dups"] == 0, "datagrams lost across rollovers: %s" % r
    sb = topo.status("b")
    assert sb["key_source"]["counters"]["announce_ckn"] >= 3, sb
    assert sb["key_source"]["gate_open"] and not sb["qkd"]["alarm"]
    lldp = topo.status("b")["lldp"]["neighbour"]
    assert lldp and lldp["sae_id"] == "SAE_A1", lldp
    print("mode1: %d datagrams, 0 lost over %d rollovers; forged CKNs: "
          "%d refused by the KME (400); wire %s" % (
              r["sent"], rollovers(topo, "a"),
              sb["qkd"]["fetch_failures"]["400"], mk.fmt_types(counts)))


def scenario_mode1_mka(cleanup):
    topo = qk.Topo(cleanup, "k")
    pol = dict(qk.POLICY_FAST, mode="1")
    for h, role in (("a", "master"), ("b", "slave")):
        topo.start(h, topo.config(
            h, pol, qkd={"role": role, "exchange": "mka"},
            mka={"mka_cak": None, "mka_ckn": None}, lldp=False))
    wait_for("both ends keyed by QKD", lambda: both_active(topo), 30, topo)
    cap = mk.Capture(cleanup, topo.ns["a"], "wa",
                     os.path.join(topo.dir, "wire.pcap"))
    wait_rollovers(topo, 2)
    r = mk.nsexec(topo.ns["a"], ["ping", "-c", "5", "-i", "0.2", "-W", "1",
                                 "10.199.9.2"], check=False)
    frames = cap.stop()
    check_wire(frames, "mode1-mka")
    assert " 0% packet loss" in r.stdout, r.stdout
    sb = topo.status("b")
    assert sb["key_source"]["counters"]["announce_ckn"] >= 2, sb
    assert sb["key_source"]["cas"] <= 2, sb["key_source"]
    print("mode1-mka: %d rollovers, key_IDs learnt from %d new CKNs" % (
        rollovers(topo, "a"), sb["key_source"]["counters"]["announce_ckn"]))


def scenario_mode2(cleanup):
    topo = qk.Topo(cleanup, "s")
    pol = dict(qk.POLICY_FAST, mode="2", buffer_k="3", low_water="1")
    # a low PN threshold: the stream (200/s) crosses it every ~1.5 s, and
    # each crossing rolls the SAK to the next buffered QKD key
    start_pair(topo, pol, qkd={"exchange": "lldp"},
               macsec={"pn_threshold": "300"})
    cap = mk.Capture(cleanup, topo.ns["a"], "wa",
                     os.path.join(topo.dir, "wire.pcap"))
    st = Stream(topo)
    wait_rollovers(topo, 2)
    r = st.stop()
    frames = cap.stop()
    counts = check_wire(frames, "mode2")
    assert r["n_missing"] == 0 and r["received"] == r["sent"], \
        "datagrams lost across Mode 2 rollovers: %s" % r
    sa = topo.status("a")
    assert sa["mka"]["counters"]["qkd_sak_made"] >= 2, sa["mka"]
    pn = sa["key_source"]["counters"]["pn_threshold_events"]
    assert pn >= 1, sa["key_source"]
    print("mode2: %d datagrams, 0 lost over %d SAK rollovers (%d merged "
          "SAKs, %d PN thresholds); wire %s" % (
              r["sent"], rollovers(topo, "a"),
              sa["mka"]["counters"]["qkd_sak_made"], pn,
              mk.fmt_types(counts)))


def scenario_stall(cleanup):
    topo = qk.Topo(cleanup, "t")
    start_pair(topo, dict(qk.POLICY_FAST, mode="1"))
    cap = mk.Capture(cleanup, topo.ns["a"], "wa",
                     os.path.join(topo.dir, "wire.pcap"))
    st = Stream(topo, interval=0.01)
    pid = topo.kme_pid("kme-a")
    os.kill(pid, signal.SIGSTOP)
    cleanup.add(os.kill, pid, signal.SIGCONT)
    t0 = time.time()
    wait_for("stall with the alarm at both ends", lambda: all(
        qkd(topo, h).get("alarm") for h in "ab"), 20, topo)
    t_stall = time.time() - t0
    sa = topo.status("a")
    assert not sa["key_source"]["gate_open"], sa["key_source"]
    assert sa["qkd"]["state"] in ("FAIL_CLOSED", "RECOVERING"), sa["qkd"]
    m = mk.run([mk.QMACSEC, "status", "--metrics", "--socket",
                topo.sock("a")]).stdout
    assert "\nqmacsec_policy_alarm 1\n" in m and \
        "\nqmacsec_gate_open 0\n" in m, m
    time.sleep(2)
    os.kill(pid, signal.SIGCONT)
    t1 = time.time()
    wait_for("resume at both ends", lambda: all(
        not qkd(topo, h).get("alarm") for h in "ab") and both_active(topo),
        30, topo)
    t_resume = time.time() - t1
    time.sleep(1)
    r = st.stop()
    frames = cap.stop()
    check_wire(frames, "stall")
    sa = topo.status("a")
    assert sa["qkd"]["alarms"] >= 1 and sa["qkd"]["stall_s"] > 1, sa["qkd"]
    assert r["n_missing"] > 0, "traffic passed during the stall: %s" % r
    assert r["max"] >= r["sent"] - 200, "no traffic after resume: %s" % r
    print("stall: KME_A frozen -> alarm after %.1f s (T_AKL 6 s), %d "
          "datagrams dropped while stalled (%.1f s), resumed %.1f s after "
          "the KME came back" % (t_stall, r["n_missing"],
                                 sa["qkd"]["stall_s"], t_resume))


def scenario_no_fetch(cleanup):
    """The slave cannot reach its KME (the peer never fetches): the
    master's rollovers fail and are counted, traffic goes on under the
    active key until T_AKL, then both ends stall; the slave's KME back:
    resume."""
    topo = qk.Topo(cleanup, "n")
    start_pair(topo, dict(qk.POLICY_FAST, mode="1"))
    st = Stream(topo, interval=0.01)
    topo.cut_kme("b")
    t0 = time.time()
    wait_for("a failed rollover at the master", lambda: qkd(
        topo, "a").get("rollovers_failed", 0) >= 1, 15, topo)
    t_fail = time.time() - t0
    gate = topo.status("a")["key_source"]["gate_open"]
    wait_for("stall at both ends", lambda: all(
        qkd(topo, h).get("alarm") for h in "ab"), 20, topo)
    t_stall = time.time() - t0
    fb = qkd(topo, "b")["fetch_failures"]
    topo.restore_kme("b")
    wait_for("resume at both ends", lambda: all(
        not qkd(topo, h).get("alarm") for h in "ab") and both_active(topo),
        30, topo)
    time.sleep(1)
    r = st.stop()
    assert gate, "the link closed at the first failed rollover"
    assert t_stall > 4.5, "stalled %.1f s after the cut, before T_AKL" % (
        t_stall)
    assert fb["unreachable"] + fb["other"] >= 1, fb
    assert r["max"] >= r["sent"] - 200, "no traffic after resume: %s" % r
    print("no-fetch: slave cut from its KME -> first failed rollover at "
          "the master after %.1f s (link up), stall after %.1f s, slave's "
          "failures %s; resumed" % (
              t_fail, t_stall,
              {k: v for k, v in fb.items() if v}))


def scenario_role_change(cleanup):
    """role = derived: A (priority 16) is the Key Server and the master;
    A restarts with priority 64, B becomes the Key Server: B rebuilds its
    SAE as the master (its QKD keys wiped, link closed until a new key
    is in use), A comes up as the slave, and rollovers go on."""
    topo = qk.Topo(cleanup, "r")
    pol = dict(qk.POLICY_FAST, mode="1")
    start_pair(topo, pol)
    assert topo.status("a")["key_source"]["role"] == "master"
    wait_rollovers(topo, 1)
    topo.stop("a")
    topo.start("a", topo.config("a", pol, mka={"mka_priority": "64"}))
    wait_for("B master, A slave", lambda: topo.status("b")["key_source"][
        "role"] == "master" and topo.status("a")["key_source"]["role"] ==
        "slave", 30, topo)
    wait_for("both ends keyed again", lambda: both_active(topo), 30, topo)
    wait_rollovers(topo, 2)
    kb = topo.status("b")["key_source"]
    assert kb["counters"]["role_changes"] == 1, kb
    r = mk.nsexec(topo.ns["b"], ["ping", "-c", "3", "-i", "0.2", "-W", "1",
                                 "10.199.9.1"], check=False)
    assert " 0% packet loss" in r.stdout, r.stdout
    print("role-change: A restarted with a higher priority -> B became "
          "the master (1 role change), %d rollovers since" % rollovers(
              topo, "b"))


def scenario_window(cleanup):
    """The PoC's timing mismatch: the KME keeps a key for the slave only
    kme_availability (here 4 s) while T_AKL is long (20 s). The slave
    loses its KME for 7 s: it gives up on each announced key_ID when its
    window ends, the master's rollovers fail, and no datagram is lost:
    the active key rides it out; the KME back, rollovers go on."""
    topo = qk.Topo(cleanup, "w")
    pol = dict(qk.POLICY_FAST, mode="1", t_akl="20", kme_availability="4",
               retry_initial="0.5", fetch_timeout="2")
    start_pair(topo, pol)
    st = Stream(topo)
    topo.cut_kme("b")
    time.sleep(7)
    topo.restore_kme("b")
    wait_rollovers(topo, 2)
    r = st.stop()
    qa, qb = qkd(topo, "a"), qkd(topo, "b")
    assert qb["announces"]["given_up"] >= 1, qb["announces"]
    assert qa["rollovers_failed"] >= 1, qa
    assert qa["alarms"] == 0 and qb["alarms"] == 0, (qa, qb)
    assert r["n_missing"] == 0 and r["received"] == r["sent"], \
        "datagrams lost while keys were missed: %s" % r
    print("window: slave cut from its KME for 7 s (> the 4 s availability "
          "window): %d key_IDs given up, %d failed rollovers at the master, "
          "0 of %d datagrams lost, no alarm" % (
              qb["announces"]["given_up"], qa["rollovers_failed"],
              r["sent"]))


SCENARIOS = {"mode1": scenario_mode1, "mode1-mka": scenario_mode1_mka,
             "mode2": scenario_mode2, "stall": scenario_stall,
             "no-fetch": scenario_no_fetch,
             "role-change": scenario_role_change,
             "window": scenario_window}


def main():
    mk.need_root()
    if not os.access(qk.QKD_KME, os.X_OK):
        mk.skip(qk.QKD_KME + " is not built")
    names = sys.argv[1:] or list(SCENARIOS)
    for name in names:
        cleanup = mk.Cleanup()
        t = time.time()
        try:
            SCENARIOS[name](cleanup)
        finally:
            cleanup.run()
        print("  (%s: %.1f s)" % (name, time.time() - t))
    return 0


if __name__ == "__main__":
    sys.exit(main())
