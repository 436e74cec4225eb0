#!/usr/bin/env python3
"""How often the demo's alerts fire and resolve: runs `modelwatch demo` on a port of its own, reads /api/alerts
every 2 s once the alert feed caught up, and counts per rule how many times an alert (rule, model, version, slice)
appeared in the firing list and how many times one left it. A rule whose alerts leave and come back is flapping.

    python3 tools/alert-flapping/flapping.py [--jar target/modelwatch.jar] [--port 18501] [--seconds 240]
"""
import argparse
import collections
import json
import subprocess
import sys
import time
import urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("--jar", default="target/modelwatch.jar")
ap.add_argument("--port", default="18501")
ap.add_argument("--seconds", type=int, default=240)
args = ap.parse_args()

log = open("/tmp/alert-flapping-demo-%s.log" % args.port, "w")
demo = subprocess.Popen(["java", "-jar", args.jar, "demo", "--http-port=" + args.port,
                         "--duration=PT%dS" % (args.seconds + 20)], stdout=log, stderr=subprocess.STDOUT)
firing, fired, resolved, counts = set(), collections.Counter(), collections.Counter(), []
start = time.time()
try:
    while time.time() - start < args.seconds:
        time.sleep(2)
        try:
            answer = json.load(urllib.request.urlopen("http://localhost:%s/api/alerts" % args.port, timeout=2))
        except Exception:
            continue  # not listening yet
        if not answer.get("caught_up"):
            continue
        now = set((a["rule"], a["model_id"], a["model_version"], json.dumps(a.get("slice"), sort_keys=True))
                  for a in answer["firing"])
        for key in now - firing:
            fired[key[0]] += 1
        for key in firing - now:
            resolved[key[0]] += 1
        firing = now
        counts.append(len(now))
finally:
    demo.wait()
if not counts:
    sys.exit("no answer from the demo's /api/alerts (see %s)" % log.name)
print("alerts firing over %d samples: least %d, most %d" % (len(counts), min(counts), max(counts)))
for rule in sorted(set(fired) | set(resolved)):
    print("%-28s fired %3d  resolved %3d" % (rule, fired[rule], resolved[rule]))
