"""labkit — shared helpers of the KME-pair integration tests.

Starts `qmacsec lab up kme-pair` in a fresh temporary directory, gives
per-SAE mutual-TLS HTTP access to the KMEs with Python's standard library
(an independent client: it shares no code with the daemon), and always
tears the lab down, even when a test fails or is interrupted.
"""
import atexit
import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
import urllib.request

BUILD = os.environ.get("QS_BUILD_DIR", "")
QMACSEC = os.path.join(BUILD, "cmd", "qmacsec", "qmacsec")


class Lab:
    def __init__(self, eve=False, keep=False):
        self.dir = tempfile.mkdtemp(prefix="qs-kme-lab-")
        self.keep = keep
        args = [QMACSEC, "lab", "up", "kme-pair", self.dir]
        if eve:
            args.append("--eve")
        atexit.register(self.down)
        signal.signal(signal.SIGTERM, lambda *_: (self.down(), os._exit(1)))
        r = subprocess.run(args, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            self.dump_logs()
            raise RuntimeError("lab up failed: " + r.stderr)
        with open(os.path.join(self.dir, "lab.json")) as f:
            self.info = json.load(f)
        self.saes = {s["sae_id"]: s for s in self.info["saes"]}
        self.kmes = {k["kme_id"]: k for k in self.info["kmes"]}

    def down(self):
        """Stops the lab; raises if a daemon logged a sanitizer report."""
        if self.dir is None:
            return
        subprocess.run([QMACSEC, "lab", "down", self.dir],
                       capture_output=True, timeout=30)
        reports = self.sanitizer_reports()
        if reports:
            self.dump_logs()
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None
        if reports:
            raise AssertionError("sanitizer reports in " + ", ".join(reports))

    def sanitizer_reports(self):
        found = []
        for name in sorted(os.listdir(self.dir)):
            if not name.endswith(".log"):
                continue
            with open(os.path.join(self.dir, name), errors="replace") as f:
                text = f.read()
            if "AddressSanitizer" in text or "runtime error:" in text or \
                    "LeakSanitizer" in text:
                found.append(name)
        return found

    def dump_logs(self):
        for name in sorted(os.listdir(self.dir)):
            if name.endswith(".log"):
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    print("---- %s (last 40 lines)" % name)
                    print("".join(f.readlines()[-40:]))

    def ctx(self, sae=None, cert=None, key=None, ca=None):
        """An SSLContext presenting |sae|'s certificate (or |cert|/|key|)."""
        c = ssl.create_default_context(
            cafile=ca or self.info["pki"]["ca_cert"])
        if sae is not None:
            cert, key = self.saes[sae]["cert"], self.saes[sae]["key"]
        if cert is not None:
            c.load_cert_chain(cert, key)
        return c

    def request(self, sae, kme, method, path, body=None, ctx=None,
                headers=None):
        """One HTTPS request as |sae| to |kme|; returns (status, body
        bytes, parsed JSON or None)."""
        url = self.kmes[kme]["url"]
        host, port = url[len("https://"):].split(":")
        conn = http.client.HTTPSConnection(
            host, int(port), context=ctx or self.ctx(sae), timeout=10)
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
        finally:
            conn.close()
        try:
            doc = json.loads(data) if data else None
        except ValueError:
            doc = None
        return r.status, data, doc

    def metrics(self, kme):
        with urllib.request.urlopen(self.kmes[kme]["metrics"],
                                    timeout=5) as r:
            text = r.read().decode()
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                out[name] = float(value)
        return out

    def pool_keys(self, kme):
        return self.metrics(kme).get("qkd_kme_pool_keys", 0)

    def wait_for(self, what, pred, timeout=30, step=0.25):
        end = time.time() + timeout
        while time.time() < end:
            try:
                v = pred()
            except OSError:
                v = None  # a daemon restarting: not yet
            if v:
                return v
            time.sleep(step)
        raise AssertionError("timed out waiting for " + what)

    def eve(self, command):
        import socket
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(self.info["eve"]["control"])
        s.sendall((command + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        return data.decode().strip()

    def pid(self, name):
        with open(os.path.join(self.dir, "pids")) as f:
            for line in f:
                n, p = line.split()
                if n == name:
                    found = int(p)
        return found
