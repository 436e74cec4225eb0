package io.modelwatch.serving;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.alerts.UndefinedFigures;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Map;

/** Reads the fields of the contract's metrics and alert records, tolerant of their optional forms. */
final class Records {

    private Records() {
    }

    static String modelId(JsonNode record) {
        return text(record.get("model_id"));
    }

    /** The model version; the contract's default is "". */
    static String version(JsonNode record) {
        return text(record.get("model_version"));
    }

    /**
     * The slice as the API and the gauges name it: "" for the whole model, "dim=value" for a slice
     * ({@code "slice": {"cloud": "aws"}} in a record; a record may also carry it already as a string).
     */
    static String slice(JsonNode record) {
        JsonNode s = record.get("slice");
        if (s == null || s.isNull()) {
            return "";
        }
        if (s.isTextual()) {
            return s.asText();
        }
        if (s.isObject()) {
            StringBuilder b = new StringBuilder();
            Iterator<Map.Entry<String, JsonNode>> it = s.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (b.length() > 0) {
                    b.append(',');
                }
                b.append(e.getKey()).append('=').append(e.getValue().asText());
            }
            return b.toString();
        }
        return s.asText();
    }

    /** A time field given as epoch milliseconds or an ISO-8601 instant; {@code Long.MIN_VALUE} when absent. */
    static long time(JsonNode record, String field) {
        JsonNode t = record.get(field);
        if (t == null || t.isNull()) {
            return Long.MIN_VALUE;
        }
        if (t.isNumber()) {
            return t.asLong();
        }
        try {
            return Instant.parse(t.asText()).toEpochMilli();
        } catch (DateTimeParseException e) {
            return Long.MIN_VALUE;
        }
    }

    static long windowStart(JsonNode record) {
        return time(record, "window_start");
    }

    static long windowEnd(JsonNode record) {
        return time(record, "window_end");
    }

    static boolean isRolling(JsonNode record) {
        JsonNode r = record.get("rolling");
        return r != null && r.isNumber() && r.asInt() > 1;
    }

    /**
     * A figure of the record: the top-level counts ({@code predictions}, {@code labeled}) or an
     * entry of {@code metrics}; NaN when absent or null.
     */
    static double figure(JsonNode record, String name) {
        if (record == null) {
            return Double.NaN;
        }
        JsonNode v = ("predictions".equals(name) || "labeled".equals(name))
                ? record.get(name)
                : record.path("metrics").get(name);
        if (v == null || !v.isNumber() || UndefinedFigures.zeroOverZero(record, name)) {
            // a zero over zero is 0 in the record, as in scikit-learn; a gauge at 0 would read as a real 0 (a
            // window of a fraud model without fraud, every prediction right, as "F1 0") where the rules see nothing
            return Double.NaN;
        }
        return v.asDouble();
    }

    /** "multiclass" when the record carries multiclass ranking figures, "binary" when binary ones. */
    static String kind(JsonNode record) {
        JsonNode m = record.path("metrics");
        if (m.has("roc_auc_ovr") || m.has("roc_auc_ovo")) {
            return "multiclass";
        }
        if (m.has("roc_auc") || m.has("f1") || m.has("brier_score")) {
            return "binary";
        }
        JsonNode labels = record.path("confusion_matrix").path("labels");
        if (labels.isArray() && labels.size() > 2) {
            return "multiclass";
        }
        if (labels.isArray() && labels.size() > 0) {
            return "binary";
        }
        return null;
    }

    static boolean firing(JsonNode alert) {
        return "FIRING".equalsIgnoreCase(text(alert.get("state")));
    }

    /** What identifies one alert's lifecycle: rule, model, version, slice. */
    static String alertKey(JsonNode alert) {
        return text(alert.get("rule")) + '\u0000' + modelId(alert) + '\u0000' + version(alert) + '\u0000'
                + slice(alert);
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? "" : n.asText();
    }
}
