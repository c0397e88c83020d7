"""Two qmd_sae instances (master SAE_A1 on KME_A, slave SAE_B1 on KME_B)
against a real kme-pair lab on loopback: identical keys over rollovers,
KME_A killed -> unreachable, the active key rides out T_AKL, STALL +
ALARM; KME_A restarted -> RESUME by itself; then the same over two LLDP
agents back to back. The scenario runs in sae_pair_test (C, one event
loop); this wrapper starts the lab and always stops it (labkit)."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "kme"))
import labkit  # noqa: E402

PROG = os.path.join(labkit.BUILD, "tests", "integration", "sae",
                    "sae_pair_test")
KME = os.path.join(labkit.BUILD, "cmd", "qkd-kme", "qkd-kme")


class SaePair(unittest.TestCase):
    def setUp(self):
        self.lab = labkit.Lab()
        for kme in ("KME_A", "KME_B"):
            self.lab.wait_for(kme + " keys",
                              lambda k=kme: self.lab.pool_keys(k) > 10)

    def tearDown(self):
        self.lab.down()

    def test_sae_pair(self):
        try:
            r = subprocess.run([PROG, self.lab.dir, KME],
                               capture_output=True, text=True, timeout=70)
        except subprocess.TimeoutExpired as e:
            print(e.stdout or "")
            print((e.stderr or "")[-6000:])
            self.fail("sae_pair_test did not finish in 70 s")
        print(r.stdout)
        if r.returncode != 0:
            print(r.stderr[-12000:])
            self.lab.dump_logs()
        for bad in ("AddressSanitizer", "runtime error:", "LeakSanitizer"):
            self.assertNotIn(bad, r.stderr)
        self.assertEqual(r.returncode, 0, "sae_pair_test failed")
        # the KMEs' logs must not carry sanitizer reports (checked by
        # down(), which raises)


if __name__ == "__main__":
    unittest.main(verbosity=2)
