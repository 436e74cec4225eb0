#!/usr/bin/env python3
"""keys.py DIR: the metric keys of each record of DIR/actual.jsonl equal those gen.py expects.

check.py reads a missing key as an expected null, so a binary figure set where a multiclass one
is due (or the reverse) would pass it; this compares the key sets of matching records.
"""
import json
import os
import sys


NEWER_THAN_GOLDEN = {"label_coverage", "label_delay_mean_ms"}


def key(r):
    return (r["model_id"], r.get("model_version", ""), r["window_start"], r["window_end"],
            json.dumps(r.get("slice"), sort_keys=True), r.get("rolling", 1))


def main(d):
    actual = {key(r): r for r in map(json.loads, open(os.path.join(d, "actual.jsonl")))}
    bad = 0
    for name in ("expected.jsonl", "expected_slices.jsonl", "expected_rolling.jsonl", "expected_slices_rolling.jsonl"):
        path = os.path.join(d, name)
        if not os.path.exists(path):
            continue
        for e in map(json.loads, open(path)):
            a = actual.get(key(e))
            if a is None:
                continue
            # the shipped golden files predate label_coverage and label_delay_mean_ms: not expected, not compared
            got = set(a["metrics"]) - (NEWER_THAN_GOLDEN - set(e["metrics"]))
            if set(e["metrics"]) != got:
                bad += 1
                if bad <= 5:
                    print("%s %s: expected keys only %s, actual keys only %s" % (name, key(e),
                          sorted(set(e["metrics"]) - set(a["metrics"])), sorted(got - set(e["metrics"]))))
    print("%s metric key sets: %d mismatches" % (d, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
