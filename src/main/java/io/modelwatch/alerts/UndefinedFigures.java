package io.modelwatch.alerts;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Which figures of a metrics record are a zero over zero: carried as 0, as scikit-learn reports them
 * ({@code zero_division=0}), and not judged by the rules. The Prometheus gauges say them NaN by the same rule, so that a
 * dashboard or a Prometheus alert reads "undefined" where the rules see nothing to judge.
 */
public final class UndefinedFigures {

    private UndefinedFigures() {
    }

    /** Whether {@code metric} of {@code record} is a zero over zero (see {@code MetricsView#zeroOverZero}). */
    public static boolean zeroOverZero(JsonNode record, String metric) {
        return switch (metric) {
            case "precision", "recall", "f1", "label_coverage" -> MetricsView.of(record).zeroOverZero(metric);
            default -> false;
        };
    }
}
