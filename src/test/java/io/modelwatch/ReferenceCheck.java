package io.modelwatch;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The comparison {@code shared/golden/check.py} makes, in Java, so the conformance test stands
 * alone: every expected window present, counts and confusion cells exact, ratios within 1e-9,
 * losses within 1e-6, ranking metrics within the given tolerance, and no extra window of a kind
 * the reference has.
 */
public final class ReferenceCheck {

    private static final Set<String> RANKING = Set.of("roc_auc", "average_precision", "roc_auc_ovr",
            "roc_auc_ovr_weighted", "roc_auc_ovo");
    private static final Set<String> LOSSES = Set.of("log_loss", "brier_score");

    public final List<String> problems = new ArrayList<>();
    public final Map<String, Double> worst = new TreeMap<>();
    public int matched;

    public static ReferenceCheck compare(List<JsonNode> expected, List<JsonNode> actual, double rankingTolerance) {
        ReferenceCheck c = new ReferenceCheck();
        Map<String, JsonNode> exp = index(expected);
        Map<String, JsonNode> act = index(actual);
        Set<String> kinds = new java.util.HashSet<>();
        exp.keySet().forEach(k -> kinds.add(kind(k)));
        for (var e : exp.entrySet()) {
            JsonNode a = act.get(e.getKey());
            if (a == null) {
                c.problems.add(e.getKey() + ": window missing");
                continue;
            }
            c.matched++;
            c.compareRecord(e.getKey(), e.getValue(), a, rankingTolerance);
        }
        for (String k : act.keySet()) {
            if (!exp.containsKey(k) && kinds.contains(kind(k))) {
                c.problems.add(k + ": window not in the reference");
            }
        }
        return c;
    }

    private void compareRecord(String where, JsonNode e, JsonNode a, double rankingTolerance) {
        for (String f : List.of("predictions", "labeled")) {
            if (e.get(f).asLong() != a.path(f).asLong(-1)) {
                problems.add(where + " " + f + ": got " + a.get(f) + ", expected " + e.get(f));
            }
        }
        if (!cells(e.get("confusion_matrix")).equals(cells(a.get("confusion_matrix")))) {
            problems.add(where + " confusion_matrix: got " + a.get("confusion_matrix") + ", expected "
                    + e.get("confusion_matrix"));
        }
        Iterator<Map.Entry<String, JsonNode>> metrics = e.get("metrics").fields();
        while (metrics.hasNext()) {
            var m = metrics.next();
            double tol = RANKING.contains(m.getKey()) ? rankingTolerance : LOSSES.contains(m.getKey()) ? 1e-6 : 1e-9;
            close(where, m.getKey(), m.getValue(), a.path("metrics").get(m.getKey()), tol);
        }
        Iterator<Map.Entry<String, JsonNode>> classes = e.get("per_class").fields();
        while (classes.hasNext()) {
            var cl = classes.next();
            Iterator<Map.Entry<String, JsonNode>> stats = cl.getValue().fields();
            while (stats.hasNext()) {
                var s = stats.next();
                close(where + " class " + cl.getKey(), "per_class." + s.getKey(), s.getValue(),
                        a.path("per_class").path(cl.getKey()).get(s.getKey()), 1e-9);
            }
        }
    }

    private void close(String where, String name, JsonNode want, JsonNode got, double tol) {
        boolean wantNull = want == null || want.isNull();
        boolean gotNull = got == null || got.isNull();
        if (wantNull || gotNull) {
            if (wantNull != gotNull) {
                problems.add(where + " " + name + ": got " + got + ", expected " + want);
            }
            return;
        }
        double err = Math.abs(got.asDouble() - want.asDouble());
        worst.merge(name, err, Math::max);
        if (err > tol) {
            problems.add(where + " " + name + ": got " + got + ", expected " + want + " (off by " + err + ")");
        }
    }

    private static Map<List<String>, Long> cells(JsonNode cm) {
        Map<List<String>, Long> out = new HashMap<>();
        if (cm == null) {
            return out;
        }
        JsonNode labels = cm.get("labels");
        JsonNode matrix = cm.get("matrix");
        for (int i = 0; i < matrix.size(); i++) {
            for (int j = 0; j < matrix.get(i).size(); j++) {
                long v = matrix.get(i).get(j).asLong();
                if (v != 0) {
                    out.put(List.of(labels.get(i).asText(), labels.get(j).asText()), v);
                }
            }
        }
        return out;
    }

    /** Later records with the same key win, as in check.py. */
    private static Map<String, JsonNode> index(List<JsonNode> records) {
        Map<String, JsonNode> out = new TreeMap<>();
        for (JsonNode r : records) {
            out.put(key(r), r);
        }
        return out;
    }

    private static String key(JsonNode r) {
        StringBuilder slice = new StringBuilder();
        JsonNode s = r.get("slice");
        if (s != null && s.isObject()) {
            new TreeMap<String, String>() {
                {
                    s.fields().forEachRemaining(f -> put(f.getKey(), f.getValue().asText()));
                }
            }.forEach((k, v) -> slice.append(slice.length() > 0 ? "," : "").append(k).append('=').append(v));
        }
        int rolling = r.has("rolling") ? Math.max(1, r.get("rolling").asInt()) : 1;
        return r.get("model_id").asText() + "/" + r.path("model_version").asText("") + "@"
                + r.get("window_start").asLong() + "[" + slice + "]" + " rolling " + rolling;
    }

    private static String kind(String key) {
        boolean slice = !key.contains("[]");
        return slice + key.substring(key.indexOf(" rolling"));
    }

    public boolean ok() {
        return problems.isEmpty();
    }

    @Override
    public String toString() {
        return matched + " windows matched, " + problems.size() + " problems"
                + (problems.isEmpty() ? "" : ": " + problems.subList(0, Math.min(20, problems.size())))
                + "; largest error per figure: " + worst;
    }
}
