package io.modelwatch.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * An in-memory {@link MonitorView} with records shaped like the contract's (test code only): metrics
 * records built from confusion counts so their figures agree, alert records, and curves.
 */
final class FakeMonitorView implements MonitorView {

    static final ObjectMapper JSON = new ObjectMapper();

    final List<JsonNode> metrics = new CopyOnWriteArrayList<>();
    /** The alert records in the alerts topic's order, as written: the last one of a key is its current one. */
    final List<JsonNode> alerts = new CopyOnWriteArrayList<>();
    final Map<String, JsonNode> curves = new ConcurrentHashMap<>();
    volatile boolean ready = true;
    /** While set and closed, a scrape's read of the latest windows waits on it (a slow /metrics). */
    volatile java.util.concurrent.CountDownLatch scrapeGate;
    /** False while "the alert feed" has not read the alerts topic up to its end (the instance is starting). */
    volatile boolean alertsCaughtUp = true;
    /** When set, every query throws what it supplies (a store during a rebalance, a bug). */
    volatile Supplier<RuntimeException> failure;
    /** Instances a request "could not reach", as a service view reports them when a peer is down. */
    final Set<String> unreachable = ConcurrentHashMap.newKeySet();
    /** The scope the server asked for last: true for scope=local (null before any request). */
    volatile Boolean lastLocalOnly;
    /** Calls of {@link #latestMetrics()} and {@link #latestWithFinal()} from outside: what a reader asked for. */
    final AtomicInteger latestQueries = new AtomicInteger();
    final AtomicInteger latestWithFinalQueries = new AtomicInteger();

    @Override
    public List<JsonNode> latestMetrics() {
        latestQueries.incrementAndGet();
        return latestRecords();
    }

    private List<JsonNode> latestRecords() {
        fail();
        Map<String, JsonNode> latest = new LinkedHashMap<>();
        for (JsonNode r : metrics) {
            if (Records.isRolling(r)) {
                continue;
            }
            String key = Records.modelId(r) + "|" + Records.version(r) + "|" + Records.slice(r);
            JsonNode prev = latest.get(key);
            if (prev == null || Records.windowStart(r) >= Records.windowStart(prev)) {
                latest.put(key, r);
            }
        }
        return new ArrayList<>(latest.values());
    }

    /** As the service's view: per series the latest record, and the latest of its final ones (null when none). */
    @Override
    public List<LatestWindows> latestWithFinal() {
        latestWithFinalQueries.incrementAndGet();
        fail();
        java.util.concurrent.CountDownLatch gate = scrapeGate;
        if (gate != null) {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Map<String, JsonNode> finals = new LinkedHashMap<>();
        for (JsonNode r : metrics) {
            if (Records.isRolling(r) || !r.path("final").asBoolean()) {
                continue;
            }
            String key = Records.modelId(r) + "|" + Records.version(r) + "|" + Records.slice(r);
            JsonNode prev = finals.get(key);
            if (prev == null || Records.windowStart(r) >= Records.windowStart(prev)) {
                finals.put(key, r);
            }
        }
        List<LatestWindows> out = new ArrayList<>();
        for (JsonNode r : latestRecords()) {
            out.add(new LatestWindows(r, finals.get(Records.modelId(r) + "|" + Records.version(r) + "|"
                    + Records.slice(r))));
        }
        return out;
    }

    /** Calls of {@link #history} per model: which models' windows a reader asked for. */
    final Map<String, AtomicInteger> historyQueries = new ConcurrentHashMap<>();

    @Override
    public List<JsonNode> history(String modelId, String version, String slice, long from, long to, boolean rolling) {
        historyQueries.computeIfAbsent(modelId, k -> new AtomicInteger()).incrementAndGet();
        fail();
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode r : metrics) {
            long ws = Records.windowStart(r);
            if (!modelId.equals(Records.modelId(r)) || ws < from || ws >= to) {
                continue;
            }
            if (version != null && !version.equals(Records.version(r))) {
                continue;
            }
            if (slice != null && !slice.equals(Records.slice(r))) {
                continue;
            }
            if (Records.isRolling(r) && !rolling) {
                continue;
            }
            out.add(r);
        }
        out.sort(Comparator.comparingLong(Records::windowStart));
        return out;
    }

