#!/usr/bin/env python3
"""Compares mqsniff's -T json / -T ek output with tshark's on the same capture,
field by field: every value mqsniff gives must be tshark's (subtrees are
flattened on both sides; fields tshark has and mqsniff lacks are counted, not
failures). Usage: json_compare.py json|ek MQSNIFF_OUT TSHARK_OUT [--allow FIELD...]
Exit 1 on a differing value, a different packet count, or invalid JSON."""
import json
import sys
from collections import defaultdict


def flatten(obj, out):
    for k, v in obj.items():
        vals = v if isinstance(v, list) else [v]
        for x in vals:
            if isinstance(x, dict):
                if not k.endswith('_tree'):
                    out[k].append('<object>')
                flatten(x, out)
            else:
                out[k].append(x)


def load(kind, path):
    pkts = []
    # (tshark writes the raw bytes of some strings, invalid UTF-8 among them
    # (a form value decoded from %FF): read as U+FFFD, which mqsniff writes.)
    with open(path, encoding='utf-8', errors='replace') as f:
        if kind == 'json':
            for p in json.load(f):
                pkts.append(p['_source']['layers'])
        else:
            lines = [l for l in f.read().splitlines() if l]
            for i in range(0, len(lines), 2):
                idx = json.loads(lines[i])
                assert 'index' in idx, 'EK: index line expected'
                doc = json.loads(lines[i + 1])
                pkts.append(doc['layers'])
    return pkts


def main():
    kind, ours_path, theirs_path = sys.argv[1:4]
    allow = set(sys.argv[5:]) if len(sys.argv) > 4 and sys.argv[4] == '--allow' else set()
    ours, theirs = load(kind, ours_path), load(kind, theirs_path)
    if len(ours) != len(theirs):
        print('packet count differs: mqsniff %d, tshark %d' % (len(ours), len(theirs)))
        return 1
    bad = 0
    compared = 0
    missing = defaultdict(int)
    # The share of tshark's key occurrences (flattened key paths, each
    # value counted) that mqsniff gives with the same value.
    theirs_total = 0
    theirs_same = 0
    for n, (a, b) in enumerate(zip(ours, theirs), 1):
        fa, fb = defaultdict(list), defaultdict(list)
        flatten(a, fa)
        flatten(b, fb)
        for k, v in fa.items():
            if k in allow or any(a.endswith('*') and k.startswith(a[:-1]) for a in allow):
                continue
            if k not in fb:
                print('packet %d: %s only in mqsniff: %s' % (n, k, v[:3]))
                bad += 1
                continue
            compared += 1
            if kind == 'ek' and len(fb[k]) == 1 and v and v[-1] == fb[k][0]:
                continue  # tshark's EK repeats the key; a JSON parser keeps the last value
            if v != fb[k]:
                print('packet %d: %s: mqsniff %s, tshark %s' % (n, k, v[:4], fb[k][:4]))
                bad += 1
        for k in fb:
            theirs_total += len(fb[k])
            if k not in fa:
                missing[k] += 1
            elif fa[k] == fb[k] or (kind == 'ek' and len(fb[k]) == 1 and fa[k] and fa[k][-1] == fb[k][0]):
                theirs_same += len(fb[k])
            else:
                theirs_same += sum(1 for x, y in zip(fa[k], fb[k]) if x == y)
    print('%s: %d packets, %d field values compared, %d differences; %d tshark fields not produced; '
          'share of tshark key paths equal %d/%d' % (kind, len(ours), compared, bad, len(missing), theirs_same, theirs_total))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
