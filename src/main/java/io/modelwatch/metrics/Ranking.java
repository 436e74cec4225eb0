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
     * ROC AUC as scikit-learn 1.9 computes it, to the last bit: the ROC curve over the distinct scores, descending
     * (its points where neither count bends dropped, as {@code roc_curve(drop_intermediate=True)} drops them),
     * from (0, 0), and the trapezoids under it, (Δfpr · (tpr + tpr')) / 2 each, summed in numpy's pairwise order.
     * The exact area, {@link #auc(ScoreCounts, ScoreCounts)}, may differ from it in the last bit. Both sides
     * non-empty.
     */
    static double sklearnAuc(ScoreCounts pos, ScoreCounts neg) {
        long allPos = pos.total;
        long allNeg = neg.total;
        double[] areas = scratch(pos.size + neg.size + 1);
        int n = 0;
        double fprBefore = 0; // the last kept point, from (0, 0)
        double tprBefore = 0;
        // the curve's points, one per distinct score, descending; a point is kept or dropped once the next is
        // known (its bend), the first and the last always
        long fPrev = 0;
        long tPrev = 0;
        long fCur = 0;
        long tCur = 0;
        int seen = 0;
        int i = pos.size - 1;
        int j = neg.size - 1;
        long tp = 0;
        long fp = 0;
        while (i >= 0 || j >= 0) {
            double t = j < 0 || (i >= 0 && pos.scores[i] >= neg.scores[j]) ? pos.scores[i] : neg.scores[j];
            if (i >= 0 && pos.scores[i] == t) {
                tp += pos.counts[i--];
            }
            if (j >= 0 && neg.scores[j] == t) {
                fp += neg.counts[j--];
            }
            if (seen > 0 && (seen == 1 || fp - 2 * fCur + fPrev != 0 || tp - 2 * tCur + tPrev != 0)) {
                double fpr = (double) fCur / allNeg;
                double tpr = (double) tCur / allPos;
                areas[n++] = (fpr - fprBefore) * (tpr + tprBefore) / 2.0;
                fprBefore = fpr;
                tprBefore = tpr;
            }
            fPrev = fCur;
            tPrev = tCur;
            fCur = fp;
            tCur = tp;
            seen++;
        }
        double fpr = (double) fCur / allNeg; // the last point
        double tpr = (double) tCur / allPos;
        areas[n++] = (fpr - fprBefore) * (tpr + tprBefore) / 2.0;
        return PairwiseSum.of(areas, 0, n);
    }

    /** A buffer of at least {@code size} doubles, this thread's, reused: the curves are walked at every update. */
    private static double[] scratch(int size) {
        double[] s = SCRATCH.get();
        if (s.length < size) {
            s = new double[Math.max(size, 2 * s.length)];
            SCRATCH.set(s);
        }
        return s;
    }

    private static final ThreadLocal<double[]> SCRATCH = ThreadLocal.withInitial(() -> new double[1024]);

    /**
     * {@link #sklearnAuc} against negatives that all score 0.0 (a class their rows do not list): one step, from the
     * positives above 0 to all, so one trapezoid, (1 · (1 + above / all)) / 2, whatever the other (flat) points.
     */
    static double sklearnAucAgainstZeros(ScoreCounts pos) {
        long above = 0;
        for (int i = pos.size - 1; i >= 0 && pos.scores[i] > 0.0; i--) {
            above += pos.counts[i];
        }
        return (1.0 + (double) above / pos.total) / 2.0;
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
        // least `below` slots before them are free for the zero terms
        int size = pos.size + neg.size;
        double[] terms = scratch(size);
        int at = size;
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
        java.util.Arrays.fill(terms, at - below, at, 0.0); // the thresholds under the lowest positive
        return Math.max(0.0, PairwiseSum.of(terms, at - below, size - (at - below)));
    }
}
