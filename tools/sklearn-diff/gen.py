#!/usr/bin/env python3
"""Reference generator for modelwatch windowed metrics (scikit-learn based).

  gen.py expect DIR OUTDIR [--scope=window|model]
                                      expected*.jsonl for DIR/{predictions,labels}.jsonl + DIR/params.json
  gen.py random OUTDIR --seed N       random stream + params.json + expected*.jsonl

--scope: the model's classes (score matrix columns, binary or not) are those named in the
record's own rows (window, modelwatch's rule, the default) or in any row of the model version
in the whole stream (model: what scikit-learn says when told the model's full class list; it
differs only where no row of a window names a class, see the README's "Scores").

Semantics: ../shared/golden/README.md and the modelwatch README. Log loss follows scikit-learn 1.2 (clip to
[eps, 1-eps], renormalise the row) by renormalising before calling sklearn's log_loss
(sklearn >= 1.5 no longer renormalises).
"""
import json
import math
import os
import random
import re
import sys
import warnings
from collections import defaultdict
from datetime import datetime, timezone

import numpy as np
from sklearn.metrics import (accuracy_score, average_precision_score, brier_score_loss,
                             confusion_matrix, log_loss, precision_recall_fscore_support,
                             roc_auc_score)

warnings.filterwarnings("ignore")
EPS = np.finfo(np.float64).eps


# ---------------------------------------------------------------- parsing
def parse_dur(s):
    m = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", s)
    d, h, mi, se = (int(x or 0) for x in m.groups())
    return ((d * 24 + h) * 60 + mi) * 60000 + se * 1000


def millis(v):
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return int(v)
    # digits below the millisecond are dropped (the event contract), never rounded up into the next millisecond
    dt = datetime.fromisoformat(str(v).replace("Z", "+00:00"))
    td = dt - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (td.days * 86_400 + td.seconds) * 1000 + td.microseconds // 1000


def cls(v):
    return str(v)


def load(d):
    P = [json.loads(l) for l in open(os.path.join(d, "predictions.jsonl")) if l.strip()]
    L = [json.loads(l) for l in open(os.path.join(d, "labels.jsonl")) if l.strip()]
    return P, L


# ---------------------------------------------------------------- pairing
def pairs_of(P, L, delay):
    """One row per distinct prediction (earliest copy) with its winning label (or None)."""
    win = {}
    for i, p in enumerate(P):
        t = millis(p["timestamp"])
        pid = p["prediction_id"]
        if pid not in win or t < win[pid][0]:
            win[pid] = (t, i)
    labels = defaultdict(list)
    for j, l in enumerate(L):
        labels[l["prediction_id"]].append((millis(l["timestamp"]), j, cls(l["label"])))
    rows = []
    for pid, (t, i) in win.items():
        p = P[i]
        cands = [x for x in labels.get(pid, []) if abs(x[0] - t) <= delay]
        # latest timestamp, then the greatest label (code point order, as Python compares str)
        lab = max(cands, key=lambda x: (x[0], x[2])) if cands else None
        rows.append({
            "id": pid, "model_id": str(p["model_id"]), "model_version": str(p.get("model_version", "")),
            "t": t, "pred": cls(p["predicted"]),
            "scores": None if p.get("scores") is None else {cls(k): float(v) for k, v in p["scores"].items()},
            "tags": p.get("tags") or {},
            "y": None if lab is None else lab[2], "lt": None if lab is None else lab[0],
        })
    return rows


# ---------------------------------------------------------------- metrics
AVG = ["accuracy", "precision_micro", "recall_micro", "f1_micro", "precision_macro", "recall_macro",
       "f1_macro", "precision_weighted", "recall_weighted", "f1_weighted", "log_loss"]
BIN = ["precision", "recall", "f1", "brier_score", "roc_auc", "average_precision"]
MUL = ["roc_auc_ovr", "roc_auc_ovr_weighted", "roc_auc_ovo"]


def f(x):
    return None if x is None else float(x)


