package io.modelwatch.metrics;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * Ranking figures over exact score histograms (score to count). Every figure is a linear merge
 * walk over sorted histograms; nothing is expanded per pair.
 */
final class Ranking {

    private Ranking() {
    }

    /**
     * ROC AUC as the Mann-Whitney statistic of the positives' scores against the union of the
     * negative histograms, ties counting one half; {@code null} when either side is empty.
     */
    static Double auc(NavigableMap<Double, Long> positives, List<? extends NavigableMap<Double, Long>> negatives) {
        long nPos = total(positives);
        long nNeg = 0;
        long twiceU = 0;
        // U is additive over a partition of the negatives, so no k-way merge is needed
        for (NavigableMap<Double, Long> negative : negatives) {
            nNeg += total(negative);
            twiceU += twiceU(positives, negative);
        }
        if (nPos == 0 || nNeg == 0) {
            return null;
        }
        // both operands are integers below 2^53, so this is the correctly rounded exact ratio
        return twiceU / (2.0 * nPos * nNeg);
    }

    static Double auc(NavigableMap<Double, Long> positives, NavigableMap<Double, Long> negatives) {
        return auc(positives, List.of(negatives));
    }

    /**
     * 2 × (#{pos > neg} + ½·#{pos = neg}): twice the Mann-Whitney U, kept as an integer so that
     * ties cost no rounding.
     */
    static long twiceU(NavigableMap<Double, Long> positives, NavigableMap<Double, Long> negatives) {
        Cursor neg = new Cursor(negatives, false);
        long below = 0;
        long twice = 0;
        for (Cursor pos = new Cursor(positives, false); pos.hasNext(); ) {
            pos.next();
            while (neg.hasNext() && Double.compare(neg.peek(), pos.score) < 0) {
                neg.next();
                below += neg.count;
            }
            long equal = 0;
            if (neg.hasNext() && Double.compare(neg.peek(), pos.score) == 0) {
                neg.next();
                equal = neg.count;
            }
            twice += pos.count * (2 * below + equal);
            below += equal; // the next positive score is higher, so these are below it
        }
        return twice;
    }

    /**
     * scikit-learn's step-wise average precision: over distinct thresholds t, descending,
     * Σ (R_t − R_prev)·P_t. {@code null} without a positive.
     */
    static Double averagePrecision(NavigableMap<Double, Long> positives, NavigableMap<Double, Long> negatives) {
        long nPos = total(positives);
        if (nPos == 0) {
            return null;
        }
        Cursor pos = new Cursor(positives, true);
        Cursor neg = new Cursor(negatives, true);
        long tp = 0;
        long fp = 0;
        double recallPrev = 0;
        double ap = 0;
        while (pos.hasNext() && tp < nPos) { // once recall is 1 the remaining terms are 0
            double t = neg.hasNext() && Double.compare(neg.peek(), pos.peek()) > 0 ? neg.peek() : pos.peek();
            if (Double.compare(pos.peek(), t) == 0) {
                pos.next();
                tp += pos.count;
            }
            if (neg.hasNext() && Double.compare(neg.peek(), t) == 0) {
                neg.next();
                fp += neg.count;
            }
            double recall = (double) tp / nPos;
            ap += (recall - recallPrev) * ((double) tp / (tp + fp));
            recallPrev = recall;
        }
        return ap;
    }

    static long total(Map<Double, Long> histogram) {
        long n = 0;
        for (long c : histogram.values()) {
            n += c;
        }
        return n;
    }

    /**
     * Walks a histogram's distinct scores. -0.0 and 0.0 are separate keys of the TreeMap but the
     * same score to scikit-learn, so the cursor folds them into one (normalising -0.0 to 0.0).
     */
    private static final class Cursor {
        private final Iterator<Map.Entry<Double, Long>> entries;
        private Map.Entry<Double, Long> pending;
        double score;
        long count;

        Cursor(NavigableMap<Double, Long> histogram, boolean descending) {
            entries = (descending ? histogram.descendingMap() : histogram).entrySet().iterator();
            pending = entries.hasNext() ? entries.next() : null;
        }

        boolean hasNext() {
            return pending != null;
        }

        double peek() {
            return pending.getKey() + 0.0; // -0.0 + 0.0 == +0.0
        }

        void next() {
            score = peek();
            count = 0;
            do {
                count += pending.getValue();
                pending = entries.hasNext() ? entries.next() : null;
            } while (pending != null && Double.compare(peek(), score) == 0);
        }
    }
}
