package io.modelwatch.metrics;

import java.util.LinkedHashMap;
import java.util.List;

/**
 * The figures of one window. {@code labels} orders both axes of {@code matrix} (rows true,
 * columns predicted); {@code metrics} keeps scikit-learn's key order and holds {@code null} for an
 * undefined figure.
 */
public record MetricsResult(boolean binary, List<String> labels, long[][] matrix,
                            LinkedHashMap<String, ClassFigures> perClass, LinkedHashMap<String, Double> metrics) {
}