    @Override
    public Optional<JsonNode> curves(String modelId, String version, long windowStart) {
        fail();
        return Optional.ofNullable(curves.get(modelId + "|" + version + "|" + windowStart));
    }

    @Override
    public List<JsonNode> alerts() {
        fail();
        List<JsonNode> out = new ArrayList<>(alerts);
        Collections.reverse(out); // newest first in topic order, as the service's alert feed lists them
        return out;
    }

    @Override
    public boolean ready() {
        return ready;
    }

    @Override
    public boolean alertsCaughtUp() {
        return alertsCaughtUp;
    }

    @Override
    public MonitorView scoped(boolean localOnly) {
        lastLocalOnly = localOnly;
        return this;
    }

    @Override
    public Set<String> unreachable() {
        return Set.copyOf(unreachable);
    }

    /** What {@link #rules()} answers; null: a view without rules. */
    volatile JsonNode rules;

    @Override
    public Optional<JsonNode> rules() {
        fail();
        return Optional.ofNullable(rules);
    }

    private void fail() {
        Supplier<RuntimeException> f = failure;
        if (f != null) {
            throw f.get();
        }
    }

    // ------------------------------------------------------------------ record builders

    /** A binary metrics record whose figures follow from the confusion counts; auc as given (null = undefined). */
    static ObjectNode binary(String model, String version, String slice, long windowStart, long size,
                             long predictions, long tp, long fp, long fn, long tn, Double auc, boolean isFinal) {
        ObjectNode r = head(model, version, slice, windowStart, size, isFinal);
        long labeled = tp + fp + fn + tn;
        r.put("predictions", predictions);
        r.put("labeled", labeled);
        ObjectNode cm = r.putObject("confusion_matrix");
        cm.putArray("labels").add("0").add("1");
        ArrayNode matrix = cm.putArray("matrix");
        matrix.addArray().add(tn).add(fp);
        matrix.addArray().add(fn).add(tp);
        double p1 = ratio(tp, tp + fp);
        double r1 = ratio(tp, tp + fn);
        double f1 = p1 + r1 == 0 ? 0 : 2 * p1 * r1 / (p1 + r1);
        double p0 = ratio(tn, tn + fn);
        double r0 = ratio(tn, tn + fp);
        double f0 = p0 + r0 == 0 ? 0 : 2 * p0 * r0 / (p0 + r0);
        ObjectNode pc = r.putObject("per_class");
        pc.putObject("0").put("precision", p0).put("recall", r0).put("f1", f0).put("support", tn + fp);
        pc.putObject("1").put("precision", p1).put("recall", r1).put("f1", f1).put("support", tp + fn);
        ObjectNode m = r.putObject("metrics");
        m.put("accuracy", ratio(tp + tn, labeled));
        m.put("f1_macro", (f0 + f1) / 2);
        m.put("log_loss", 0.1 + (1 - f1) * 0.5);
        m.put("precision", p1);
        m.put("recall", r1);
        m.put("f1", f1);
        m.put("brier_score", 0.02 + (1 - f1) * 0.1);
        if (auc == null) {
            m.putNull("roc_auc");
            m.putNull("average_precision");
        } else {
            m.put("roc_auc", auc);
            m.put("average_precision", auc - 0.01);
        }
        m.put("label_coverage", ratio(labeled, predictions));
        m.put("label_delay_mean_ms", 42_000.0);
        return r;
    }

