package io.modelwatch.metrics;

import java.util.Arrays;

/**
 * An exact multiset of scores: each distinct double with its (signed) count, held in primitive
 * arrays. A sorted run of distinct scores with non-zero counts is the settled state; single adds
 * (the pre-aggregation adds one score per labelled pair) go to a small hash table first and are
 * sorted into the run in batches, so an add costs amortised O(log n) without boxing. A large run
 * (decoding a partial into a fresh aggregate, rolling windows) is one linear merge of two sorted runs
 * instead of a tree insert per score; a small one (a delta into a window) goes the way of single adds.
 * Scores are ordered and told apart like {@link Double#compare} (so -0.0 and 0.0 are distinct cells
 * here, as in a {@code TreeMap<Double, Long>}).
 */
final class ScoreHistogram {

    private static final double[] NO_SCORES = new double[0];
    private static final long[] NO_COUNTS = new long[0];
    private static final int MIN_PENDING = 256;

    /** The settled run: ascending distinct scores, non-zero counts, {@code size} of them. */
    private double[] scores = NO_SCORES;
    private long[] counts = NO_COUNTS;
    private int size;

    /** Unsettled adds: open addressing on the score's bits (a used slot may hold a zero sum). */
    private long[] pendingBits;
    private long[] pendingCounts;
    private boolean[] used;
    private int pending;
    private long rebuilds;

    /** Adds {@code count} (negative retracts) to one score. */
    void add(double score, long count) {
        if (count == 0) {
            return;
        }
        if (pendingBits == null) {
            allocatePending(16);
        }
        long bits = Double.doubleToRawLongBits(score);
        int mask = pendingBits.length - 1;
        int i = mix(bits) & mask;
        while (used[i]) {
            if (pendingBits[i] == bits) {
                pendingCounts[i] += count;
                return;
            }
            i = (i + 1) & mask;
        }
        used[i] = true;
        pendingBits[i] = bits;
        pendingCounts[i] = count;
        pending++;
        // settle once the adds are a fair share of the run, so its linear merge is amortised over them
        if (pending >= settleThreshold()) {
            settle();
        } else if (pending * 2 >= pendingBits.length) {
            growPending();
        }
    }

    /**
     * Adds an ascending run of distinct scores with their counts (as {@link AggregateCodec} writes it). A run
     * small against the settled one (a join partition's delta merged into a window's histogram, many times
     * per update interval) goes through the pending table like single adds: a linear merge would rebuild
     * the whole window's run for a few new scores. A large run is merged linearly.
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

    /** Pending adds that make a settle worth its linear merge: a fair share of the run (amortised). */
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

    /** The ascending distinct scores (first {@link #size()} entries are valid); do not modify. */
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

    /** Sorts the pending adds into the run. */
    private void settle() {
        if (pending == 0) {
            return;
        }
        double[] addScores = new double[pending];
        int n = 0;
        for (int i = 0; i < pendingBits.length; i++) {
            if (used[i] && pendingCounts[i] != 0) {
                addScores[n++] = Double.longBitsToDouble(pendingBits[i]);
            }
        }
        Arrays.sort(addScores, 0, n); // Double.compare order, as the run
        long[] addCounts = new long[n];
        for (int k = 0; k < n; k++) {
            addCounts[k] = pendingCount(Double.doubleToRawLongBits(addScores[k]));
        }
        Arrays.fill(used, false);
        pending = 0;
        mergeRun(addScores, addCounts, n, 1);
    }

    private void allocatePending(int capacity) {
        pendingBits = new long[capacity];
        pendingCounts = new long[capacity];
        used = new boolean[capacity];
    }

    private void growPending() {
        long[] bits = pendingBits;
        long[] cnts = pendingCounts;
        boolean[] wasUsed = used;
        allocatePending(bits.length * 2);
        int mask = pendingBits.length - 1;
        for (int j = 0; j < bits.length; j++) {
            if (wasUsed[j]) {
                int i = mix(bits[j]) & mask;
                while (used[i]) {
                    i = (i + 1) & mask;
                }
                used[i] = true;
                pendingBits[i] = bits[j];
                pendingCounts[i] = cnts[j];
            }
        }
    }

    private long pendingCount(long bits) {
        int mask = pendingBits.length - 1;
        int i = mix(bits) & mask;
        while (!used[i] || pendingBits[i] != bits) {
            i = (i + 1) & mask;
        }
        return pendingCounts[i];
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

    private static int mix(long bits) {
        long h = bits * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
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
