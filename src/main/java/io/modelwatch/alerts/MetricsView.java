package io.modelwatch.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * The fields of one metrics record (window.MetricsRecords) that rules look at, read once per
 * record: identity, window, rolling span, finality, counts, the figures and the confusion matrix.
 */
final class MetricsView {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String POSITIVE = "1";
    private static final String NEGATIVE = "0";

    final String modelId;
    final String modelVersion;
    /** The slice object ({@code {"cloud": "aws"}}), or null for the whole model. */
    final JsonNode slice;

    /** The tag of the slice ({@code cloud}), or null for the whole model. */
    String sliceDimension() {
        return slice != null && slice.isObject() && slice.size() > 0 ? slice.fieldNames().next() : null;
    }
    final long windowStart;
    final long windowEnd;
    /** 1 for a single window, K for a rolling record. */
    final int rolling;
    final boolean isFinal;
    final long labeled;
    final long predictions;
    private final JsonNode metrics;
    private final JsonNode confusion;

    private MetricsView(JsonNode r) {
        modelId = r.path("model_id").asText();
        modelVersion = r.path("model_version").asText();
        JsonNode s = r.get("slice");
        slice = s == null || s.isNull() ? null : s;
        windowStart = r.path("window_start").asLong();
        windowEnd = r.path("window_end").asLong();
        rolling = r.has("rolling") ? r.get("rolling").asInt() : 1;
        isFinal = r.path("final").asBoolean(false);
        labeled = r.path("labeled").asLong();
        predictions = r.path("predictions").asLong();
        metrics = r.path("metrics");
        confusion = r.path("confusion_matrix");
    }

    /** Null when the text is not a metrics record (it then is not judged). */
    static MetricsView parse(String json) {
        if (json == null) {
            return null;
        }
        try {
            JsonNode r = JSON.readTree(json);
            if (r == null || !r.isObject() || !r.has("model_id") || !r.has("window_start")) {
                return null;
            }
            return new MetricsView(r);
        } catch (IOException e) {
            return null;
        }
    }

    static MetricsView of(JsonNode record) {
        return new MetricsView(record);
    }

    /**
     * The start of the newest single window the record covers: its own start for a single window, the last
     * of the K for a rolling record. Where an alert stands in window order, whatever the rule's span: a rule
     * changed from single windows to rolling (or back) keeps its place.
     */
    long newestWindowStart() {
        return rolling <= 1 ? windowStart : windowEnd - (windowEnd - windowStart) / rolling;
    }

    /** The figure, or null when the record does not define it (undefined or another kind of model). */
    Double value(String metric) {
        JsonNode v = metrics.get(metric);
        return v == null || !v.isNumber() ? null : v.asDouble();
    }

    /**
     * Whether the figure is a zero over zero, which scikit-learn reports as 0 ({@code zero_division=0}) and the
     * record carries so: precision without a positive prediction, recall without a positive label, F1 without
     * either, label coverage without a prediction. A rule does not judge it: a window without fraud is not a
     * fraud model's recall of 0.
     */
    boolean zeroOverZero(String metric) {
        return switch (metric) {
            case "precision", "recall", "f1" -> {
                if (confusion.path("labels").isEmpty()) {
                    // no matrix to tell by (no labelled pair, or a record without one): judged on its figure
                    yield false;
                }
                long[] c = positiveCounts();
                yield c == null || switch (metric) { // no class 1 in the matrix: none predicted, none true
                    case "precision" -> c[0] + c[1] == 0;
                    case "recall" -> c[0] + c[2] == 0;
                    default -> c[0] + c[1] + c[2] == 0;
                };
            }
            case "label_coverage" -> predictions == 0;
            default -> false;
        };
    }

    /** TP, FP and FN of class {@code 1}, or null when the confusion matrix has no such class. */
    private long[] positiveCounts() {
        JsonNode labels = confusion.path("labels");
        JsonNode matrix = confusion.path("matrix");
        int pos = indexOf(labels, POSITIVE);
        if (pos < 0) {
            return null;
        }
        long fp = 0;
        long fn = 0;
        for (int i = 0; i < labels.size(); i++) {
            if (i != pos) {
                fp += cell(matrix, i, pos);
                fn += cell(matrix, pos, i);
            }
        }
        return new long[] {cell(matrix, pos, pos), fp, fn};
    }

    /**
     * The interval of the figure at this confidence (see {@link Intervals}), or null when the
     * record lacks the counts it needs (then the window is not judged).
     */
    double[] interval(String metric, double value, double confidence) {
        JsonNode labels = confusion.path("labels");
        JsonNode matrix = confusion.path("matrix");
        int k = labels.size();
        int pos = indexOf(labels, POSITIVE);
        switch (metric) {
            case "accuracy", "precision_micro", "recall_micro", "f1_micro" -> {
                if (!confusion.has("matrix")) {
                    // a record of too many classes for its matrix: the labelled pairs are its cells' sum, and
                    // accuracy × labelled rounds to the correct count exactly (accuracy is correct / labelled
                    // within half an ulp, so the product is within 2^-52 of it relative, under 0.5 below 2^51)
                    return labeled == 0 ? null : Intervals.wilson(Math.round(value * labeled), labeled, confidence);
                }
                long correct = 0;
                long total = 0;
                for (int i = 0; i < k; i++) {
                    correct += cell(matrix, i, i);
                    for (int j = 0; j < k; j++) {
                        total += cell(matrix, i, j);
                    }
                }
                return Intervals.wilson(correct, total, confidence);
            }
            case "precision", "recall", "f1" -> {
                long[] c = positiveCounts();
                if (c == null) {
                    return null;
                }
                long tp = c[0];
                return switch (metric) {
                    case "precision" -> Intervals.wilson(tp, tp + c[1], confidence);
                    case "recall" -> Intervals.wilson(tp, tp + c[2], confidence);
                    default -> Intervals.wilson(2 * tp, 2 * tp + c[1] + c[2], confidence);
                };
            }
            case "roc_auc" -> {
                int neg = indexOf(labels, NEGATIVE);
                if (pos < 0 || neg < 0) {
                    return null;
                }
                return Intervals.hanleyMcNeil(value, rowSum(matrix, pos, k), rowSum(matrix, neg, k), confidence);
            }
            case "label_coverage" -> {
                return Intervals.wilson(labeled, predictions, confidence);
            }
            default -> {
                return null; // rejected at start-up; a rule never gets here
            }
        }
    }

    private static int indexOf(JsonNode labels, String label) {
        for (int i = 0; i < labels.size(); i++) {
            if (label.equals(labels.get(i).asText())) {
                return i;
            }
        }
        return -1;
    }

    private static long cell(JsonNode matrix, int row, int col) {
        return matrix.path(row).path(col).asLong();
    }

    private static long rowSum(JsonNode matrix, int row, int k) {
        long s = 0;
        for (int j = 0; j < k; j++) {
            s += cell(matrix, row, j);
        }
        return s;
    }
}
