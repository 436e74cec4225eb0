package io.modelwatch.metrics;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;

/**
 * The figures of one window. {@code labels} orders both axes of {@code matrix} (rows true,
 * columns predicted), null beyond {@link MetricsCalculator#MAX_MATRIX_CLASSES} classes; {@code metrics} keeps
 * scikit-learn's key order and holds {@code null} for an undefined figure.
 */
public record MetricsResult(boolean binary, List<String> labels, long[][] matrix,
                            LinkedHashMap<String, ClassFigures> perClass, LinkedHashMap<String, Double> metrics) {

    // a record compares arrays by reference; compare the matrix by content instead
    @Override
    public boolean equals(Object o) {
        return o instanceof MetricsResult r && binary == r.binary && labels.equals(r.labels)
                && Arrays.deepEquals(matrix, r.matrix) && perClass.equals(r.perClass) && metrics.equals(r.metrics);
    }

    @Override
    public int hashCode() {
        return Objects.hash(binary, labels, Arrays.deepHashCode(matrix), perClass, metrics);
    }

    @Override
    public String toString() {
        return "MetricsResult{binary=" + binary + ", labels=" + labels + ", matrix=" + Arrays.deepToString(matrix)
                + ", perClass=" + perClass + ", metrics=" + metrics + '}';
    }
}
