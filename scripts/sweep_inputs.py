#!/usr/bin/env python3
"""Hostile variants of a classic pcap file, for scripts/sweep.sh.

    scripts/sweep_inputs.py IN.pcap OUTDIR [--snaplens 14,21,...] [--mutants N] [--seed S]

Writes into OUTDIR, named after IN:
  NAME.snapL.pcap    every record cut to L bytes (caplen = min(caplen, L), the
                     wire length kept), as a capture with snapshot length L
  NAME.flipK.pcap    K-th payload mutant: 1 to 8 bytes flipped at random in
                     each of a third of the records, past the link header
  NAME.hdrK.pcap     K-th record-header mutant: one record's caplen, wire
                     length or timestamp set to an edge value (0, caplen + 1,
                     len < caplen, 0xffffffff seconds, 999,999,999+ fractions)
The mutants are deterministic for a seed (default 1).
"""
import random
import struct
import sys


def read_pcap(path):
    data = open(path, "rb").read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise SystemExit(f"{path}: not a classic pcap file")
    header = bytearray(data[:24])
    recs = []
    pos = 24
    while pos + 16 <= len(data):
        sec, frac, cap, wire = struct.unpack(e + "IIII", data[pos:pos + 16])
        body = data[pos + 16:pos + 16 + cap]
        recs.append([sec, frac, cap, wire, bytearray(body)])
        pos += 16 + cap
    return e, header, recs


def write_pcap(path, e, header, recs, snaplen=None, raw_headers=None):
    with open(path, "wb") as f:
        h = bytearray(header)
        if snaplen is not None:
            h[16:20] = struct.pack(e + "I", snaplen)
        f.write(h)
        for i, (sec, frac, cap, wire, body) in enumerate(recs):
            if raw_headers and i in raw_headers:
                f.write(raw_headers[i])
            else:
                f.write(struct.pack(e + "IIII", sec, frac, len(body), wire))
            f.write(body)


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        raise SystemExit(__doc__)
    src, outdir = args[0], args[1]
    snaplens = list(range(14, 201, 7)) + [256, 512, 1000]
    mutants, seed = 10, 1
    rest = args[2:]
    while rest:
        opt = rest.pop(0)
        if opt == "--snaplens":
            snaplens = [int(x) for x in rest.pop(0).split(",") if x]
        elif opt == "--mutants":
            mutants = int(rest.pop(0))
        elif opt == "--seed":
            seed = int(rest.pop(0))
        else:
            raise SystemExit(f"unknown option {opt}")
    e, header, recs = read_pcap(src)
    name = src.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    for snap in snaplens:
        cut = [[s, fr, min(c, snap), w, b[:snap]] for s, fr, c, w, b in recs]
        write_pcap(f"{outdir}/{name}.snap{snap}.pcap", e, header, cut, snaplen=snap)
    rng = random.Random(f"{seed}:{name}")
    for k in range(mutants):
        flipped = []
        for s, fr, c, w, b in recs:
            b = bytearray(b)
            if len(b) > 14 and rng.random() < 0.34:
                for _ in range(rng.randint(1, 8)):
                    i = rng.randrange(14, len(b))
                    b[i] ^= 1 << rng.randrange(8) if rng.random() < 0.7 else rng.randrange(1, 256)
            flipped.append([s, fr, c, w, b])
        write_pcap(f"{outdir}/{name}.flip{k}.pcap", e, header, flipped)
    for k in range(mutants):
        if not recs:
            break
        i = rng.randrange(len(recs))
        sec, frac, cap, wire, body = recs[i]
        choice = rng.randrange(6)
        if choice == 0:
            raw = struct.pack(e + "IIII", sec, frac, 0, wire)  # caplen 0: the body is read as the next header
        elif choice == 1:
            raw = struct.pack(e + "IIII", sec, frac, cap + 1, wire)  # one byte more than the record holds
        elif choice == 2:
            raw = struct.pack(e + "IIII", sec, frac, cap, max(0, cap - 1))  # wire length below caplen
        elif choice == 3:
            raw = struct.pack(e + "IIII", 0xFFFFFFFF, frac, cap, wire)
        elif choice == 4:
            raw = struct.pack(e + "IIII", sec, 999_999_999 + rng.randrange(2), cap, wire)
        else:
            raw = struct.pack(e + "IIII", sec, frac, 0x7FFFFFFF, wire)  # an absurd caplen
        write_pcap(f"{outdir}/{name}.hdr{k}.pcap", e, header, recs, raw_headers={i: raw})


if __name__ == "__main__":
    main()