    /** A 3-class record (classes a, b, c) with the given diagonal share; roc_auc_ovr as given. */
    static ObjectNode multiclass(String model, String version, String slice, long windowStart, long size,
                                 long predictions, long perClass, double correctShare, double aucOvr, boolean isFinal) {
        ObjectNode r = head(model, version, slice, windowStart, size, isFinal);
        long right = Math.round(perClass * correctShare);
        long wrong = perClass - right;
        long labeled = 3 * perClass;
        r.put("predictions", predictions);
        r.put("labeled", labeled);
        ObjectNode cm = r.putObject("confusion_matrix");
        cm.putArray("labels").add("a").add("b").add("c");
        ArrayNode matrix = cm.putArray("matrix");
        matrix.addArray().add(right).add(wrong).add(0);
        matrix.addArray().add(0).add(right).add(wrong);
        matrix.addArray().add(wrong).add(0).add(right);
        double f = (double) right / perClass;
        ObjectNode pc = r.putObject("per_class");
        for (String c : List.of("a", "b", "c")) {
            pc.putObject(c).put("precision", f).put("recall", f).put("f1", f).put("support", perClass);
        }
        ObjectNode m = r.putObject("metrics");
        m.put("accuracy", f);
        m.put("f1_macro", f);
        m.put("f1_weighted", f);
        m.put("log_loss", 0.3 + (1 - f));
        m.put("roc_auc_ovr", aucOvr);
        m.put("roc_auc_ovr_weighted", aucOvr);
        m.put("roc_auc_ovo", aucOvr);
        m.put("label_coverage", ratio(labeled, predictions));
        return r;
    }

    /** A copy of the record flagged as rolling over {@code windows} windows. */
    static ObjectNode rolling(ObjectNode record, int windows) {
        ObjectNode r = record.deepCopy();
        r.put("rolling", windows);
        return r;
    }

    static ObjectNode alert(String rule, String model, String version, String slice, String metric, double value,
                            double threshold, String state, String severity, long windowStart, long windowEnd,
                            long timestamp) {
        ObjectNode a = JSON.createObjectNode();
        a.put("alert_id", rule + "/" + model + "/" + version + "/" + slice + "/" + windowStart);
        a.put("rule", rule);
        a.put("model_id", model);
        a.put("model_version", version);
        if (slice != null && !slice.isEmpty()) {
            String[] kv = slice.split("=", 2);
            a.putObject("slice").put(kv[0], kv[1]);
        } else {
            a.putNull("slice");
        }
        a.put("metric", metric);
        a.put("value", value);
        a.put("threshold", threshold);
        a.put("labeled", 480);
        a.put("window_start", windowStart);
        a.put("window_end", windowEnd);
        a.put("state", state);
        a.put("severity", severity);
        a.put("timestamp", timestamp);
        return a;
    }

    static ObjectNode curvesOf(double bestThreshold) {
        ObjectNode c = JSON.createObjectNode();
        ArrayNode roc = c.putArray("roc");
        roc.addArray().add(0.0).add(0.0).add(1.0);
        roc.addArray().add(0.05).add(0.8).add(0.7);
        roc.addArray().add(0.2).add(0.95).add(0.4);
        roc.addArray().add(1.0).add(1.0).add(0.0);
        ArrayNode pr = c.putArray("pr");
        pr.addArray().add(0.0).add(1.0).add(1.0);
        pr.addArray().add(0.8).add(0.92).add(0.7);
        pr.addArray().add(1.0).add(0.3).add(0.0);
        c.putObject("best_f1").put("threshold", bestThreshold).put("f1", 0.86).put("precision", 0.92).put("recall", 0.8);
        return c;
    }

    void putCurves(String model, String version, long windowStart, JsonNode c) {
        curves.put(model + "|" + version + "|" + windowStart, c);
    }

    private static ObjectNode head(String model, String version, String slice, long windowStart, long size,
                                   boolean isFinal) {
        ObjectNode r = JSON.createObjectNode();
        r.put("model_id", model);
        r.put("model_version", version);
        if (slice != null && !slice.isEmpty()) {
            String[] kv = slice.split("=", 2);
            r.putObject("slice").put(kv[0], kv[1]);
        }
        r.put("window_start", windowStart);
        r.put("window_end", windowStart + size);
        r.put("final", isFinal);
        return r;
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0.0 : (double) a / b;
    }
}
