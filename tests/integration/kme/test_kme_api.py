"""ETSI GS QKD 014 over real mutual TLS against a running KME pair:
every endpoint, both GET and POST forms, and every error path."""
import base64
import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import labkit  # noqa: E402

LAB = None
KEYS = "/api/v1/keys/"
NOT_FOUND = "one or more keys specified are not found on KME"


def setUpModule():
    global LAB
    LAB = labkit.Lab()
    LAB.wait_for("key material in KME_A's pool",
                 lambda: LAB.pool_keys("KME_A") >= 40)


def tearDownModule():
    LAB.down()


def enc(sae="SAE_A1", slave="SAE_B1", body=None, query=None, method=None):
    path = KEYS + slave + "/enc_keys" + ("?" + query if query else "")
    if method is None:
        method = "POST" if body is not None else "GET"
    return LAB.request(sae, "KME_A", method, path, body)


def dec(ids, sae="SAE_B1", master="SAE_A1", get=False):
    if get:
        return LAB.request(sae, "KME_B", "GET",
                           KEYS + master + "/dec_keys?key_ID=" + ids[0])
    return LAB.request(sae, "KME_B", "POST", KEYS + master + "/dec_keys",
                       {"key_IDs": [{"key_ID": i} for i in ids]})


class Endpoints(unittest.TestCase):
    def test_status(self):
        st, _, doc = LAB.request("SAE_A1", "KME_A", "GET",
                                 KEYS + "SAE_B1/status")
        self.assertEqual(st, 200)
        self.assertEqual(doc["source_KME_ID"], "KME_A")
        self.assertEqual(doc["target_KME_ID"], "KME_B")
        self.assertEqual(doc["master_SAE_ID"], "SAE_A1")
        self.assertEqual(doc["slave_SAE_ID"], "SAE_B1")
        for k in ("key_size", "stored_key_count", "max_key_count",
                  "max_key_per_request", "max_key_size", "min_key_size",
                  "max_SAE_ID_count"):
            self.assertIsInstance(doc[k], int, k)
        self.assertEqual(doc["key_size"], 256)
        self.assertGreater(doc["stored_key_count"], 0)
        self.assertEqual(
            doc["status_extension"]["qmacsec_key_availability_s"], 60)

    def test_get_key_post_then_dec_post(self):
        st, _, doc = enc(body={"number": 3, "size": 512})
        self.assertEqual(st, 200, doc)
        self.assertEqual(len(doc["keys"]), 3)
        now = time.time()
        for k in doc["keys"]:
            uuid.UUID(k["key_ID"])
            self.assertEqual(len(base64.b64decode(k["key"])), 64)
            until = k["key_extension"]["qmacsec_available_until"]
            self.assertTrue(now + 50 <= until <= now + 70, until)
        ids = [k["key_ID"] for k in doc["keys"]]
        st, _, got = dec(ids)
        self.assertEqual(st, 200, got)
        self.assertEqual({k["key_ID"]: k["key"] for k in got["keys"]},
                         {k["key_ID"]: k["key"] for k in doc["keys"]})
        # deleted on delivery: never twice to the same SAE
        st, _, err = dec(ids)
        self.assertEqual(st, 400)
        self.assertEqual(err["message"], NOT_FOUND)
        st, _, err = dec(ids[:1], get=True)
        self.assertEqual((st, err["message"]), (400, NOT_FOUND))

    def test_get_key_get_form_and_dec_get_form(self):
        st, _, doc = enc(query="number=1&size=128")
        self.assertEqual(st, 200, doc)
        k = doc["keys"][0]
        self.assertEqual(len(base64.b64decode(k["key"])), 16)
        st, _, got = dec([k["key_ID"]], get=True)
        self.assertEqual(st, 200, got)
        self.assertEqual(got["keys"][0]["key"], k["key"])

    def test_default_size_and_empty_get(self):
        st, _, doc = enc()
        self.assertEqual(st, 200, doc)
        self.assertEqual(len(doc["keys"]), 1)
        self.assertEqual(len(base64.b64decode(doc["keys"][0]["key"])), 32)

    def test_sizes_split_and_join(self):
        for size in (64, 72, 1000, 1024):
            st, _, doc = enc(body={"size": size})
            self.assertEqual(st, 200, (size, doc))
            self.assertEqual(len(base64.b64decode(doc["keys"][0]["key"])),
                             size // 8)

    def test_multicast_additional_slaves(self):
        st, _, doc = enc(body={"number": 1,
                               "additional_slave_SAE_IDs": ["SAE_B2"]})
        self.assertEqual(st, 200, doc)
        ids = [doc["keys"][0]["key_ID"]]
        for sae in ("SAE_B1", "SAE_B2"):
            st, _, got = dec(ids, sae=sae)
            self.assertEqual(st, 200, (sae, got))
            self.assertEqual(got["keys"][0]["key"], doc["keys"][0]["key"])
            st, _, got = dec(ids, sae=sae)
            self.assertEqual(st, 400)

    def test_extension_optional_is_accepted(self):
        st, _, doc = enc(body={"extension_optional": [{"abc_route": 1}]})
        self.assertEqual(st, 200, doc)


class Authorization(unittest.TestCase):
    def test_wrong_slave_gets_401_and_keys_stay(self):
        st, _, doc = enc(body={"number": 1})
        ids = [doc["keys"][0]["key_ID"]]
        st, body, _ = dec(ids, sae="SAE_B2")
        self.assertEqual(st, 401)
        self.assertEqual(body, b"")
        st, _, got = dec(ids, sae="SAE_B1")
        self.assertEqual(st, 200)

    def test_wrong_master_in_path(self):
        st, _, doc = enc(body={"number": 1})
        st, _, err = dec([doc["keys"][0]["key_ID"]], master="SAE_A2")
        self.assertEqual((st, err["message"]), (400, NOT_FOUND))

    def test_sae_of_other_kme_gets_401(self):
        st, body, _ = LAB.request("SAE_B1", "KME_A", "GET",
                                  KEYS + "SAE_B2/status")
        self.assertEqual((st, body), (401, b""))

    def test_unknown_sae_certificate_gets_401(self):
        d = tempfile.mkdtemp(prefix="qs-unknown-sae-")
        key, csr, crt = (os.path.join(d, n) for n in ("k.pem", "r.csr",
                                                      "c.pem"))
        pki = LAB.info["pki"]
        ext = os.path.join(d, "ext.cnf")
        with open(ext, "w") as f:
            f.write("extendedKeyUsage=clientAuth\n")
        subprocess.run(["openssl", "req", "-new", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", key, "-out", csr, "-subj",
                        "/CN=SAE_UNKNOWN"], check=True, capture_output=True)
        subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA",
                        pki["ca_cert"], "-CAkey", pki["ca_key"],
                        "-CAcreateserial", "-days", "1", "-out", crt,
                        "-extfile", ext], check=True, capture_output=True)
        st, body, _ = LAB.request(None, "KME_A", "GET",
                                  KEYS + "SAE_B1/status",
                                  ctx=LAB.ctx(cert=crt, key=key))
        self.assertEqual((st, body), (401, b""))

    def test_no_client_certificate_is_refused(self):
        with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
            LAB.request(None, "KME_A", "GET", KEYS + "SAE_B1/status",
                        ctx=LAB.ctx())

    def test_wrong_ca_is_refused(self):
        d = tempfile.mkdtemp(prefix="qs-wrong-ca-")
        r = subprocess.run([labkit.QMACSEC, "pki", "init", d + "/pki",
                            "--kme", "KME_A=127.0.0.1", "--sae",
                            "SAE_A1@KME_A"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        other = d + "/pki/sae/SAE_A1/"
        ctx = LAB.ctx(cert=other + "client.pem", key=other + "client.key")
        with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
            LAB.request(None, "KME_A", "GET", KEYS + "SAE_B1/status",
                        ctx=ctx)


class BadInput(unittest.TestCase):
    def check400(self, st, doc, words=None):
        self.assertEqual(st, 400, doc)
        self.assertIsInstance(doc["message"], str)
        if words:
            self.assertIn(words, doc["message"])

    def test_malformed_json(self):
        before = LAB.pool_keys("KME_A")
        st, _, doc = enc(body="{not json")
        self.check400(st, doc)
        st, _, doc = dec([], sae="SAE_B1")
        self.check400(st, doc)
        st, _, doc = LAB.request("SAE_B1", "KME_B", "POST",
                                 KEYS + "SAE_A1/dec_keys", "[1,2")
        self.check400(st, doc)
        self.assertGreaterEqual(LAB.pool_keys("KME_A") + 1, before)

    def test_wrong_types(self):
        for body in ({"number": "2"}, {"size": 2.5}, {"number": None},
                     {"additional_slave_SAE_IDs": "SAE_B2"},
                     {"extension_mandatory": {"a": 1}}):
            st, _, doc = enc(body=body)
            self.check400(st, doc)

    def test_ranges(self):
        for body in ({"number": 0}, {"number": 129}, {"size": 63},
                     {"size": 4096}, {"size": 0}):
            st, _, doc = enc(body=body)
            self.check400(st, doc)
        st, _, doc = enc(body={"size": 100})
        self.check400(st, doc, "multiple of 8")
        st, _, doc = enc(query="number=abc")
        self.check400(st, doc)
        st, _, doc = enc(query="count=2")
        self.check400(st, doc)

    def test_body_over_cap(self):
        st, _, doc = enc(body='{"number": 1, "x": "' + "a" * 70000 + '"}')
        self.check400(st, doc)

    def test_non_uuid_key_id(self):
        st, _, doc = dec(["not-a-uuid"])
        self.check400(st, doc)
        st, _, doc = dec(["not-a-uuid"], get=True)
        self.check400(st, doc)

    def test_unknown_key_id(self):
        st, _, doc = dec([str(uuid.uuid4())])
        self.assertEqual((st, doc["message"]), (400, NOT_FOUND))

    def test_extension_mandatory_unsupported(self):
        st, _, doc = enc(body={"extension_mandatory": [{"abc_route": 1}]})
        self.check400(st, doc)
        self.assertEqual(doc["message"],
                         "not all extension_mandatory parameters are "
                         "supported")
        self.assertIn("abc_route", json.dumps(doc["details"]))

    def test_unknown_paths_and_methods(self):
        for method, path in (("GET", "/"), ("GET", "/api/v1/keys"),
                             ("GET", KEYS + "SAE_B1/nothing"),
                             ("DELETE", KEYS + "SAE_B1/enc_keys"),
                             ("POST", KEYS + "SAE_B1/status")):
            st, _, doc = LAB.request("SAE_A1", "KME_A", method, path)
            self.check400(st, doc)

    def test_unknown_slave(self):
        st, _, doc = enc(slave="SAE_NOPE")
        self.assertIn(st, (400, 401))


class Expiry(unittest.TestCase):
    def test_key_expires_at_peer(self):
        before = LAB.metrics("KME_B").get("qkd_kme_keys_expired_total", 0)
        st, _, doc = enc(body={"extension_mandatory": [
            {"qmacsec_key_availability_s": 2}]})
        self.assertEqual(st, 200, doc)
        k = doc["keys"][0]
        self.assertLessEqual(
            k["key_extension"]["qmacsec_available_until"], time.time() + 3)
        time.sleep(3.5)
        st, _, err = dec([k["key_ID"]])
        self.assertEqual((st, err["message"]), (400, NOT_FOUND))
        LAB.wait_for("the expiry counter at KME_B", lambda: LAB.metrics(
            "KME_B").get("qkd_kme_keys_expired_total", 0) > before)


class Clients(unittest.TestCase):
    def test_curl_with_client_certificate(self):
        s = LAB.saes["SAE_A1"]
        r = subprocess.run(["curl", "-sS", "--cert", s["cert"], "--key",
                            s["key"], "--cacert", s["ca"],
                            s["kme_url"] + KEYS + "SAE_B1/status"],
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["source_KME_ID"], "KME_A")

    def test_qmacsec_etsi_cli(self):
        run = [labkit.QMACSEC, "etsi", "--lab", LAB.dir]
        r = subprocess.run(run + ["--sae", "SAE_A1", "--json", "get-key",
                                  "SAE_B1", "--number", "2"],
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        ids = [k["key_ID"] for k in json.loads(r.stdout)["keys"]]
        r = subprocess.run(run + ["--sae", "SAE_B1", "--json",
                                  "get-key-with-ids", "SAE_A1"] + ids, capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([k["key_ID"] for k in json.loads(r.stdout)["keys"]],
                         ids)


if __name__ == "__main__":
    unittest.main(verbosity=2)
