package io.modelwatch.metrics;

/** Turns an {@link Outcome} into cell deltas, and holds the per-pair loss terms. */
public final class Outcomes {

    /** float64 machine epsilon: scikit-learn 1.2 clips probabilities to [eps, 1 - eps]. */
    static final double EPS = 2.220446049250313e-16;
    public static final String POSITIVE = "1";
    public static final String NEGATIVE = "0";
    /**
     * The score "class" under which each true label counts its scored pairs (one cell at 0.0 per pair): no
     * model class can be named so (a NUL character). A class a pair does not list then scores 0 for it.
     */
    static final String SCORED_PAIRS = "\u0000scored";

    private Outcomes() {
    }

    /** Adds ({@code sign} = 1) or retracts ({@code sign} = -1) one outcome. */
    public static void decompose(Outcome o, int sign, AggregateCells sink) {
        LossTerms loss = LossTerms.of(o);
        boolean labeled = o.labeled();
        sink.header(sign, labeled ? sign : 0, sign * loss.logLoss, sign * loss.logLossCount,
                sign * loss.brier, sign * loss.brierCount, labeled ? sign * o.labelDelayMs() : 0);
        if (o.hasScores()) {
            sink.classesNamed(o.scoreClasses(), sign);
        }
        pairCells(o, sign, sink);
    }

    /**
     * Replaces {@code old} by {@code now} (either may be null) with the net cell deltas. When both
     * are the same prediction (same predicted class and score row), which is the common case of a
     * label arriving or being corrected, the cells that cancel (the prediction count, the class
     * set) are not touched at all.
     */
    public static void decomposeChange(Outcome old, Outcome now, AggregateCells sink) {
        if (old == null || now == null || !samePrediction(old, now)) {
            if (old != null) {
                decompose(old, -1, sink);
            }
            if (now != null) {
                decompose(now, 1, sink);
            }
            return;
        }
        LossTerms before = LossTerms.of(old);
        LossTerms after = LossTerms.of(now);
        long labeled = (now.labeled() ? 1 : 0) - (old.labeled() ? 1 : 0);
        long delay = (now.labeled() ? now.labelDelayMs() : 0) - (old.labeled() ? old.labelDelayMs() : 0);
        if (labeled != 0 || delay != 0 || before.logLossCount != after.logLossCount
                || before.brierCount != after.brierCount || before.logLoss != after.logLoss || before.brier != after.brier) {
            sink.header(0, labeled, after.logLoss - before.logLoss, after.logLossCount - before.logLossCount,
                    after.brier - before.brier, after.brierCount - before.brierCount, delay);
        }
        if (!java.util.Objects.equals(old.label(), now.label())) {
            pairCells(old, -1, sink);
            pairCells(now, 1, sink);
        }
    }

    private static boolean samePrediction(Outcome a, Outcome b) {
        return a.predicted().equals(b.predicted()) && java.util.Arrays.equals(a.scoreClasses(), b.scoreClasses())
                && java.util.Arrays.equals(a.scores(), b.scores());
    }

    /** The confusion and score cells of a labelled outcome (nothing for an unlabelled one). */
    private static void pairCells(Outcome o, int sign, AggregateCells sink) {
        if (!o.labeled()) {
            return;
        }
        sink.confusion(o.label(), o.predicted(), sign);
        if (o.hasScores()) {
            for (int i = 0; i < o.scoreClasses().length; i++) {
                sink.score(o.label(), o.scoreClasses()[i], o.scores()[i], sign);
            }
            // how many scored pairs have this true label: a class a pair does not list then scores 0 for it
            sink.score(o.label(), SCORED_PAIRS, 0.0, sign);
        }
    }

    /** The loss terms one outcome adds to the header. */
    private record LossTerms(double logLoss, long logLossCount, double brier, long brierCount) {
        static LossTerms of(Outcome o) {
            if (!o.labeled() || !o.hasScores()) {
                return new LossTerms(0, 0, 0, 0);
            }
            double logLoss = logLossTerm(o.scoreClasses(), o.scores(), o.label());
            if (!binaryRow(o.scoreClasses())) {
                return new LossTerms(logLoss, 1, 0, 0);
            }
            int positive = binaryPositiveIndex(o.scoreClasses());
            double s1 = positive < 0 ? 0.0 : o.scores()[positive]; // a row without "1" gives it probability 0
            double d = s1 - (POSITIVE.equals(o.label()) ? 1.0 : 0.0);
            return new LossTerms(logLoss, 1, d * d, 1);
        }
    }

    /**
     * -ln p(true class), with scikit-learn's clipping to [eps, 1 - eps] and renormalisation of
     * the row. A true class missing from the row has probability 0 (clipped to eps).
     */
    static double logLossTerm(String[] classes, double[] scores, String label) {
        double sum = 0;
        double trueScore = EPS;
        boolean found = false;
        for (int i = 0; i < classes.length; i++) {
            double clipped = Math.min(Math.max(scores[i], EPS), 1 - EPS);
            sum += clipped;
            if (classes[i].equals(label)) {
                trueScore = clipped;
                found = true;
            }
        }
        if (!found) {
            sum += EPS;
        }
        return -Math.log(trueScore / sum);
    }

    /** Whether a row's score classes are within {"0", "1"} (a binary model's row). */
    static boolean binaryRow(String[] classes) {
        for (String c : classes) {
            if (!POSITIVE.equals(c) && !NEGATIVE.equals(c)) {
                return false;
            }
        }
        return classes.length > 0;
    }

    /** Index of class "1" when the row's classes are a subset of {"0", "1"} containing "1", else -1. */
    static int binaryPositiveIndex(String[] classes) {
        int positive = -1;
        for (int i = 0; i < classes.length; i++) {
            if (POSITIVE.equals(classes[i])) {
                positive = i;
            } else if (!NEGATIVE.equals(classes[i])) {
                return -1;
            }
        }
        return positive;
    }
}
