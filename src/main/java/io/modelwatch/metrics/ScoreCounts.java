package io.modelwatch.metrics;

import java.util.Arrays;
import java.util.Map;
import java.util.NavigableMap;

/**
 * A score histogram flattened into ascending primitive arrays. The ranking figures walk each
 * histogram several times; one pass over the TreeMap followed by array walks is several times
 * faster than walking the tree again and again (no pointer chasing, no unboxing).
 */
final class ScoreCounts {

    static final ScoreCounts EMPTY = new ScoreCounts(new double[0], new long[0], 0, 0);

    /**
     * Distinct scores, ascending, no NaN; -0.0 is folded into 0.0 (they tie in scikit-learn). Only the first
     * {@code size} entries count; the arrays may be a histogram's own, so nothing modifies them.
     */
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

    /**
     * The histogram's own arrays when it has no -0.0 cell (the usual case: no copy per metrics update, whose
     * copies were most of its cost), else a folded copy. The histogram never changes an array it has handed
     * out (a settle or merge builds new ones), so the view stays valid while the metrics are computed.
     */
    static ScoreCounts of(ScoreHistogram histogram) {
        int n = histogram.size();
        double[] scores = histogram.scores();
        long[] counts = histogram.counts();
        if (n == 0) {
            return EMPTY;
        }
        if (Arrays.binarySearch(scores, 0, n, -0.0) >= 0) { // ordered like Double.compare, as the run is
            return fold(scores, counts, n);
        }
        long total = 0;
        for (int i = 0; i < n; i++) {
            total += counts[i];
        }
        return checked(new ScoreCounts(scores, counts, n, total));
    }

    /**
     * The ranking walks compare with {@code <} and {@code ==}, which order scores like Double.compare only
     * without NaN (the parser admits probabilities in [0, 1] only); -0.0 is folded away before this.
     * NaN sorts last, so one look at the highest score tells.
     */
    private static ScoreCounts checked(ScoreCounts c) {
        if (c.size > 0 && Double.isNaN(c.scores[c.size - 1])) {
            throw new IllegalArgumentException("a score histogram holds NaN; scores are probabilities in [0, 1]");
        }
        return c;
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
            long[] more = Arrays.copyOf(counts, size);
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
        return checked(new ScoreCounts(scores, counts, n, total));
    }

    boolean isEmpty() {
        return total == 0;
    }
}
