package io.modelwatch.metrics;

import java.util.Arrays;

/**
 * An exact multiset of scores: each distinct double with its (signed) count, held in primitive
 * arrays. A sorted run of distinct scores with non-zero counts is the settled state; single adds
 * (the pre-aggregation adds one score per labelled pair) are appended to a log first and sorted into
 * the run in batches, so an add is an append and a batch costs one sort of the log and one linear
 * merge, amortised O(log n) per add, without boxing or hashing. A large run (decoding a partial into a
 * fresh aggregate, rolling windows) is one linear merge of two sorted runs; a small one (a delta into a
 * window) goes the way of single adds. Scores are ordered and told apart like {@link Double#compare}
 * (so -0.0 and 0.0 are distinct cells here, as in a {@code TreeMap<Double, Long>}).
 */
final class ScoreHistogram {

    private static final double[] NO_SCORES = new double[0];
    private static final long[] NO_COUNTS = new long[0];
    private static final int MIN_PENDING = 256;
    /** A log this small is dropped when settled, to be grown again at the next add. */
    private static final int SMALL_LOG = 64;

    /** The settled run: ascending distinct scores, non-zero counts, {@code size} of them. */
    private double[] scores = NO_SCORES;
    private long[] counts = NO_COUNTS;
    private int size;

    /** Unsettled adds in arrival order: each score as a {@link #sortKey}, with its count. */
    private long[] logKeys = NO_COUNTS;
    private long[] logCounts = NO_COUNTS;
    private int logged;
    /** Some logged count differs from the first (the common log, all +1 or all -1, sorts its keys alone). */
    private boolean mixedCounts;
    private long rebuilds;

    /** Adds {@code count} (negative retracts) to one score. */
    void add(double score, long count) {
        if (count == 0) {
            return;
        }
        if (logged == logKeys.length) {
            growLog();
        }
        if (logged > 0 && count != logCounts[0]) {
            mixedCounts = true;
        }
        logKeys[logged] = sortKey(score);
        logCounts[logged++] = count;
        // settle once the adds are a fair share of the run, so its linear merge is amortised over them
        if (logged >= settleThreshold()) {
            settle();
        }
    }

    /**
     * Adds an ascending run of distinct scores with their counts (as {@link AggregateCodec} writes it). A run
     * small against the settled one (a join partition's delta merged into a window's histogram, many times
     * per update interval) goes through the log like single adds: a linear merge would rebuild the whole
     * window's run for a few new scores. A large run is merged linearly.
     */
    void addRun(double[] runScores, long[] runCounts, int n, long sign) {
        if (n < settleThreshold()) {
            for (int k = 0; k < n; k++) {
                add(runScores[k], sign * runCounts[k]);
            }
            return;
        }
        settle();
        mergeRun(runScores, runCounts, n, sign);
    }

    /** Logged adds that make a settle worth its linear merge: a fair share of the run (amortised). */
    private int settleThreshold() {
        return Math.max(MIN_PENDING, size / 4);
    }

    /** How many times the settled run was rebuilt (tests: what a stream of small runs costs). */
    long rebuilds() {
        return rebuilds;
    }

    /** Adds ({@code sign} 1) or retracts ({@code sign} -1) another histogram. */
    void merge(ScoreHistogram other, long sign) {
        other.settle();
        addRun(other.scores, other.counts, other.size, sign);
    }

    /** Number of distinct scores with a non-zero count. */
    int size() {
        settle();
        return size;
    }

    boolean isEmpty() {
        return size() == 0;
    }

    /**
     * The ascending distinct scores (first {@link #size()} entries are valid); do not modify. This class never
     * changes an array once returned (settles and merges build new ones): {@link ScoreCounts} views them.
     */
    double[] scores() {
        settle();
        return scores;
    }

    /** Their counts, aligned with {@link #scores()}; do not modify. */
    long[] counts() {
        settle();
        return counts;
    }

    ScoreHistogram copy() {
        ScoreHistogram c = new ScoreHistogram();
        c.merge(this, 1);
        return c;
    }

