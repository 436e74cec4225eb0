#!/usr/bin/env bash
# Upgrades a running modelwatch in place and compares what it answers before and after.
#   tools/upgrade-check/check.sh OLD.jar NEW.jar
# A broker (NEW's `broker`), OLD's `run` on it with a fresh state dir while `simulate` feeds it for 70 s, then
# OLD stopped (SIGTERM) and NEW started on the same state and broker. Prints the time NEW took to answer /ready
# with 200 and whether the last closed window of every model, version and slice (the modelwatch_model_final_f1
# gauges, and /api/models latest_final) is the same as OLD's. Logs and answers in $OUT (default /tmp/upgrade-check).
set -u
OLD=${1:?old jar}; NEW=${2:?new jar}; OUT=${OUT:-/tmp/upgrade-check}
PORT=${PORT:-19092}; HTTP=${HTTP:-18080}
rm -rf "$OUT"; mkdir -p "$OUT/state"
java -jar "$NEW" broker --port "$PORT" > "$OUT/broker.log" 2>&1 & BROKER=$!
trap 'kill -TERM $BROKER 2>/dev/null' EXIT
sleep 12
export MODELWATCH_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$PORT MODELWATCH_WINDOW=PT10S MODELWATCH_MAX_LABEL_DELAY=PT10S \
  MODELWATCH_SLICES=cloud MODELWATCH_STATE_DIR=$OUT/state MODELWATCH_HTTP_PORT=$HTTP \
  MODELWATCH_PROCESSING_GUARANTEE=at_least_once
java -jar "$OLD" run > "$OUT/old.log" 2>&1 & PID=$!
java -jar "$NEW" simulate --bootstrap 127.0.0.1:$PORT --duration PT70S > "$OUT/simulate.log" 2>&1
sleep 25 # the last windows close (10 s windows, 10 s label delay)
curl -s localhost:$HTTP/api/models > "$OUT/old-models.json"
curl -s localhost:$HTTP/metrics | grep '^modelwatch_model_final_f1{' | sort > "$OUT/old-final.txt"
kill -TERM $PID; wait $PID
start=$(date +%s%3N)
java -jar "$NEW" run > "$OUT/new.log" 2>&1 & PID=$!
for _ in $(seq 1 240); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' localhost:$HTTP/ready)" = 200 ] && break; sleep 0.5
done
echo "new build ready after $(( $(date +%s%3N) - start )) ms"
curl -s localhost:$HTTP/api/models > "$OUT/new-models.json"
curl -s localhost:$HTTP/metrics | grep '^modelwatch_model_final_f1{' | sort > "$OUT/new-final.txt"
kill -TERM $PID; wait $PID
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
def finals(name):
    got = {}
    for m in json.load(open(f"{out}/{name}"))["models"]:
        for v in m["latest"]:
            for s in v["slices"]:
                got[(m["model_id"], v["model_version"], s["slice"])] = (s.get("latest_final") or {}).get("window_start")
    return got
old, new = finals("old-models.json"), finals("new-models.json")
gauges_old = open(f"{out}/old-final.txt").read(); gauges_new = open(f"{out}/new-final.txt").read()
same = sum(1 for k in old if old[k] is not None and new.get(k) == old[k])
print(f"final gauges: {gauges_old.count(chr(10))} before, {gauges_new.count(chr(10))} after, "
      f"{'identical' if gauges_old == gauges_new else 'DIFFERENT'}; "
      f"/api/models latest_final: {same} of {len(old)} series the same window")
PY
