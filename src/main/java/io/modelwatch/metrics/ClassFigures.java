package io.modelwatch.metrics;

/** One class's figures as scikit-learn's {@code precision_recall_fscore_support} gives them. */
public record ClassFigures(double precision, double recall, double f1, long support) {
}
