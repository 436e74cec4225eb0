package io.modelwatch.metrics;

import java.util.Map;
import java.util.NavigableMap;

/**
 * A score histogram flattened into ascending primitive arrays. The ranking figures walk each
 * histogram several times; one pass over the TreeMap followed by array walks is several times
 * faster than walking the tree again and again (no pointer chasing, no unboxing).
 */
final class ScoreCounts {

    static final ScoreCounts EMPTY = new ScoreCounts(new double[0], new long[0], 0, 0);

    /** Distinct scores, ascending; -0.0 is folded into 0.0 (they tie in scikit-learn). */
    final double[] scores;
    final long[] counts;
    final int size;
    /** Number of pairs: the sum of the counts. */
    final long total;

    private ScoreCounts(double[] scores, long[] counts, int size, long total) {
        this.scores = scores;
        this.counts = counts;
        this.size = size;
        this.total = total;
    }

    static ScoreCounts of(NavigableMap<Double, Long> histogram) {
        double[] scores = new double[histogram.size()];
        long[] counts = new long[histogram.size()];
        int n = 0;
        for (Map.Entry<Double, Long> e : histogram.entrySet()) {
            scores[n] = e.getKey();
            counts[n++] = e.getValue();
        }
        return fold(scores, counts, n);
    }

    static ScoreCounts of(ScoreHistogram histogram) {
        return fold(histogram.scores(), histogram.counts(), histogram.size());
    }

    /**
     * These counts with {@code zeros} more pairs at score 0.0 (pairs that list no score for the class: a
     * probability of 0, as log loss reads it).
     */
    ScoreCounts withZeros(long zeros) {
        if (zeros <= 0) {
            return this;
        }
        int at = 0;
        while (at < size && scores[at] < 0.0) {
            at++;
        }
        if (at < size && scores[at] == 0.0) {
            long[] more = java.util.Arrays.copyOf(counts, size);
            more[at] += zeros;
            return new ScoreCounts(scores, more, size, total + zeros);
        }
        double[] s = new double[size + 1];
        long[] c = new long[size + 1];
        System.arraycopy(scores, 0, s, 0, at);
        System.arraycopy(counts, 0, c, 0, at);
        s[at] = 0.0;
        c[at] = zeros;
        System.arraycopy(scores, at, s, at + 1, size - at);
        System.arraycopy(counts, at, c, at + 1, size - at);
        return new ScoreCounts(s, c, size + 1, total + zeros);
    }

    /** From an ascending run (not modified): folds -0.0 into 0.0 (adjacent in the run) and sums the counts. */
    private static ScoreCounts fold(double[] from, long[] fromCounts, int size) {
        if (size == 0) {
            return EMPTY;
        }
        double[] scores = new double[size];
        long[] counts = new long[size];
        int n = 0;
        long total = 0;
        for (int i = 0; i < size; i++) {
            double score = from[i] + 0.0; // -0.0 + 0.0 == +0.0
            long count = fromCounts[i];
            total += count;
            if (n > 0 && Double.compare(scores[n - 1], score) == 0) {
                counts[n - 1] += count;
            } else {
                scores[n] = score;
                counts[n++] = count;
            }
        }
        return new ScoreCounts(scores, counts, n, total);
    }

    boolean isEmpty() {
        return total == 0;
    }
}
