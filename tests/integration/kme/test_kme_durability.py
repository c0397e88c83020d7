"""kill -9 under load: after any crash of either KME and a restart, no
key_ID is ever delivered twice, the pair keeps serving, and the store's
accounting shows no pool material lost beyond keys in flight."""
import os
import random
import signal
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import labkit  # noqa: E402

KEYS = "/api/v1/keys/"
ROUNDS = int(os.environ.get("QS_KILL_ROUNDS", "8"))


class KillNine(unittest.TestCase):
    def setUp(self):
        self.lab = labkit.Lab()
        self.lab.wait_for("keys", lambda: self.lab.pool_keys("KME_A") > 20)

    def tearDown(self):
        self.lab.down()

    def restart(self, name):
        conf = os.path.join(self.lab.dir, name + ".conf")
        kme = os.path.join(labkit.BUILD, "cmd", "qkd-kme", "qkd-kme")
        log = open(os.path.join(self.lab.dir, name + ".log"), "a")
        p = subprocess.Popen([kme, "-c", conf], stdout=log, stderr=log,
                             start_new_session=True)
        with open(os.path.join(self.lab.dir, "pids"), "a") as f:
            f.write("%s %d\n" % (name, p.pid))
        return p

    def test_kill9_never_delivers_twice(self):
        lab = self.lab
        delivered = {}          # key_ID -> key, from enc_keys (master)
        fetched = {}            # key_ID -> key, from dec_keys (slave)
        dup = []
        stop = threading.Event()
        rng = random.Random(os.getpid())

        def load():
            while not stop.is_set():
                try:
                    st, _, doc = lab.request("SAE_A1", "KME_A", "POST",
                                             KEYS + "SAE_B1/enc_keys",
                                             {"number": 2})
                    if st != 200:
                        continue
                    ids = []
                    for k in doc["keys"]:
                        if k["key_ID"] in delivered:
                            dup.append(("enc", k["key_ID"]))
                        delivered[k["key_ID"]] = k["key"]
                        ids.append(k["key_ID"])
                    st, _, got = lab.request(
                        "SAE_B1", "KME_B", "POST", KEYS + "SAE_A1/dec_keys",
                        {"key_IDs": [{"key_ID": i} for i in ids]})
                    if st == 200:
                        for k in got["keys"]:
                            if k["key_ID"] in fetched:
                                dup.append(("dec", k["key_ID"]))
                            fetched[k["key_ID"]] = k["key"]
                except OSError:
                    time.sleep(0.05)

        t = threading.Thread(target=load, daemon=True)
        t.start()
        try:
            for _ in range(ROUNDS):
                time.sleep(rng.uniform(0.2, 1.0))
                name = rng.choice(["kme-a", "kme-b"])
                os.kill(lab.pid(name), signal.SIGKILL)
                time.sleep(0.2)
                self.restart(name)
                lab.wait_for(name + " back", lambda: lab.metrics(
                    "KME_A" if name == "kme-a" else "KME_B").get(
                        "qkd_kme_peer_up", 0) == 1, timeout=30)
        finally:
            stop.set()
            t.join(15)
        self.assertEqual(dup, [])
        self.assertGreater(len(delivered), 0)
        # every key the slave got is the key the master got
        for kid, key in fetched.items():
            self.assertEqual(delivered.get(kid), key, kid)
        # re-fetching any delivered key fails: tombstones survived kills
        for kid in list(fetched)[:20]:
            st, _, doc = lab.request(
                "SAE_B1", "KME_B", "POST", KEYS + "SAE_A1/dec_keys",
                {"key_IDs": [{"key_ID": kid}]})
            self.assertEqual(st, 400, (kid, doc))
        # the pair still serves after the last crash
        st, _, doc = lab.request("SAE_A1", "KME_A", "GET",
                                 KEYS + "SAE_B1/enc_keys")
        self.assertEqual(st, 200, doc)
        st, _, got = lab.request(
            "SAE_B1", "KME_B", "GET",
            KEYS + "SAE_A1/dec_keys?key_ID=" + doc["keys"][0]["key_ID"])
        self.assertEqual(st, 200, got)
        self.assertEqual(got["keys"][0]["key"], doc["keys"][0]["key"])
        # accounting: material is only lost as keys in flight
        for kme in ("KME_A", "KME_B"):
            m = lab.metrics(kme)
            print(kme, "lost", m.get("qkd_kme_keys_lost_total"), "aborted",
                  m.get("qkd_kme_keys_aborted_total"), "delivered",
                  m.get("qkd_kme_keys_delivered_total"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
