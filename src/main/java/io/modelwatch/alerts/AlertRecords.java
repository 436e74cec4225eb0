package io.modelwatch.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** The alert record and its key, as JSON (README, "Alert record"). */
final class AlertRecords {

    private static final ObjectMapper JSON = new ObjectMapper();

    private AlertRecords() {
    }

    /** {@code {"rule", "model_id", "model_version", "slice"}}; slice is null for the whole model. */
    static String key(String rule, MetricsView v) {
        ObjectNode o = JSON.createObjectNode();
        o.put("rule", rule);
        o.put("model_id", v.modelId);
        o.put("model_version", v.modelVersion);
        if (v.slice == null) {
            o.putNull("slice");
        } else {
            o.set("slice", v.slice);
        }
        return o.toString();
    }

    /** An alert key's fields; {@code sliceDimension} is the slice's tag, null for the whole model. */
    record Key(String rule, String modelId, String modelVersion, String sliceDimension) {
    }

    /** The fields of an alert key ({@link #key}); an unreadable key reads as empty strings, the whole model. */
    static Key parseKey(String key) {
        try {
            JsonNode k = JSON.readTree(key);
            JsonNode slice = k.path("slice");
            String dimension = slice.isObject() && slice.size() > 0 ? slice.fieldNames().next() : null;
            return new Key(k.path("rule").asText(), k.path("model_id").asText(), k.path("model_version").asText(),
                    dimension);
        } catch (java.io.IOException e) {
            return new Key("", "", "", null);
        }
    }

    /**
     * The RESOLVED record of an episode whose rule was deleted or disabled while it fired: the key's fields,
     * the episode's id, {@code "reason": "rule_withdrawn"}, the episode's severity ("" when not known: none is
     * written), and no judgement (no metric, value or window).
     */
    static String withdrawn(String key, String alertId, String severity, long timestamp) {
        return resolvedWithoutJudgement(key, alertId, "rule_withdrawn", severity, timestamp);
    }

    /**
     * The RESOLVED record of an episode whose key sent no final record for the rule's
     * {@code resolve_when_silent} windows: as {@link #withdrawn}, with {@code "reason": "no_data"}.
     */
    static String noData(String key, String alertId, String severity, long timestamp) {
        return resolvedWithoutJudgement(key, alertId, "no_data", severity, timestamp);
    }

    /**
     * The RESOLVED record of an episode whose rule's metric or condition was edited while it fired (the new
     * question starts its own streak): as {@link #withdrawn}, with {@code "reason": "rule_changed"}.
     */
    static String ruleChanged(String key, String alertId, String severity, long timestamp) {
        return resolvedWithoutJudgement(key, alertId, "rule_changed", severity, timestamp);
    }

    /**
     * The RESOLVED record of an episode of a slice whose tag was removed from the service's {@code slices} (it gets
     * no record any more): as {@link #withdrawn}, with {@code "reason": "slice_withdrawn"}.
     */
    static String sliceWithdrawn(String key, String alertId, String severity, long timestamp) {
        return resolvedWithoutJudgement(key, alertId, "slice_withdrawn", severity, timestamp);
    }

    private static String resolvedWithoutJudgement(String key, String alertId, String reason, String severity,
                                                   long timestamp) {
        ObjectNode o = JSON.createObjectNode();
        o.put("alert_id", alertId);
        try {
            JsonNode k = JSON.readTree(key);
            o.set("rule", k.path("rule"));
            o.set("model_id", k.path("model_id"));
            o.set("model_version", k.path("model_version"));
            o.set("slice", k.path("slice"));
        } catch (java.io.IOException e) {
            o.put("rule", "");
        }
        o.put("state", "RESOLVED");
        o.put("reason", reason);
        if (!severity.isEmpty()) {
            o.put("severity", severity);
        }
        o.put("timestamp", timestamp);
        return o.toString();
    }

    /** Deterministic: the same episode of the same key has the same id in every run and replay. */
    static String alertId(String key, long episode) {
        return UUID.nameUUIDFromBytes((key + "#" + episode).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** A judged FIRING or RESOLVED record; {@code severity} is the episode's ({@link AlertState#severity}). */
    static String value(String alertId, AlertRule rule, MetricsView v, Evaluation.Judgement j, String state,
                        String severity, long timestamp) {
        ObjectNode o = JSON.createObjectNode();
        o.put("alert_id", alertId);
        o.put("rule", rule.name());
        o.put("model_id", v.modelId);
        o.put("model_version", v.modelVersion);
        if (v.slice == null) {
            o.putNull("slice");
        } else {
            o.set("slice", v.slice);
        }
        o.put("metric", rule.metric());
        o.put("value", j.value());
        o.put("threshold", j.threshold());
        o.put("condition", rule.condition().field); // which side of the threshold is the breach
        if (j.interval() != null) {
            ArrayNode interval = o.putArray("interval");
            interval.add(j.interval()[0]);
            interval.add(j.interval()[1]);
        }
        o.put("labeled", v.labeled);
        if (rule.rolling() > 1) { // the value is of K windows merged, which no single window's chart shows
            o.put("rolling", rule.rolling());
        }
        o.put("window_start", v.windowStart);
        o.put("window_end", v.windowEnd);
        o.put("state", state);
        o.put("severity", severity);
        o.put("timestamp", timestamp);
        return o.toString();
    }
}
