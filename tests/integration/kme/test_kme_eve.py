"""Eve on the quantum channel: the QKD link aborts, the pools stop
filling and drain, requests get the spec's 503 Error; Eve off: recovery.
The KMEs learn of Eve only from what their link measures."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import labkit  # noqa: E402

KEYS = "/api/v1/keys/"


class EveScenario(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = labkit.Lab(eve=True)

    @classmethod
    def tearDownClass(cls):
        cls.lab.down()

    def link_up(self, kme):
        return self.lab.metrics(kme).get("qkd_link_up", 0) == 1

    def drain(self):
        """Takes keys from KME_A, in smaller and smaller requests, until
        even a 64-bit key gets 503; returns that Error body."""
        doc = None
        for number, size in ((128, 1024), (8, 1024), (1, 1024), (1, 64)):
            for _ in range(2000):
                st, _, doc = self.lab.request(
                    "SAE_A1", "KME_A", "POST", KEYS + "SAE_B1/enc_keys",
                    {"number": number, "size": size})
                if st == 503:
                    break
                self.assertEqual(st, 200, doc)
            else:
                self.fail("the pool never drained")
        return doc

    def test_eve_abort_drain_recover(self):
        lab = self.lab
        lab.wait_for("the link to run", lambda: self.link_up("KME_A") and
                     lab.pool_keys("KME_A") > 0, timeout=30)
        base_qber = lab.metrics("KME_A")["qkd_link_qber"]
        self.assertLess(base_qber, 0.05)
        # Eve intercepts and resends every photon: QBER ~25 % > 11 %
        lab.eve("set intercept 1")
        lab.wait_for("the link to abort", lambda: lab.metrics(
            "KME_A").get("qkd_link_up", 1) == 0, timeout=30)
        m = lab.metrics("KME_A")
        self.assertGreater(m["qkd_link_qber"], 0.11)
        aborted = m['qkd_link_blocks_total{verdict="aborted"}']
        time.sleep(2.5)
        m = lab.metrics("KME_A")
        self.assertGreater(m['qkd_link_blocks_total{verdict="aborted"}'],
                           aborted)
        # the pool stops filling: drain it, then the spec's 503
        err = self.drain()
        self.assertIsInstance(err["message"], str)
        self.assertIn("keys", err["message"])
        level = lab.pool_keys("KME_A")
        time.sleep(2.5)
        self.assertLessEqual(lab.pool_keys("KME_A"), level)
        st, _, doc = lab.request("SAE_A1", "KME_A", "GET",
                                 KEYS + "SAE_B1/enc_keys")
        self.assertEqual(st, 503, doc)
        # Eve off: the link recovers and the pool refills
        lab.eve("off")
        lab.wait_for("the link to recover", lambda: self.link_up("KME_A"),
                     timeout=30)
        lab.wait_for("keys again", lambda: lab.pool_keys("KME_A") > 0,
                     timeout=30)
        st, _, doc = lab.request("SAE_A1", "KME_A", "GET",
                                 KEYS + "SAE_B1/enc_keys")
        self.assertEqual(st, 200, doc)
        self.assertLess(lab.metrics("KME_A")["qkd_link_qber"], 0.05)

    def test_extra_loss_lowers_the_key_rate(self):
        lab = self.lab
        lab.eve("off")
        lab.wait_for("the link to run", lambda: self.link_up("KME_A"),
                     timeout=30)
        time.sleep(2.5)
        before = lab.metrics("KME_B")["qkd_link_detection_rate"]
        lab.eve("set loss 6")
        time.sleep(3.5)
        after = lab.metrics("KME_B")["qkd_link_detection_rate"]
        lab.eve("off")
        # 6 dB is a factor 4 in transmittance
        self.assertLess(after, before * 0.5, (before, after))


if __name__ == "__main__":
    unittest.main(verbosity=2)
