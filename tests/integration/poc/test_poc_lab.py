"""The proof-of-concept lab end to end: `qmacsec lab run poc --json F`
builds the white paper's Figure 1 in network namespaces (encryptors A and
B, KMEs C and D, Eve on their fibre), then for Mode 1 and Mode 2 runs a
baseline, Eve on, Eve off under a 1000 frames/s stream. From the report:

* in every phase of both modes (and before the stream, while the link
  comes up), the capture on the A-B link holds no cleartext frame: only
  MACsec, EAPOL and LLDP, never the stream's marker;
* baseline: at least 2 rollovers, no frame refused for want of a key
  (rx_refused, tx_refused 0) and no frame lost but those the receiver's
  ring dropped for want of CPU (ring_overrun): no frame is lost to a
  rollover; no stall, no alarm;
* Eve on: the QBER is above 11 %, the pool of keys for SAE_A is empty at
  KME_C and at KME_D by the end; Mode 1 rides it out (no stall, no alarm,
  no frame lost to keys); Mode 2 stalls (stall_seconds > 0, alarms >= 1,
  more than a second of frames lost, a gap at the sink);
* Eve off: traffic flows again by itself (every frame of the last 3 s
  arrives, bar ring overruns), the alarm is cleared, both ends pass
  traffic.

Skips (77) without root, /dev/net/tun or ip. The lab is always taken
down (the command does it; the test checks and does it again on any
failure or signal), and the daemons' logs must hold no sanitizer report.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("QS_BUILD_DIR", os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "build"))
QMACSEC = os.path.join(BUILD, "cmd", "qmacsec", "qmacsec")
PROGS = [QMACSEC] + [os.path.join(BUILD, "cmd", p, p) for p in
                     ("qmacsecd", "qkd-kme", "qkd-eve")]

# Shorter than the defaults (12/24/12 s) to keep CI short, long enough for
# the story: Mode 2's pool (2 keys) and buffer (2 keys) run dry 10 to 15 s
# after Eve comes on; Mode 1's last key (at most 4 s after) lasts 30 s.
PHASES = ["--baseline", "8", "--eve", "20", "--recover", "10"]
RUN_TIMEOUT = 300
RATE = 1000


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def need_root():
    if os.geteuid() != 0:
        skip("needs root (network namespaces, TAP, AF_PACKET)")
    if not os.path.exists("/dev/net/tun"):
        skip("no /dev/net/tun")
    if shutil.which("ip") is None:
        skip("ip (iproute2) is not installed")
    for p in PROGS:
        if not os.access(p, os.X_OK):
            skip(p + " is not built")


class Failed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failed(what)


def lab_left(d):
    """What the lab in |d| may have left: recorded processes or
    namespaces."""
    return [f for f in ("pids", "netns") if os.path.exists(os.path.join(
        d, f))]


def dump_logs(d):
    for name in sorted(os.listdir(d)):
        if name.endswith(".log"):
            with open(os.path.join(d, name), errors="replace") as f:
                print("--- %s (tail)\n%s" % (name, f.read()[-3000:]))


def check_sanitizers(d):
    for name in sorted(os.listdir(d)):
        if not name.endswith(".log"):
            continue
        with open(os.path.join(d, name), errors="replace") as f:
            text = f.read()
        for mark in ("Sanitizer", "runtime error:"):
            check(mark not in text, "%s holds a %s report" % (name, mark))


def run_lab(d, report):
    """Runs the lab; returns its stdout. A signal (meson's timeout) stops
    it: it takes the lab down itself."""
    proc = subprocess.Popen(
        [QMACSEC, "lab", "run", "poc", "--json", report, "--dir", d] +
        PHASES, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)

    def stop(sig, frame):
        proc.send_signal(signal.SIGTERM)
        raise SystemExit("killed by signal %d" % sig)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        out, _ = proc.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        print(out)
        raise Failed("lab run poc did not finish in %d s" % RUN_TIMEOUT)
    print(out)
    check(proc.returncode == 0, "lab run poc exited %d" % proc.returncode)
    return out


def no_cleartext(mode, doc):
    check(doc["warmup"]["cleartext_frames_on_wire"] == 0,
          "mode %d: cleartext on the wire while the link came up" % mode)
    for name, ph in doc["phases"].items():
        w = ph["wire"]
        check(ph["cleartext_frames_on_wire"] == 0 and w["marker"] == 0 and
              w["other"] == 0,
              "mode %d %s: cleartext frames on the wire: %s" % (
                  mode, name, w))
        # the capture saw the link: the stream's frames, MKA, LLDP
        check(w["macsec"] > 0 and w["eapol"] > 0 and w["lldp"] > 0,
              "mode %d %s: the capture saw too little: %s" % (
                  mode, name, w))


def no_key_loss(mode, name, ph):
    """Every lost frame is one the receiver's ring dropped (CPU), none
    was refused for want of a key or an SA."""
    check(ph["rx_refused"] == 0 and ph["tx_refused"] == 0,
          "mode %d %s: frames refused: rx %d, tx %d" % (
              mode, name, ph["rx_refused"], ph["tx_refused"]))
    check(ph["frames_lost"] <= ph["ring_overrun"],
          "mode %d %s: %d frames lost, only %d ring overruns (%s)" % (
              mode, name, ph["frames_lost"], ph["ring_overrun"],
              ph["loss_bursts"]))


def check_baseline(mode, ph):
    check(ph["rollovers"] >= 2, "mode %d baseline: %d rollovers" % (
        mode, ph["rollovers"]))
    check(ph["frames_sent"] >= 0.9 * RATE * 8,
          "mode %d baseline: only %d frames sent" % (
              mode, ph["frames_sent"]))
    no_key_loss(mode, "baseline", ph)
    check(ph["stall_seconds"] == 0 and ph["alarms"] == 0,
          "mode %d baseline: stall %.2f s, %d alarms" % (
              mode, ph["stall_seconds"], ph["alarms"]))


def check_eve_on(mode, ph):
    pools = ph["kme_pool_levels"]
    check(ph["qber"] > 0.11, "mode %d eve_on: QBER %.3f" % (mode,
                                                          ph["qber"]))
    check(pools["KME_C"]["keys"] == 0 and pools["KME_D"]["peer_keys"] == 0,
          "mode %d eve_on: pools not drained: %s" % (mode, pools))
    if mode == 1:
        check(ph["stall_seconds"] == 0 and ph["alarms"] == 0,
              "mode 1 eve_on: stall %.2f s, %d alarms" % (
                  ph["stall_seconds"], ph["alarms"]))
        no_key_loss(mode, "eve_on", ph)
    else:
        check(ph["stall_seconds"] > 0 and ph["alarms"] >= 1,
              "mode 2 eve_on: no stall (%.2f s) or no alarm (%d)" % (
                  ph["stall_seconds"], ph["alarms"]))
        check(ph["frames_lost"] > RATE and ph["traffic_gap_seconds"] > 1,
              "mode 2 eve_on: %d frames lost, gap %.2f s" % (
                  ph["frames_lost"], ph["traffic_gap_seconds"]))


def check_eve_off(mode, ph):
    check(ph["tail_frames_sent"] > 0 and
          ph["tail_frames_received"] >=
          ph["tail_frames_sent"] - ph["ring_overrun"],
          "mode %d eve_off: not recovered: %d of the last %d frames" % (
              mode, ph["tail_frames_received"], ph["tail_frames_sent"]))
    check(not ph["alarm_at_end"], "mode %d eve_off: alarm still raised"
          % mode)
    for h in ("A", "B"):
        check(ph["hosts"][h]["traffic_allowed_end"],
              "mode %d eve_off: %s does not pass traffic" % (mode, h))


def check_report(report):
    with open(report) as f:
        doc = json.load(f)
    check(doc["completed"], "the run did not complete")
    check(sorted(doc["modes"]) == ["1", "2"], "modes: %s" % list(
        doc["modes"]))
    for key in ("1", "2"):
        m = doc["modes"][key]
        mode = int(key)
        check(m["completed"], "mode %d did not complete" % mode)
        check(m["capture_drops"] == 0,
              "mode %d: the capture lost %d frames" % (
                  mode, m["capture_drops"]))
        no_cleartext(mode, m)
        check_baseline(mode, m["phases"]["baseline"])
        check_eve_on(mode, m["phases"]["eve_on"])
        check_eve_off(mode, m["phases"]["eve_off"])
    return doc


def main():
    need_root()
    d = tempfile.mkdtemp(prefix="qs_poc_")
    report = os.path.join(d, "report.json")
    ok = False
    t0 = time.time()
    try:
        run_lab(d, report)
        check(not lab_left(d), "the lab left %s behind" % lab_left(d))
        check_report(report)
        check_sanitizers(d)
        ok = True
        print("OK in %.0f s" % (time.time() - t0))
    except Failed as e:
        print("FAIL: %s" % e)
    finally:
        if lab_left(d):
            subprocess.run([QMACSEC, "lab", "down", d], timeout=60)
        if not ok:
            dump_logs(d)
        shutil.rmtree(d, True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
