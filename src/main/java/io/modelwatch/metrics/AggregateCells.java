package io.modelwatch.metrics;

/**
 * A sink of aggregate deltas. A window aggregate is the sum of small independent cells; the
 * state store writes each cell under its own key (so a record touches a few small values) and
 * {@link WindowAggregate} sums them in memory. Both receive the same decomposition
 * ({@link Outcomes#decompose}), so they cannot disagree.
 */
interface AggregateCells {

    /** Counters and loss sums of the window; every argument is a delta. */
    void header(long predictions, long labeled, double logLossSum, long logLossCount,
                double brierSum, long brierCount, long labelDelaySumMs);

    /** The classes a prediction's score row names (the model's classes), each counted per prediction. */
    void classesNamed(String[] classes, long count);

    /** One confusion-matrix cell: true label {@code y}, predicted {@code predicted}. */
    void confusion(String y, String predicted, long count);

    /** One labelled pair's score for class {@code scoreClass}, filed under its true label {@code y}. */
    void score(String y, String scoreClass, double score, long count);
}
