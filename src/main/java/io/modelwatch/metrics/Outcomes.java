package io.modelwatch.metrics;

/** Turns an {@link Outcome} into cell deltas, and holds the per-pair loss terms. */
public final class Outcomes {

    /** float64 machine epsilon: scikit-learn 1.2 clips probabilities to [eps, 1 - eps]. */
    static final double EPS = 2.220446049250313e-16;
    public static final String POSITIVE = "1";
    public static final String NEGATIVE = "0";

    private Outcomes() {
    }

    /** Adds ({@code sign} = 1) or retracts ({@code sign} = -1) one outcome. */
    public static void decompose(Outcome o, int sign, AggregateCells sink) {
        boolean labeled = o.labeled();
        boolean scored = o.hasScores();
        double logLoss = 0;
        long logLossCount = 0;
        double brier = 0;
        long brierCount = 0;
        if (labeled && scored) {
            logLoss = logLossTerm(o.scoreClasses(), o.scores(), o.label());
            logLossCount = 1;
            int positive = binaryPositiveIndex(o.scoreClasses());
            if (positive >= 0) {
                double target = POSITIVE.equals(o.label()) ? 1.0 : 0.0;
                double d = o.scores()[positive] - target;
                brier = d * d;
                brierCount = 1;
            }
        }
        sink.header(sign, labeled ? sign : 0, sign * logLoss, sign * logLossCount,
                sign * brier, sign * brierCount, labeled ? sign * o.labelDelayMs() : 0);
        if (scored) {
            sink.universe(o.scoreClasses(), sign);
        }
        if (labeled) {
            sink.confusion(o.label(), o.predicted(), sign);
            if (scored) {
                String[] classes = o.scoreClasses();
                double[] scores = o.scores();
                for (int i = 0; i < classes.length; i++) {
                    sink.score(o.label(), classes[i], scores[i], sign);
                }
            }
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
