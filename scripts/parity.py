#!/usr/bin/env python3
"""Parity with tshark, measured: runs tshark and mqsniff side by side on every
bundled capture and on variants of them that look like captures made by
others (picked up late, at every few frames; a 100- or 150-byte snapshot
length; TLS moved to a port nothing is registered for), and reports, per
category, how many summary lines, -T fields cells and filter results are
equal. Not timed in CI (it runs tshark a few thousand times); run it and
report:

    scripts/parity.py [MQSNIFF=build/mqsniff] [--quick] [--diffs] [--only=WORD]

--only=WORD runs the categories whose name holds WORD (bundled, late,
snapshot, unregistered).

Needs tshark, editcap and tcprewrite (apt-get install tshark tcpreplay).
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIELDS = ["frame.protocols", "_ws.col.Protocol", "tcp.stream", "tcp.analysis.flags", "tcp.len",
          "mqtt.msgtype", "mqtt.topic", "mqtt.msgid", "mqtt.qos", "mqtt.clientid", "mqtt.username",
          "tls.record.content_type", "tls.record.version", "tls.handshake.type", "tls.handshake.extensions_server_name",
          "tls.alert_message.desc", "dns.qry.name", "dns.a", "icmp.type", "http.request.uri", "_ws.malformed",
          "_ws.short"]
FILTERS = ["mqtt", "tls", "tls.handshake.type == 2", "tls.handshake.type == 11", "mqtt.msgtype == 3",
           "mqtt.msgtype == 1 && mqtt.username", "tcp.analysis.retransmission", "tcp.analysis.flags", "dns",
           "icmp || icmpv6", "http", "_ws.malformed", "tls.record.content_type == 23", "tcp.len > 0 && !mqtt && !tls"]


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return r.stdout.decode("utf-8", "replace").splitlines()


def keylog(cap):
    keys = os.path.splitext(cap)[0] + ".keys"
    return ["-o", "tls.keylog_file:" + keys] if os.path.exists(keys) else []


def compare(mq, cap, extra, totals, cat, diffs):
    base = ["-r", cap] + keylog(cap) + extra
    a = run(["tshark", "-n"] + base)
    b = run([mq] + base)
    t = totals.setdefault(cat, {"summary": [0, 0], "cells": [0, 0], "filters": [0, 0]})
    n = max(len(a), len(b))
    same = sum(1 for i in range(min(len(a), len(b))) if a[i] == b[i])
    t["summary"][0] += same
    t["summary"][1] += n
    if same < n:
        diffs.append((cat, os.path.basename(cap), " ".join(extra), "summary", n - same))
    fa = run(["tshark", "-n"] + base + ["-T", "fields"] + sum((["-e", f] for f in FIELDS), []))
    fb = run([mq] + base + ["-T", "fields"] + sum((["-e", f] for f in FIELDS), []))
    cells = same_cells = 0
    for i in range(max(len(fa), len(fb))):
        ca = fa[i].split("\t") if i < len(fa) else [""] * len(FIELDS)
        cb = fb[i].split("\t") if i < len(fb) else [""] * len(FIELDS)
        for j in range(len(FIELDS)):
            va = ca[j] if j < len(ca) else ""
            vb = cb[j] if j < len(cb) else ""
            if va == "" and vb == "":
                continue  # only cells where either tool shows something count
            cells += 1
            same_cells += va == vb
    t["cells"][0] += same_cells
    t["cells"][1] += cells
    if same_cells < cells:
        diffs.append((cat, os.path.basename(cap), " ".join(extra), "cells", cells - same_cells))
    for flt in FILTERS:
        ra = run(["tshark", "-n"] + base + ["-Y", flt, "-T", "fields", "-e", "frame.number"])
        rb = run([mq] + base + ["-Y", flt, "-T", "fields", "-e", "frame.number"])
        t["filters"][1] += 1
        if ra == rb:
            t["filters"][0] += 1
        else:
            diffs.append((cat, os.path.basename(cap), " ".join(extra), "filter " + flt, 1))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    quick = "--quick" in sys.argv
    only = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--only=")), None)

    def wanted(cat):
        return only is None or only in cat
    mq = os.path.abspath(args[0] if args else os.path.join(ROOT, "build", "mqsniff"))
    caps = sorted(glob.glob(os.path.join(ROOT, "captures", "*.pcap")) + glob.glob(os.path.join(ROOT, "captures", "*.pcapng")))
    totals, diffs = {}, []
    tmp = tempfile.mkdtemp()
    for cap in caps if wanted("bundled captures") else []:
        compare(mq, cap, [], totals, "bundled captures", diffs)
    step = 9 if quick else 4
    for cap in caps:
        name = os.path.basename(cap)
        if not (name.startswith("mqtt") or name.startswith("mqtts")) or name.endswith(".pcapng"):
            continue
        n = len(run(["tshark", "-n", "-r", cap]))
        for k in range(2, max(3, n - 1), step) if wanted("picked up late") or wanted("unregistered port") else []:
            cut = os.path.join(tmp, "%s.from%d.pcap" % (name, k))
            subprocess.run(["editcap", "-r", cap, cut, "%d-%d" % (k, n)], stderr=subprocess.DEVNULL)
            if wanted("picked up late"):
                compare(mq, cut, [], totals, "picked up late (from frame k)", diffs)
            if wanted("unregistered port") and name.startswith("mqtts") and not os.path.exists(os.path.splitext(cap)[0] + ".keys"):
                moved = os.path.join(tmp, "%s.from%d.moved.pcap" % (name, k))
                subprocess.run(["tcprewrite", "--portmap=8883:9443,8884:9443", "-i", cut, "-o", moved],
                               stderr=subprocess.DEVNULL)
                compare(mq, moved, [], totals, "TLS late on an unregistered port", diffs)
        for snap in (100, 150) if wanted("snapshot length") else ():
            cut = os.path.join(tmp, "%s.snap%d.pcap" % (name, snap))
            subprocess.run(["editcap", "-s", str(snap), cap, cut], stderr=subprocess.DEVNULL)
            compare(mq, cut, [], totals, "snapshot length 100/150", diffs)
    print("| captures | summary lines equal | -T fields cells equal | filter results equal |")
    print("|---|---|---|---|")
    for cat, t in totals.items():
        def pct(p):
            return "%d of %d (%.1f %%)" % (p[0], p[1], 100.0 * p[0] / p[1] if p[1] else 100.0)
        print("| %s | %s | %s | %s |" % (cat, pct(t["summary"]), pct(t["cells"]), pct(t["filters"])))
    if "--diffs" in sys.argv:
        for d in diffs:
            print("DIFF", *d)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
