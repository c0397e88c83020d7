"""qmacsec lab up macsec-pair, for each of the four cipher suites: ping both
ways through the TAPs, then an iperf3 TCP run of 2 s from a to b.

Two captures on a's veth (tcpdump -w inside the namespace):
  - "clear": every frame that is NOT EtherType 88-E5, from before the first
    ping to the end of iperf3. It must be empty apart from EAPOL/LLDP (none
    are sent with a static key): not one IPv4, ARP or IPv6 frame in clear,
    and tcpdump must report no kernel drops (the filter keeps it cheap);
  - "pings": everything during the pings: MACsec frames only, all with
    E=C=1, and ping's payload pattern never in them.
The daemons' counters must show the traffic validated and nothing invalid.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import macseckit as mk  # noqa: E402

CIPHERS = ["gcm-aes-128", "gcm-aes-256", "gcm-aes-xpn-128", "gcm-aes-xpn-256"]
# ping's default payload after the timestamp: bytes 0x10, 0x11, ...
PING_PATTERN = bytes(range(0x10, 0x28))


def iperf(lab, cleanup):
    a, b = lab.a, lab.b
    srv = mk.subprocess.Popen(
        ["ip", "netns", "exec", b["netns"], "iperf3", "-s", "-1",
         "--forceflush", "-B", b["ip"]], stdout=mk.subprocess.PIPE,
        stderr=mk.subprocess.STDOUT, text=True)
    cleanup.add(lambda: srv.poll() is None and srv.kill())
    mk.wait_line(srv, "listening", 10)
    r = mk.nsexec(a["netns"], ["iperf3", "-c", b["ip"], "-t", "2", "-J"],
                  timeout=30)
    srv.wait(timeout=10)
    doc = json.loads(r.stdout)
    recv = doc["end"]["sum_received"]
    assert recv["bytes"] > 0, "iperf3 moved no data"
    return recv["bits_per_second"] / 1e6, doc["end"]["sum_sent"].get(
        "retransmits", 0)


def check_clear(frames, dropped, cipher):
    """The capture of everything but 88-E5 must be empty."""
    types = mk.by_type(frames)
    other = {t: n for t, n in types.items() if t not in mk.ALLOWED}
    assert not other, "%s: frames in clear on the wire: %s" % (
        cipher, mk.fmt_types(types))
    assert dropped == 0, "%s: the clear-frame capture lost %s frames" % (
        cipher, dropped)


def check_pings(frames, cipher):
    """All frames of the ping phase: MACsec with E=C=1, no ping payload."""
    types = mk.by_type(frames)
    assert set(types) <= mk.ALLOWED, "%s: %s" % (cipher, mk.fmt_types(types))
    macsec = [f for f in frames if mk.ethertype(f) == mk.ETH_MACSEC]
    assert len(macsec) >= 12, "%s: only %d MACsec frames" % (cipher,
                                                             len(macsec))
    for f in macsec:
        assert f[14] & 0x0C == 0x0C, "%s: frame without E/C: TCI %02x" % (
            cipher, f[14])
        assert PING_PATTERN not in f, "%s: ping payload in clear" % cipher
    return len(macsec)


def check_counters(lab, cipher):
    for h in (lab.a, lab.b):
        st = lab.status(h)
        assert st["cipher"] == cipher, st["cipher"]
        assert st["mode"] == "static" and st["active_an"] == 0
        assert st["active_kn"] == 0 and st["fail_closed"] is False
        assert st["sci"] == h["sci"] and st["peer_scis"] == [h["peer_sci"]]
        rx = st["rx_scs"][0]
        assert rx["InPktsOK"] > 0, rx
        assert rx["InPktsNotValid"] == 0 and rx["InPktsInvalid"] == 0, rx
        sy = st["secy"]
        for k in ("InPktsBadTag", "InPktsNoSCI", "InPktsNoTag",
                  "OutPktsNoSA", "OutPktsPortDisabled", "OutPktsUntagged"):
            assert sy[k] == 0, "%s: %s = %d" % (h["name"], k, sy[k])
        assert st["tx_sc"]["OutPktsEncrypted"] > 0
        assert st["port"]["tx_refused"] == 0
    return rx["InPktsLate"]


def one_cipher(cipher):
    cleanup = mk.Cleanup()
    try:
        lab = mk.Lab(cleanup, cipher)
        a, b = lab.a, lab.b
        clear = mk.Capture(cleanup, a["netns"], a["wire"],
                           os.path.join(lab.dir, "clear.pcap"),
                           "not ether proto 0x88e5")
        pings = mk.Capture(cleanup, a["netns"], a["wire"],
                           os.path.join(lab.dir, "pings.pcap"))
        mk.nsexec(a["netns"], ["ping", "-c", "3", "-i", "0.2", "-W", "2",
                               b["ip"]])
        mk.nsexec(b["netns"], ["ping", "-c", "3", "-i", "0.2", "-W", "2",
                               "-s", "1400", a["ip"]])
        n_ping = check_pings(pings.stop(), cipher)
        mbps, retr = iperf(lab, cleanup)
        frames = clear.stop()
        check_clear(frames, clear.dropped, cipher)
        late = check_counters(lab, cipher)
        lab.down()  # and check the daemons' logs for sanitizer reports
        print("ok: %s: ping phase %d MACsec frames (E=C=1); iperf3 %.0f "
              "Mbit/s (%d retransmits); 0 frames in clear; InPktsLate %d"
              % (cipher, n_ping, mbps, retr, late))
    except BaseException:
        if "lab" in locals():
            lab.dump_logs()
        raise
    finally:
        cleanup.run()


def main():
    mk.need_root(("ip", "tcpdump", "ping", "iperf3"))
    for c in CIPHERS:
        one_cipher(c)
    print("PASS")


if __name__ == "__main__":
    main()
