"""qmacsecd start-up errors (no root needed): malformed configurations exit
non-zero with a message naming the key and the problem (and never the key
text), --check-config accepts a good file, --print-config documents every
key; `qmacsec lab up macsec-pair` refuses a bad SAK before it creates
anything; `qmacsec status` reports an unreachable socket."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import macseckit as mk  # noqa: E402

SAK = "000102030405060708090a0b0c0d0e0f"
GOOD = ("[qmacsecd]\ninterface = veth0\n[macsec]\nstatic_sak = %s\n"
        "peer_mac = 02:00:00:00:00:0b\n" % SAK)

# (config text, substrings the error must contain)
BAD = [
    (GOOD.replace(SAK, "000102030405060708090a0b0c0d0eXY"),
     ["[macsec] static_sak", "character 31 is not a hex digit"]),
    (GOOD.replace("[macsec]\n", "[macsec]\ncipher = gcm-aes-256\n"),
     ["[macsec] static_sak", "16 octets, but gcm-aes-256 needs 32"]),
    (GOOD.replace("[macsec]\n", "[macsec]\ncipher = gcm-aes-xpn-128\n"),
     ["[macsec] salt", "required for the gcm-aes-xpn-* ciphers"]),
    (GOOD + "colour = blue\n", ["t.conf:6:", "[macsec] colour",
                                "unknown key"]),
    (GOOD + "[macsec2]\nx = 1\n", ["[macsec2]", "unknown section"]),
    (GOOD.replace("peer_mac", "peer_max"), ["peer_max", "unknown key"]),
    (GOOD.replace("peer_mac = 02:00:00:00:00:0b\n", ""),
     ["peer_mac", "needs peer_mac or peer_sci"]),
    (GOOD.replace("interface = veth0\n", ""),
     ["[qmacsecd] interface is required"]),
    (GOOD + "macsec_replay_window = -1\n",
     ["macsec_replay_window", "not a whole number"]),
    (GOOD.replace("[qmacsecd]\n", "[qmacsecd]\nkey_source = mka\n"),
     ["static_sak", "key_source is not static"]),
]


def qmacsecd(args, **kw):
    return subprocess.run([mk.QMACSECD] + args, capture_output=True,
                          text=True, timeout=10, **kw)


def write(tmp, text):
    path = os.path.join(tmp, "t.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


def main():
    if not os.access(mk.QMACSECD, os.X_OK):
        mk.skip(mk.QMACSECD + " is not built")
    with tempfile.TemporaryDirectory() as tmp:
        r = qmacsecd(["-c", write(tmp, GOOD), "--check-config"])
        assert r.returncode == 0 and "configuration OK" in r.stdout, r
        for text, wants in BAD:
            r = qmacsecd(["-c", write(tmp, text), "--check-config"])
            assert r.returncode != 0, "accepted:\n" + text
            for w in wants:
                assert w in r.stderr, "%r lacks %r" % (r.stderr, w)
            assert SAK not in r.stderr and "0eXY" not in r.stderr
            # Starting (not just checking) fails the same way.
            r2 = qmacsecd(["-c", os.path.join(tmp, "t.conf")])
            assert r2.returncode != 0 and r2.stderr == r.stderr, r2
        r = qmacsecd(["-c", os.path.join(tmp, "missing.conf")])
        assert r.returncode != 0 and "cannot open" in r.stderr, r
        # MKA: validated; at start-up the interface is checked first.
        mka = ("[qmacsecd]\ninterface = nosuch8\nkey_source = mka\n[mka]\n"
               "mka_cak = %s\nmka_ckn = 01\n" % SAK)
        r = qmacsecd(["-c", write(tmp, mka), "--check-config"])
        assert r.returncode == 0, r
        r = qmacsecd(["-c", os.path.join(tmp, "t.conf")])
        assert r.returncode == 1 and "nosuch8: no such interface" in \
            r.stderr, r
        # An interface that does not exist.
        r = qmacsecd(["-c", write(tmp, GOOD.replace("veth0", "nosuch9")),
                      "-v"])
        assert r.returncode == 1, r
        assert "nosuch9: no such interface" in r.stderr, r.stderr
        r = qmacsecd(["--print-config"])
        for k in ("interface", "static_sak", "macsec_replay_protect",
                  "macsec_csindex", "mka_cak", "salt", "peer_sci"):
            assert "\n%s = " % k in r.stdout, k
        assert "key_source = mka runs MKA" in r.stdout
        assert "\nsak_retire_time = " in r.stdout
        r = qmacsecd(["--bogus"])
        assert r.returncode == 2 and "usage" in r.stderr
        # The lab checks its arguments before it makes anything.
        lab = os.path.join(tmp, "lab")
        r = subprocess.run([mk.QMACSEC, "lab", "up", "macsec-pair", lab,
                            "--static-sak", SAK, "--cipher", "gcm-aes-256"],
                           capture_output=True, text=True, timeout=10)
        assert r.returncode == 1 and "needs 64 hex digits" in r.stderr, r
        assert not os.path.exists(lab)
        r = subprocess.run([mk.QMACSEC, "lab", "up", "macsec-pair", lab,
                            "--static-sak", SAK, "--cipher", "aes-ccm"],
                           capture_output=True, text=True, timeout=10)
        assert r.returncode == 1 and "--cipher must be" in r.stderr, r
        for args, why in ((["--cak", SAK[:30], "--ckn", "01"],
                           "--cak (32 or 64 digits): 30 hex digits"),
                          (["--cak", SAK, "--ckn", "0"],
                           "--ckn (2..64 digits, whole octets)"),
                          (["--cak", SAK, "--ckn", "01", "--rekey-period",
                            "x"], "--rekey-period: not a number"),
                          (["--cak", SAK], "needs --static-sak HEX, or"),
                          (["--cak", SAK, "--ckn", "01", "--static-sak",
                            SAK], "needs --static-sak HEX, or")):
            r = subprocess.run([mk.QMACSEC, "lab", "up", "macsec-pair", lab]
                               + args, capture_output=True, text=True,
                               timeout=10)
            assert r.returncode in (1, 2) and why in r.stderr, (args, r)
            assert not os.path.exists(lab)
        r = subprocess.run([mk.QMACSEC, "status", "--socket",
                            os.path.join(tmp, "none.sock")],
                           capture_output=True, text=True, timeout=10)
        assert r.returncode == 1 and "cannot connect" in r.stderr, r
    print("PASS")


if __name__ == "__main__":
    main()
