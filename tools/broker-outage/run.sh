#!/bin/bash
# What modelwatch's log says while its broker is away: starts `broker`, `run` and `simulate` (ports away from the
# defaults, so that it runs beside a demo), stops the broker once the monitor has been ready for 30 s, and counts
# the WARN and ERROR lines of `run` over the 60 s that begin 5 s after the broker's port closed, by logger and by
# Kafka client; then checks /ready and prints the Kafka series that tell the outage. Stops what it started.
#
#   tools/broker-outage/run.sh [JAR] [VAR=value ...]     e.g. MODELWATCH_KAFKA_PROPERTY_RECONNECT_BACKOFF_MAX_MS=1000
#
# Environment: BROKER_PORT (19192), HTTP_PORT (18181), OUT (a new temporary directory: the logs).
set -u
JAR=target/modelwatch.jar
if [ $# -gt 0 ] && [ "${1#*=}" = "$1" ]; then JAR=$1; shift; fi
BROKER_PORT=${BROKER_PORT:-19192}
HTTP_PORT=${HTTP_PORT:-18181}
OUT=${OUT:-$(mktemp -d)}; mkdir -p "$OUT"
STATE=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$STATE"; }
trap cleanup EXIT
open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

java -jar "$JAR" broker --port "$BROKER_PORT" > "$OUT/broker.log" 2>&1 & broker=$!; pids+=("$broker")
until open "$BROKER_PORT"; do sleep 0.5; done
env "$@" MODELWATCH_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$BROKER_PORT MODELWATCH_HTTP_PORT=$HTTP_PORT \
  MODELWATCH_STATE_DIR="$STATE" java -jar "$JAR" run > "$OUT/run.log" 2>&1 & pids+=($!)
java -jar "$JAR" simulate --bootstrap "127.0.0.1:$BROKER_PORT" --rate 100 > "$OUT/simulate.log" 2>&1 & pids+=($!)
until [ "$(curl -s -o /dev/null -w '%{http_code}' "localhost:$HTTP_PORT/ready")" = 200 ]; do sleep 1; done
sleep 30
kill "$broker"; wait "$broker" 2>/dev/null
while open "$BROKER_PORT"; do sleep 0.2; done
echo "broker stopped at $(date +%T); counting from 5 s on, for 60 s"
sleep 5
from=$(wc -l < "$OUT/run.log"); sleep 60; to=$(wc -l < "$OUT/run.log")
sed -n "$((from + 1)),${to}p" "$OUT/run.log" > "$OUT/outage.log"
n=$(grep -cE '^\[[^]]*\] (WARN|ERROR) ' "$OUT/outage.log")
echo "WARN and ERROR lines in 60 s: $n ($(awk "BEGIN { printf \"%.1f\", $n / 60 }") a second); by logger:"
grep -E '^\[[^]]*\] (WARN|ERROR) ' "$OUT/outage.log" | sed -E 's/^\[[^]]*\] (WARN|ERROR) ([^ ]*) - .*/\1 \2/' \
  | sort | uniq -c | sort -rn
echo "NetworkClient lines by Kafka client:"
grep -E '^\[[^]]*\] WARN org.apache.kafka.clients.NetworkClient' "$OUT/outage.log" \
  | sed -E 's/.*clientId=([^],]*)[],].*/\1/; s/-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-/-<uuid>-/' \
  | sort | uniq -c | sort -rn
echo "/ready: $(curl -s -o /dev/null -w '%{http_code}' "localhost:$HTTP_PORT/ready")"
curl -s "localhost:$HTTP_PORT/metrics" | grep -E '^(modelwatch_ready|kafka_stream_client_state|kafka_consumer_coordinator_last_heartbeat_seconds_ago)'
echo "logs in $OUT"