def ovr_ovo(y, S, K):
    """y: true labels (all in K, every K present), S: n x len(K) score matrix, columns sorted K."""
    n_k = len(K)
    if n_k >= 3:
        ovr = roc_auc_score(y, S, multi_class="ovr", average="macro", labels=K)
        ovrw = roc_auc_score(y, S, multi_class="ovr", average="weighted", labels=K)
        ovo = roc_auc_score(y, S, multi_class="ovo", average="macro", labels=K)
        return ovr, ovrw, ovo
    # two classes: sklearn's multiclass path refuses a 2-column matrix, so do the same per class
    aucs = [roc_auc_score(y == c, S[:, i]) for i, c in enumerate(K)]
    w = [np.sum(y == c) for c in K]
    ovr = float(np.mean(aucs))
    ovrw = float(np.average(aucs, weights=w))
    return ovr, ovrw, ovr  # one pair: (A(a|b) + A(b|a)) / 2 = mean of the two one-vs-rest AUCs


def metrics_for(rows, binary, model_classes):
    n_pred = len(rows)
    lab = [r for r in rows if r["y"] is not None]
    rec = {"predictions": n_pred, "labeled": len(lab)}
    keys = AVG + (BIN if binary else MUL)
    m = {k: None for k in keys}
    if not lab:
        rec["confusion_matrix"] = {"labels": [], "matrix": []}
        rec["per_class"] = {}
    else:
        y = np.array([r["y"] for r in lab], dtype=object)
        p = np.array([r["pred"] for r in lab], dtype=object)
        Ls = sorted(set(y) | set(p))
        cm = confusion_matrix(y, p, labels=Ls)
        rec["confusion_matrix"] = {"labels": Ls, "matrix": cm.tolist()}
        P_, R_, F_, S_ = precision_recall_fscore_support(y, p, labels=Ls, average=None, zero_division=0)
        rec["per_class"] = {c: {"precision": f(P_[i]), "recall": f(R_[i]), "f1": f(F_[i]), "support": int(S_[i])}
                            for i, c in enumerate(Ls)}
        m["accuracy"] = f(accuracy_score(y, p))
        for avg in ("micro", "macro", "weighted"):
            a, b, c, _ = precision_recall_fscore_support(y, p, labels=Ls, average=avg, zero_division=0)
            m["precision_" + avg], m["recall_" + avg], m["f1_" + avg] = f(a), f(b), f(c)
        scored = [r for r in lab if r["scores"] is not None]
        if scored:
            ys = np.array([r["y"] for r in scored], dtype=object)
            cols = sorted(set(model_classes) | set(ys))
            S = np.array([[r["scores"].get(c, 0.0) for c in cols] for r in scored], dtype=float)
            # scikit-learn 1.2: clip then renormalise each row
            Sc = np.clip(S, EPS, 1 - EPS)
            Sc = Sc / Sc.sum(axis=1, keepdims=True)
            if len(cols) >= 2:
                m["log_loss"] = f(log_loss(ys, Sc, labels=cols))
            else:  # scikit-learn refuses a single class; by its definition every row is then 1 after clipping
                m["log_loss"] = f(-np.mean(np.log(Sc[:, 0])))
        if binary:
            a, b, c, _ = precision_recall_fscore_support(y, p, average="binary", pos_label="1", zero_division=0)
            m["precision"], m["recall"], m["f1"] = f(a), f(b), f(c)
            if scored:
                yb = np.array([1 if r["y"] == "1" else 0 for r in scored])
                s1 = np.array([r["scores"].get("1", 0.0) for r in scored])
                m["brier_score"] = f(brier_score_loss(yb, s1, pos_label=1, labels=[0, 1]))
                if 0 < yb.sum() < len(yb):
                    m["roc_auc"] = f(roc_auc_score(yb, s1))
                    m["average_precision"] = f(average_precision_score(yb, s1))
        elif scored:
            K = sorted(model_classes)
            ys = np.array([r["y"] for r in scored], dtype=object)
            if len(K) >= 2 and set(ys) == set(K):
                S = np.array([[r["scores"].get(c, 0.0) for c in K] for r in scored], dtype=float)
                ovr, ovrw, ovo = ovr_ovo(ys, S, K)
                m["roc_auc_ovr"], m["roc_auc_ovr_weighted"], m["roc_auc_ovo"] = f(ovr), f(ovrw), f(ovo)
    m["label_coverage"] = len(lab) / n_pred if n_pred else None
    m["label_delay_mean_ms"] = (sum(r["lt"] - r["t"] for r in lab) / len(lab)) if lab else None
    rec["metrics"] = m
    return rec