    /**
     * A long whose signed order is {@link Double#compare}'s order of the scores: the bits with the 63
     * below the sign flipped for negative numbers. Its own inverse. NaN is canonical, as in Double.compare.
     */
    static long sortKey(double score) {
        long bits = Double.doubleToLongBits(score);
        return bits ^ ((bits >> 63) & Long.MAX_VALUE);
    }

    private static double scoreOf(long sortKey) {
        return Double.longBitsToDouble(sortKey ^ ((sortKey >> 63) & Long.MAX_VALUE));
    }

    /** Sorts the log, sums the counts of equal scores and merges the non-zero ones into the run. */
    private void settle() {
        if (logged == 0) {
            return;
        }
        int n = logged;
        logged = 0;
        if (mixedCounts) {
            LogSort.sort(logKeys, logCounts, n);
            mixedCounts = false;
        } else {
            Arrays.sort(logKeys, 0, n); // every count is logCounts[0]
        }
        double[] addScores = new double[n];
        long[] addCounts = new long[n];
        int m = 0;
        for (int i = 0; i < n; ) {
            long key = logKeys[i];
            long sum = 0;
            do {
                sum += logCounts[i++];
            } while (i < n && logKeys[i] == key);
            if (sum != 0) {
                addScores[m] = scoreOf(key);
                addCounts[m++] = sum;
            }
        }
        // once grown for a burst, do not keep it for good; nor a small one, which each of the up to C² histograms
        // of a window of a C-class model would keep (a settle of a busy histogram finds a full, larger log)
        if (logKeys.length > 4 * settleThreshold() || logKeys.length <= SMALL_LOG) {
            logKeys = NO_COUNTS;
            logCounts = NO_COUNTS;
        }
        if (size == 0 && m > 0) { // a fresh histogram (a delta): the new arrays are the run
            rebuilds++;
            scores = addScores;
            counts = addCounts;
            size = m;
            return;
        }
        mergeRun(addScores, addCounts, m, 1);
    }

    private void growLog() {
        // from 2: most histograms of a window of many classes hold a few scores (two logs of 16 longs each in
        // every histogram made 377 MB of a window of a 1,000-class model)
        int capacity = Math.max(2, logKeys.length * 2);
        logKeys = Arrays.copyOf(logKeys, capacity);
        logCounts = Arrays.copyOf(logCounts, capacity);
    }

    /** Linear merge of an ascending run into the settled run; cells summing to zero disappear. */
    private void mergeRun(double[] runScores, long[] runCounts, int n, long sign) {
        if (n == 0) {
            return;
        }
        rebuilds++;
        if (size == 0 && sign == 1) {
            scores = Arrays.copyOf(runScores, n);
            counts = Arrays.copyOf(runCounts, n);
            size = n;
            dropZeros();
            return;
        }
        double[] outScores = new double[size + n];
        long[] outCounts = new long[size + n];
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < size || j < n) {
            int c = i == size ? 1 : j == n ? -1 : Double.compare(scores[i], runScores[j]);
            double s;
            long v;
            if (c < 0) {
                s = scores[i];
                v = counts[i++];
            } else if (c > 0) {
                s = runScores[j];
                v = sign * runCounts[j++];
            } else {
                s = scores[i];
                v = counts[i++] + sign * runCounts[j++];
            }
            if (v != 0) {
                outScores[k] = s;
                outCounts[k++] = v;
            }
        }
        scores = outScores;
        counts = outCounts;
        size = k;
    }

    private void dropZeros() {
        int k = 0;
        for (int i = 0; i < size; i++) {
            if (counts[i] != 0) {
                scores[k] = scores[i];
                counts[k++] = counts[i];
            }
        }
        size = k;
    }

    /** Same distinct scores (bit for bit) with the same counts. */
    boolean sameAs(ScoreHistogram o) {
        int n = size();
        if (n != o.size()) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (Double.compare(scores[i], o.scores[i]) != 0 || counts[i] != o.counts[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        int n = size();
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ", ").append(scores[i]).append('=').append(counts[i]);
        }
        return b.append('}').toString();
    }
}
