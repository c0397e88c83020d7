"""The topology of the qmacsecd QKD tests (key_source = qkd):

    ns A: qmacsecd A (SAE_A1) --wa====wb-- qmacsecd B (SAE_B1) :ns B
            tapa 10.199.9.1                  tapb 10.199.9.2
            ka 10.199.1.1                    kb 10.199.2.1
               |                                |
    ns K:   kka 10.199.1.2   KME_A ==== KME_B   kkb 10.199.2.2
            (qmacsec lab up kme-pair, on K's loopback)

Each encryptor reaches its own KME at https://127.0.0.1:PORT through two
relays (relay.py in its namespace and in K), so the lab's KME
certificates (SAN 127.0.0.1) verify unchanged. Everything made is
removed by the Cleanup, also on failure.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "macsec"))
import macseckit as mk  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
QKD_KME = os.path.join(mk.BUILD, "cmd", "qkd-kme", "qkd-kme")
CAK = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
CKN = "b00757a4" * 8

POLICY_FAST = {
    "t_qkd": "2", "t_akl": "6", "rollover": "1.5",
    "kme_availability": "10", "retry_initial": "0.5", "fetch_timeout": "4",
    "init_timeout": "30", "announce_interval": "1",
}


class Topo:
    def __init__(self, cleanup, tag):
        self.cleanup = cleanup
        self.dir = tempfile.mkdtemp(prefix="qs_qkdmacsec_")
        cleanup.add(self._rmdir)
        self.keep = False
        sfx = "%s%d" % (tag, os.getpid() % 10000)
        self.ns = {"a": "qqa" + sfx, "b": "qqb" + sfx, "k": "qqk" + sfx}
        self.procs = {}
        self.relays = {}
        for ns in self.ns.values():
            mk.run(["ip", "netns", "add", ns])
            cleanup.add(mk.run, ["ip", "netns", "del", ns], 20, False)
            mk.nsexec(ns, ["ip", "link", "set", "lo", "up"])
        a, b, k = self.ns["a"], self.ns["b"], self.ns["k"]
        mk.run(["ip", "-n", a, "link", "add", "wa", "type", "veth", "peer",
                "name", "wb", "netns", b])
        mk.run(["ip", "-n", a, "link", "add", "ka", "type", "veth", "peer",
                "name", "kka", "netns", k])
        mk.run(["ip", "-n", b, "link", "add", "kb", "type", "veth", "peer",
                "name", "kkb", "netns", k])
        for ns, dev in ((a, "wa"), (b, "wb")):
            mk.nsexec(ns, ["sysctl", "-qw",
                           "net.ipv6.conf.%s.disable_ipv6=1" % dev])
            mk.nsexec(ns, ["ip", "link", "set", dev, "up"])
        for ns, dev, addr in ((a, "ka", "10.199.1.1/30"),
                              (k, "kka", "10.199.1.2/30"),
                              (b, "kb", "10.199.2.1/30"),
                              (k, "kkb", "10.199.2.2/30")):
            mk.nsexec(ns, ["ip", "addr", "add", addr, "dev", dev])
            mk.nsexec(ns, ["ip", "link", "set", dev, "up"])
        self.kdir = os.path.join(self.dir, "kme")
        r = mk.nsexec(k, [mk.QMACSEC, "lab", "up", "kme-pair", self.kdir],
                      timeout=60, check=False)
        if r.returncode != 0:
            raise AssertionError("kme-pair: " + r.stdout + r.stderr)
        cleanup.add(self._kme_down)
        with open(os.path.join(self.kdir, "lab.json")) as f:
            self.lab = json.load(f)
        self.port = {}
        for kme in self.lab["kmes"]:
            self.port[kme["kme_id"]] = int(kme["url"].rsplit(":", 1)[1])
        pa, pb = self.port["KME_A"], self.port["KME_B"]
        self._relay("k", ["10.199.1.2:%d=127.0.0.1:%d" % (pa, pa),
                          "10.199.2.2:%d=127.0.0.1:%d" % (pb, pb)])
        self.relay_maps = {
            "a": ["127.0.0.1:%d=10.199.1.2:%d" % (pa, pa)],
            "b": ["127.0.0.1:%d=10.199.2.2:%d" % (pb, pb)]}
        for h in "ab":
            self._relay(h, self.relay_maps[h])

    def _rmdir(self):
        if not self.keep:
            mk.run(["rm", "-rf", self.dir], check=False)

    def _kme_down(self):
        mk.run([mk.QMACSEC, "lab", "down", self.kdir], check=False)

    def _relay(self, host, maps):
        p = subprocess.Popen(
            ["ip", "netns", "exec", self.ns[host], sys.executable,
             os.path.join(HERE, "relay.py")] + maps,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.cleanup.add(stop_proc, p)
        mk.wait_line(p, "ready", 10)
        self.relays[host] = p

    def cut_kme(self, host):
        """The encryptor |host| loses its KME (connections refused)."""
        stop_proc(self.relays.pop(host))

    def restore_kme(self, host):
        self._relay(host, self.relay_maps[host])

    def sae(self, sae_id):
        for s in self.lab["saes"]:
            if s["sae_id"] == sae_id:
                return s
        raise KeyError(sae_id)

    def config(self, host, policy, qkd=None, mka=None, lldp=True,
               macsec=None):
        """Writes DIR/qmacsecd-HOST.conf: A is SAE_A1 at KME_A, B SAE_B1
        at KME_B; |qkd| and |mka| override [qkd] / [mka] keys (None
        values drop a key)."""
        me, peer = ("SAE_A1", "SAE_B1") if host == "a" else ("SAE_B1",
                                                             "SAE_A1")
        s = self.sae(me)
        sect = {
            "qmacsecd": {"interface": "w" + host, "tap": "tap" + host,
                         "control_socket": self.sock(host),
                         "key_source": "qkd"},
            "mka": {"mka_cak": CAK, "mka_ckn": CKN,
                    "mka_priority": "16" if host == "a" else "32",
                    "sak_retire_time": "0.5"},
            "qkd": {"sae_id": me, "peer_sae_id": peer,
                    "kme_url": "https://127.0.0.1:%d" % self.port[
                        s["kme_id"]],
                    "kme_id": s["kme_id"], "cert": s["cert"],
                    "key": s["key"], "ca": s["ca"], "role": "derived",
                    "exchange": "both"},
            "macsec": dict(macsec or {}),
            "policy": dict(policy),
            "lldp": {"enable": "true", "tx_interval": "1"},
        }
        for k, v in (qkd or {}).items():
            sect["qkd"][k] = v
        for k, v in (mka or {}).items():
            sect["mka"][k] = v
        if not lldp:
            del sect["lldp"]
        path = os.path.join(self.dir, "qmacsecd-%s.conf" % host)
        with open(path, "w") as f:
            for name, keys in sect.items():
                f.write("[%s]\n" % name)
                for k, v in keys.items():
                    if v is not None:
                        f.write("%s = %s\n" % (k, v))
        return path

    def sock(self, host):
        return os.path.join(self.dir, "qmacsecd-%s.sock" % host)

    def start(self, host, conf):
        log = open(os.path.join(self.dir, "qmacsecd-%s.log" % host), "w")
        p = subprocess.Popen(["ip", "netns", "exec", self.ns[host],
                              mk.QMACSECD, "-v", "-c", conf],
                             stdout=log, stderr=subprocess.STDOUT)
        self.procs[host] = p
        self.cleanup.add(self.stop, host)
        deadline = time.time() + 15
        while not os.path.exists(self.sock(host)):
            if p.poll() is not None or time.time() > deadline:
                self.dump()
                raise AssertionError("qmacsecd %s did not start" % host)
            time.sleep(0.1)
        ns, tap = self.ns[host], "tap" + host
        addr = "10.199.9.1/24" if host == "a" else "10.199.9.2/24"
        mk.nsexec(ns, ["ip", "addr", "add", addr, "dev", tap])
        mk.nsexec(ns, ["ip", "link", "set", tap, "mtu", "1468", "up"])

    def stop(self, host):
        p = self.procs.pop(host, None)
        if p is not None:
            stop_proc(p)
            mk.check_sanitizer(os.path.join(self.dir,
                                            "qmacsecd-%s.log" % host))

    def status(self, host):
        return mk.request(self.sock(host), {"cmd": "status"})

    def dump(self):
        for name in sorted(os.listdir(self.dir)):
            if name.endswith(".log"):
                with open(os.path.join(self.dir, name),
                          errors="replace") as f:
                    print("--- %s\n%s" % (name, f.read()[-6000:]))

    def kme_pid(self, name):
        """The pid of KME |name| ("kme-a") from the lab's pids file."""
        with open(os.path.join(self.kdir, "pids")) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and parts[0] == name:
                    return int(parts[1])
        raise KeyError(name)


def stop_proc(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