def expected(P, L, params, slice_tag="cloud", class_scope="window"):
    size = parse_dur(params["window"])
    delay = parse_dur(params["max_label_delay"])
    K_roll = int(params.get("rolling", 1))
    rows = pairs_of(P, L, delay)
    by_model = defaultdict(list)
    for r in rows:
        by_model[(r["model_id"], r["model_version"])].append(r)
    out, out_sl, out_roll, out_sl_roll = [], [], [], []
    for (mid, ver), mrows in sorted(by_model.items()):
        allc = set()
        for r in mrows:
            allc |= set((r["scores"] or {}).keys()) | {r["pred"]} | ({r["y"]} if r["y"] else set())
        binary = allc <= {"0", "1"}
        model_scored = set()
        for r in mrows:
            model_scored |= set((r["scores"] or {}).keys())

        def classes_of(rs):
            if class_scope == "model":
                return model_scored
            s = set()
            for r in rs:
                s |= set((r["scores"] or {}).keys())
            return s

        def binary_of(rs):
            if class_scope == "model":
                return binary
            # modelwatch: binary when the classes the record's rows score and the labels of its pairs are 0/1
            s = set(classes_of(rs))
            for r in rs:
                if r["y"] is not None:
                    s |= {r["y"], r["pred"]}
            return s <= {"0", "1"}

        def emit(sink, rs, ws, we, extra):
            rec = {"model_id": mid, "model_version": ver, "window_start": ws, "window_end": we}
            rec.update(extra)
            rec.update(metrics_for(rs, binary_of(rs), classes_of(rs)))
            sink.append(rec)

        groups = defaultdict(list)
        for r in mrows:
            groups[r["t"] // size * size].append(r)
        for ws in sorted(groups):
            emit(out, groups[ws], ws, ws + size, {})
            if K_roll > 1:
                lo = ws + size - K_roll * size
                rs = [r for r in mrows if lo <= r["t"] < ws + size]
                emit(out_roll, rs, lo, ws + size, {"rolling": K_roll})
        if slice_tag:
            sg = defaultdict(list)
            for r in mrows:
                v = r["tags"].get(slice_tag)
                if v is not None:
                    sg[v].append(r)
            for v in sorted(sg):
                g2 = defaultdict(list)
                for r in sg[v]:
                    g2[r["t"] // size * size].append(r)
                for ws in sorted(g2):
                    emit(out_sl, g2[ws], ws, ws + size, {"slice": {slice_tag: v}})
                    if K_roll > 1:
                        lo = ws + size - K_roll * size
                        rs = [r for r in sg[v] if lo <= r["t"] < ws + size]
                        emit(out_sl_roll, rs, lo, ws + size, {"slice": {slice_tag: v}, "rolling": K_roll})
    return out, out_sl, out_roll, out_sl_roll


def write(path, recs):
    with open(path, "w") as fh:
        for r in recs:
            fh.write(json.dumps(r) + "\n")


def do_expect(d, outdir, class_scope="window"):
    P, L = load(d)
    params = json.load(open(os.path.join(d, "params.json")))
    os.makedirs(outdir, exist_ok=True)
    e, s, r, sr = expected(P, L, params, class_scope=class_scope)
    write(os.path.join(outdir, "expected.jsonl"), e)
    write(os.path.join(outdir, "expected_slices.jsonl"), s)
    write(os.path.join(outdir, "expected_rolling.jsonl"), r)
    write(os.path.join(outdir, "expected_slices_rolling.jsonl"), sr)


# ---------------------------------------------------------------- random streams
BASE = 1793577600000  # 2026-11-02T00:00:00Z


def iso(ms, rng):
    dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    if ms % 1000 == 0 and rng.random() < 0.5:
        return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def ts_out(ms, rng, p_iso):
    return iso(ms, rng) if rng.random() < p_iso else ms


def score_row(rng, classes, q, p_missing, true_c=None):
    """Row of multiples of 1/q summing to 1; zeros may be left out (missing = probability 0)."""
    n = len(classes)
    w = [rng.gammavariate(0.6, 1.0) for _ in classes]
    if true_c is not None and rng.random() < 0.7:
        w[classes.index(true_c)] += rng.uniform(0, 3)
    tot = sum(w)
    units = [int(x / tot * q) for x in w]
    rest = q - sum(units)
    for _ in range(rest):
        units[rng.randrange(n)] += 1
    row = {}
    for c, u in zip(classes, units):
        if u == 0 and rng.random() < p_missing:
            continue
        row[c] = u / q
    return row  # a zero-probability true class is left out as any other (the loop above)


def gen_random(outdir, seed):
    rng = random.Random(seed)
    heavy = seed >= 1000
    os.makedirs(outdir, exist_ok=True)
    size_min = rng.choice([10, 15, 30, 60])
    size = size_min * 60000
    delay = rng.choice([5, 10, 30, 60, 90, 120]) * 60000
    K_roll = rng.choice([2, 3])
    n_windows = rng.randint(3, 8)
    p_iso = rng.choice([0.0, 0.2, 0.5])
    models = []
    for mi in range(rng.randint(1, 3)):
        kind = rng.choice(["binary", "multi_str", "multi_int"] + (["multi_wide"] * 3 if seed >= 2000 else []))
        if kind == "multi_wide":  # 8 to 40 classes: numpy sums their per-class figures pairwise
            classes = sorted(str(x) for x in rng.sample(range(0, 60), rng.randint(8, 40)))
        elif kind == "binary":
            classes = ["0", "1"]
        elif kind == "multi_str":
            classes = sorted(rng.sample(["alpha", "beta", "gamma", "delta", "eps", "zeta", "Eta", "theta"],
                                        rng.randint(3, 6)))
        else:
            classes = sorted(str(x) for x in rng.sample(range(0, 13), rng.randint(3, 6)))
            if heavy and rng.random() < 0.6:
                classes = sorted(set(classes[:rng.randint(1, 4)]) | {"0", "1"})
        q = rng.choice([2, 4, 5, 10, 20, 1000, 1000000] + ([2, 3, 4] if heavy else []))  # small q: heavy ties
        ver = rng.choice(["v1", "2026.11", None, 7])
        models.append({"id": "m%d_%d" % (seed, mi), "ver": ver, "classes": classes, "q": q,
                       "p_missing": rng.choice([0.0, 0.3, 0.8] + ([1.0, 1.0] if heavy else [])), "int_labels": kind != "multi_str"})
    preds, labs = [], []
    nid = 0
    for m in models:
        for w in range(n_windows):
            ws = BASE + w * size
            r = rng.random()
            if r < 0.12:
                continue  # empty window
            n = rng.choice([1, 2, 3, 5, 8, 15, 30, 60] + ([150, 400] if heavy else []))
            mode = rng.random()
            C = m["classes"]
            if mode < 0.12:
                true_pool = [rng.choice(C)]  # one true class only
            elif mode < 0.3:
                true_pool = rng.sample(C, max(1, len(C) - 1))  # a class never true
            else:
                true_pool = C
            pred_pool = C if rng.random() < 0.7 else rng.sample(C, max(1, len(C) - 1))
            p_label = 0.0 if rng.random() < 0.1 else rng.choice([0.5, 0.8, 1.0])
            for _ in range(n):
                nid += 1
                pid = "%s-%05d" % (m["id"], nid)
                if rng.random() < 0.05:
                    t = ws + rng.choice([0, size - 1])  # window edges
                else:
                    t = ws + rng.randrange(size)
                yc = rng.choice(true_pool)
                row = score_row(rng, C, m["q"], m["p_missing"], yc)
                if rng.random() < 0.6:
                    pc = max(row, key=lambda c: (row[c], rng.random()))
                    if pc not in pred_pool:
                        pc = rng.choice(pred_pool)
                else:
                    pc = rng.choice(pred_pool)

                def label_val(c):
                    if m["int_labels"] and rng.random() < 0.5:
                        return int(c)
                    return c
                ev = {"prediction_id": pid, "model_id": m["id"]}
                if m["ver"] is not None:
                    ev["model_version"] = m["ver"]
                ev["timestamp"] = t
                ev["predicted"] = label_val(pc)
                ev["scores"] = row
                tr = rng.random()
                if tr < 0.8:
                    ev["tags"] = {"cloud": rng.choice(["aws", "gcp", "azure"]), "region": "r%d" % rng.randint(1, 3)}
                elif tr < 0.9:
                    ev["tags"] = {"region": "r1"}
                preds.append(ev)
                used_t = {t}
                # duplicate copies: later timestamp, different content
                if rng.random() < 0.08:
                    for _ in range(rng.randint(1, 2)):
                        dt = rng.choice([1, rng.randrange(1, delay + 1), delay])
                        if t + dt in used_t:
                            continue
                        used_t.add(t + dt)
                        ev2 = dict(ev)
                        ev2["timestamp"] = t + dt
                        ev2["scores"] = score_row(rng, C, m["q"], m["p_missing"])
                        ev2["predicted"] = label_val(rng.choice(C))
                        ev2["tags"] = {"cloud": rng.choice(["aws", "gcp", "azure"])}
                        preds.append(ev2)
                # labels
                if rng.random() < p_label:
                    nl = 1 if rng.random() < 0.75 else rng.randint(2, 4)
                    lts = set()
                    for k in range(nl):
                        u = rng.random()
                        if u < 0.55:
                            d = rng.randrange(0, delay + 1)
                        elif u < 0.7:
                            d = -rng.randrange(0, delay + 1)  # label before prediction
                        elif u < 0.8:
                            d = rng.choice([delay, -delay])  # exactly at the bound
                        elif u < 0.9:
                            d = rng.choice([delay + 1, -delay - 1])  # just outside
                        else:
                            d = rng.choice([delay + rng.randrange(1, delay + 1), -delay - rng.randrange(1, delay + 1)])
                        if t + d in lts:
                            continue
                        lts.add(t + d)
                        yy = yc if k == 0 or rng.random() < 0.3 else rng.choice(C)
                        labs.append({"prediction_id": pid, "label": label_val(yy), "_t": t + d})
            # ghost labels
            if rng.random() < 0.2:
                labs.append({"prediction_id": "ghost-%d" % nid, "label": label_val(C[0]), "_t": ws + 5})
    # timestamps of labels must stay in range; sort; ISO-ify
    preds.sort(key=lambda e: e["timestamp"])
    labs.sort(key=lambda e: e["_t"])
    with open(os.path.join(outdir, "predictions.jsonl"), "w") as fh:
        for e in preds:
            e = dict(e)
            e["timestamp"] = ts_out(e["timestamp"], rng, p_iso)
            fh.write(json.dumps(e) + "\n")
    with open(os.path.join(outdir, "labels.jsonl"), "w") as fh:
        for e in labs:
            t = e.pop("_t")
            e["timestamp"] = ts_out(t, rng, p_iso)
            fh.write(json.dumps(e) + "\n")
    params = {"window": "PT%dM" % size_min, "max_label_delay": "PT%dM" % (delay // 60000),
              "positive_class": "1", "rolling": K_roll}
    json.dump(params, open(os.path.join(outdir, "params.json"), "w"), indent=1)
    do_expect(outdir, outdir)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "expect":
        scope = "window"
        args = [a for a in sys.argv[2:] if not a.startswith("--scope=")]
        for a in sys.argv[2:]:
            if a.startswith("--scope="):
                scope = a.split("=", 1)[1]
        if len(args) != 2:
            sys.exit("usage: gen.py expect DIR OUTDIR [--scope=window|model] (OUTDIR apart from DIR: the expected "
                     "files of a golden directory are not to be overwritten)")
        do_expect(args[0], args[1], scope)
    elif cmd == "random":
        gen_random(sys.argv[2], int(sys.argv[sys.argv.index("--seed") + 1]))
