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
     * scikit-learn's step-wise average precision: over distinct thresholds t, descending,
     * Σ (R_t − R_prev)·P_t where P_t and R_t count the pairs scoring ≥ t. {@code null} without a
     * positive.
     */
    static Double averagePrecision(ScoreCounts pos, ScoreCounts neg) {
        if (pos.isEmpty()) {
            return null;
        }
        int i = pos.size - 1;
        int j = neg.size - 1;
        long tp = 0;
        long fp = 0;
        double recallPrev = 0;
        double ap = 0;
        while (i >= 0) { // below the lowest positive, recall no longer moves
            double t = j >= 0 && neg.scores[j] > pos.scores[i] ? neg.scores[j] : pos.scores[i];
            if (pos.scores[i] == t) {
                tp += pos.counts[i--];
            }
            if (j >= 0 && neg.scores[j] == t) {
                fp += neg.counts[j--];
            }
            double recall = (double) tp / pos.total;
            ap += (recall - recallPrev) * ((double) tp / (tp + fp));
            recallPrev = recall;
        }
        return ap;
    }
}
