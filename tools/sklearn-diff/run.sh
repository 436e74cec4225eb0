#!/bin/bash
# Differential check against scikit-learn: replays a stream through modelwatch and compares the
# result with what gen.py computed with scikit-learn.
#   tools/sklearn-diff/run.sh DIR    (DIR: predictions.jsonl, labels.jsonl, params.json, expected*.jsonl)
# Run from the repository root after `mvn package`; needs python3 with scikit-learn (see README).
set -u
D=$1
JAR=${MODELWATCH_JAR:-target/modelwatch.jar}
CHECK=${CHECK_PY:-$(dirname "$0")/../../../shared/golden/check.py}   # ../shared beside the repository
param() { python3 -c "import json,sys; print(json.load(open('$D/params.json')).get('$1', '$2'))"; }
java -jar "$JAR" replay --predictions "$D/predictions.jsonl" --labels "$D/labels.jsonl" \
  --window "$(param window PT1H)" --max-label-delay "$(param max_label_delay PT1H)" --rolling "$(param rolling 1)" \
  --slice cloud --out "$D/actual.jsonl" --dead-letter "$D/dead.jsonl" > "$D/replay.log" 2>&1 \
  || { echo "$D: replay failed, see $D/replay.log"; exit 1; }
rc=0
for k in "" _slices _rolling _slices_rolling; do
  [ -s "$D/expected$k.jsonl" ] || continue
  python3 "$CHECK" "$D/expected$k.jsonl" "$D/actual.jsonl" --auc-tol 1e-9 > "$D/check$k.txt"; r=$?
  echo "$D expected$k: $(tail -1 "$D/check$k.txt")"
  [ $r = 0 ] || rc=1
done
# check.py treats a missing key as an expected null: compare the sets of metric keys too
python3 "$(dirname "$0")/keys.py" "$D" || rc=1
exit $rc
