package io.modelwatch.metrics;

/**
 * Ranking figures over exact score histograms. Every figure is a linear merge walk over sorted
 * histograms; nothing is expanded per pair. The walks compare scores with {@code <} and {@code ==}:
 * {@link ScoreCounts} holds no NaN and no -0.0, where these agree with Double.compare, and the
 * primitive comparisons are what the walks' inner loops cost.
 */
final class Ranking {

    private Ranking() {
    }

    /**
     * ROC AUC as the Mann-Whitney statistic of the positives' scores against the negatives', ties
     * counting one half; {@code null} when either side is empty.
     */
    static Double auc(ScoreCounts positives, ScoreCounts negatives) {
        return auc(twiceU(positives, negatives), positives.total, negatives.total);
    }

    /** ROC AUC from twice the Mann-Whitney U and the two sides' sizes; {@code null} when either is empty. */
    static Double auc(long twiceU, long nPos, long nNeg) {
        if (nPos == 0 || nNeg == 0) {
            return null;
        }
        // both operands are integers below 2^53, so this is the correctly rounded exact ratio
        return twiceU / (2.0 * nPos * nNeg);
    }

    /**
     * 2 × (#{pos > neg} + ½·#{pos = neg}): twice the Mann-Whitney U, kept as an integer so that
     * ties cost no rounding.
     */
    static long twiceU(ScoreCounts pos, ScoreCounts neg) {
        int j = 0;
        long below = 0;
        long twice = 0;
        for (int i = 0; i < pos.size; i++) {
            double s = pos.scores[i];
            while (j < neg.size && neg.scores[j] < s) {
                below += neg.counts[j++];
            }
            long equal = j < neg.size && neg.scores[j] == s ? neg.counts[j++] : 0;
            twice += pos.counts[i] * (2 * below + equal);
            below += equal; // the next positive score is higher, so these are below it
        }
        return twice;
    }

    /**
     * One side of positives ranked against many sides of negatives (a class's column in one-vs-rest and one-vs-one
     * AUC): {@link #twiceU(ScoreCounts)} gives {@link Ranking#twiceU(ScoreCounts, ScoreCounts)}'s integer, by a
     * search per negative score when the negatives are few. A merge walk costs |pos| + |neg|; most classes'
     * negatives in a window of many classes are a score or two (unlisted: 0), and the walk over all positives
     * per class pair made ranking quadratic in the classes times the pairs.
     */
    static final class Positives {
        private final ScoreCounts pos;
        private final int searchSteps;
        /** below[i]: the positives scoring under pos.scores[i]; built at the first search. */
        private long[] below;

        Positives(ScoreCounts pos) {
            this.pos = pos;
            this.searchSteps = 33 - Integer.numberOfLeadingZeros(pos.size);
        }

        /** {@link #twiceU(ScoreCounts)} of one negative pair scoring 0.0 (a class its row does not list). */
        long twiceUPerNegativeAtZero() {
            long under = 0;
            long equal = 0;
            for (int i = 0; i < pos.size && pos.scores[i] <= 0.0; i++) {
                if (pos.scores[i] == 0.0) {
                    equal += pos.counts[i];
                } else {
                    under += pos.counts[i];
                }
            }
            return 2 * (pos.total - under - equal) + equal;
        }

        long twiceU(ScoreCounts neg) {
            if ((long) neg.size * searchSteps >= (long) pos.size + neg.size) {
                return Ranking.twiceU(pos, neg);
            }
            if (below == null) {
                below = new long[pos.size];
                for (int i = 1; i < pos.size; i++) {
                    below[i] = below[i - 1] + pos.counts[i - 1];
                }
            }
            long twice = 0;
            for (int j = 0; j < neg.size; j++) {
                // the first positive score at or above this negative one
                int i = java.util.Arrays.binarySearch(pos.scores, 0, pos.size, neg.scores[j]);
                long equal = 0;
                if (i >= 0) {
                    equal = pos.counts[i];
                } else {
                    i = -i - 1;
                }
                long under = i < pos.size ? below[i] : pos.total;
                long above = pos.total - under - equal;
                twice += neg.counts[j] * (2 * above + equal);
            }
            return twice;
        }
    }

    /**
     * scikit-learn's step-wise average precision: over distinct thresholds t, Σ (R_t − R_next)·P_t where P_t and
     * R_t count the pairs scoring ≥ t and R_next is the recall at the next higher threshold (0 above the top).
     * Summed as scikit-learn 1.9 sums it, to the last bit: one term per distinct score of either side, those below
     * the lowest positive 0, ascending, in numpy's pairwise order ({@link PairwiseSum}), floored at 0.
     * {@code null} without a positive.
     */
    static Double averagePrecision(ScoreCounts pos, ScoreCounts neg) {
        if (pos.isEmpty()) {
            return null;
        }
        int below = 0; // negative scores under the lowest positive one: their terms are 0
        while (below < neg.size && neg.scores[below] < pos.scores[0]) {
            below++;
        }
        // filled from the top threshold down; the thresholds number at most pos.size + neg.size − below, so at
        // least `below` slots stay 0 at the front, the zero terms
        double[] terms = new double[pos.size + neg.size];
        int at = terms.length;
        int i = pos.size - 1;
        int j = neg.size - 1;
        long tp = 0;
        long fp = 0;
        double recallPrev = 0;
        while (i >= 0) { // below the lowest positive, recall no longer moves
            double t = j >= 0 && neg.scores[j] > pos.scores[i] ? neg.scores[j] : pos.scores[i];
            if (pos.scores[i] == t) {
                tp += pos.counts[i--];
            }
            if (j >= 0 && neg.scores[j] == t) {
                fp += neg.counts[j--];
            }
            double recall = (double) tp / pos.total;
            terms[--at] = (recall - recallPrev) * ((double) tp / (tp + fp));
            recallPrev = recall;
        }
        double[] ascending = at == below ? terms : java.util.Arrays.copyOfRange(terms, at - below, terms.length);
        return Math.max(0.0, PairwiseSum.of(ascending));
    }
}
