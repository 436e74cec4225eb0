#!/usr/bin/env bash
# Upgrades a running modelwatch in place and compares what it answers before and after.
#   tools/upgrade-check/check.sh OLD.jar NEW.jar
# A broker (NEW's `broker`), OLD's `run` on it with a fresh state dir while `simulate` feeds it for 70 s, then
# OLD stopped (SIGTERM) and NEW started on the same state and broker. Prints the time NEW took to answer /ready
# with 200 and whether the last closed window of every model, version and slice (the modelwatch_model_final_f1
# gauges; /api/models latest and latest_final, whole records; each model's history) is the same as OLD's. With
# ROLLBACK=1, then OLD again on that state (a rollback) while `simulate` feeds it 40 s more, and NEW again,
# compared the same way. Exits 1 if anything differs. Logs and answers in $OUT (default /tmp/upgrade-check).
# RULES=FILE gives both builds alert rules (the demo's: src/main/resources/demo/rules.yaml), so that each reads
# the other's alert-state: then each run's /api/alerts firing count and ERROR lines are printed too, and an
# ERROR line in a run's log fails the check.
set -u
OLD=${1:?old jar}; NEW=${2:?new jar}; OUT=${OUT:-/tmp/upgrade-check}
PORT=${PORT:-19092}; HTTP=${HTTP:-18080}
rm -rf "$OUT"; mkdir -p "$OUT/state"
PID=
java -jar "$NEW" broker --port "$PORT" > "$OUT/broker.log" 2>&1 & BROKER=$!
trap 'kill -TERM $PID $BROKER 2>/dev/null' EXIT
sleep 12
export MODELWATCH_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$PORT MODELWATCH_WINDOW=PT10S MODELWATCH_MAX_LABEL_DELAY=PT10S \
  MODELWATCH_SLICES=cloud MODELWATCH_STATE_DIR=$OUT/state MODELWATCH_HTTP_PORT=$HTTP \
  MODELWATCH_PROCESSING_GUARANTEE=at_least_once
[ -n "${RULES:-}" ] && export MODELWATCH_RULES_FILE=$RULES

start() { # $1: jar, $2: log name
  local t0; t0=$(date +%s%3N)
  java -jar "$1" run > "$OUT/$2.log" 2>&1 & PID=$!
  for _ in $(seq 1 240); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' localhost:$HTTP/ready)" = 200 ] && break; sleep 0.5
  done
  echo "$2 ready after $(( $(date +%s%3N) - t0 )) ms"
}
stop() { kill -TERM $PID; wait $PID; PID=; }
errors=0
answers() { # $1: a name for this instant's answers
  if [ -n "${RULES:-}" ]; then
    curl -s localhost:$HTTP/api/alerts > "$OUT/$1-alerts.json"
    local n; n=$(grep -c ' ERROR ' "$OUT/$1.log"); errors=$((errors + n))
    echo "$1: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("firing", d["firing_count"], "caught_up", d["caught_up"])' "$OUT/$1-alerts.json"), $n ERROR lines"
  fi
  curl -s localhost:$HTTP/api/models > "$OUT/$1-models.json"
  curl -s localhost:$HTTP/metrics | grep '^modelwatch_model_final_f1{' | sort > "$OUT/$1-final.txt"
  for m in $(python3 -c 'import json,sys; print(" ".join(x["model_id"] for x in json.load(open(sys.argv[1]))["models"]))' "$OUT/$1-models.json"); do
    curl -s "localhost:$HTTP/api/models/$m/metrics?from=0&rolling=true" > "$OUT/$1-history-$m.json"
  done
}
compare() { # $1, $2: two names given to answers
  python3 - "$OUT" "$1" "$2" <<'PY'
import glob, json, os, sys
out, a, b = sys.argv[1:]
def rounded(x):  # log loss and Brier are sums of doubles: an open window re-summed after a restart (its pairs
    # replayed in another order) can differ in the last bit, as any order-dependent float sum does
    if isinstance(x, float):
        return float(f"{x:.12g}")
    if isinstance(x, dict):
        return {k: rounded(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [rounded(v) for v in x]
    return x
def series(name):
    got = {}
    for m in json.load(open(f"{out}/{name}-models.json"))["models"]:
        for v in m["latest"]:
            for s in v["slices"]:
                got[(m["model_id"], v["model_version"], s["slice"])] = (s.get("latest"), s.get("latest_final"))
    return got
def records(path):  # as a multiset: builds before the 43rd session ordered a window's versions as they came
    return sorted(json.dumps(rounded(r), sort_keys=True) for r in json.load(open(path)).get("records", []))
old, new = series(a), series(b)
same = sum(1 for k in old if rounded(new.get(k)) == rounded(old[k]))
gauges_old = open(f"{out}/{a}-final.txt").read(); gauges_new = open(f"{out}/{b}-final.txt").read()
histories = sorted(os.path.basename(p)[len(a) + 1:] for p in glob.glob(f"{out}/{a}-history-*.json"))
same_history = [h for h in histories if os.path.exists(f"{out}/{b}-{h}")
                and records(f"{out}/{a}-{h}") == records(f"{out}/{b}-{h}")]
ok = gauges_old == gauges_new and gauges_old and same == len(old) and len(new) == len(old) and len(same_history) == len(histories)
print(f"{a} -> {b}: final gauges {gauges_old.count(chr(10))} and {gauges_new.count(chr(10))}, "
      f"{'identical' if gauges_old == gauges_new else 'DIFFERENT'}; /api/models: {same} of {len(old)} series with the "
      f"same latest and latest_final records ({len(new)} after); history of {len(same_history)} of {len(histories)} "
      f"models the same: {'SAME' if ok else 'DIFFERENT'}")
sys.exit(0 if ok else 1)
PY
}

start "$OLD" old
# with rules, fraud v2 degrades early enough for its alerts to fire before the old build stops
java -jar "$NEW" simulate --bootstrap 127.0.0.1:$PORT --duration PT70S ${RULES:+--drop-after PT20S} \
  > "$OUT/simulate.log" 2>&1
sleep 25 # the last windows close (10 s windows, 10 s label delay)
answers old; stop
start "$NEW" new; answers new; stop
compare old new; rc=$?
if [ "${ROLLBACK:-0}" = 1 ]; then
  start "$OLD" old-again
  java -jar "$NEW" simulate --bootstrap 127.0.0.1:$PORT --duration PT40S --seed 7 > "$OUT/simulate-again.log" 2>&1
  sleep 25
  answers old-again; stop
  start "$NEW" new-again; answers new-again; stop
  compare old-again new-again || rc=1
fi
[ "$errors" = 0 ] || { echo "ERROR lines in the runs' logs: $errors"; rc=1; }
exit $rc
