package io.modelwatch.metrics;

import java.util.List;

/**
 * Ranking figures over exact score histograms. Every figure is a linear merge walk over sorted
 * histograms; nothing is expanded per pair.
 */
final class Ranking {

    private Ranking() {
    }

    /**
     * ROC AUC as the Mann-Whitney statistic of the positives' scores against the union of the
     * negative histograms, ties counting one half; {@code null} when either side is empty.
     */
    static Double auc(ScoreCounts positives, List<ScoreCounts> negatives) {
        long nNeg = 0;
        long twiceU = 0;
        // U is additive over a partition of the negatives, so no k-way merge is needed
        for (ScoreCounts negative : negatives) {
            nNeg += negative.total;
            twiceU += twiceU(positives, negative);
        }
        if (positives.isEmpty() || nNeg == 0) {
            return null;
        }
        // both operands are integers below 2^53, so this is the correctly rounded exact ratio
        return twiceU / (2.0 * positives.total * nNeg);
    }

    static Double auc(ScoreCounts positives, ScoreCounts negatives) {
        return auc(positives, List.of(negatives));
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
            while (j < neg.size && Double.compare(neg.scores[j], s) < 0) {
                below += neg.counts[j++];
            }
            long equal = j < neg.size && Double.compare(neg.scores[j], s) == 0 ? neg.counts[j++] : 0;
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
            double t = j >= 0 && Double.compare(neg.scores[j], pos.scores[i]) > 0 ? neg.scores[j] : pos.scores[i];
            if (Double.compare(pos.scores[i], t) == 0) {
                tp += pos.counts[i--];
            }
            if (j >= 0 && Double.compare(neg.scores[j], t) == 0) {
                fp += neg.counts[j--];
            }
            double recall = (double) tp / pos.total;
            ap += (recall - recallPrev) * ((double) tp / (tp + fp));
            recallPrev = recall;
        }
        return ap;
    }
}
