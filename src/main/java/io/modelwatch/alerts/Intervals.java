package io.modelwatch.alerts;

/**
 * Two-sided confidence intervals of the figures {@code confidence} supports.
 *
 * <ul>
 *   <li>Proportions (accuracy, precision, recall, label coverage): the Wilson score interval of
 *       k successes in n trials (Wilson 1927).</li>
 *   <li>F1 of the positive class, 2TP / (2TP + FP + FN): the Wilson interval of 2TP "successes" in
 *       2TP + FP + FN "trials". This treats F1 as a proportion, which it is only approximately (TP
 *       is counted twice, so the effective sample size is overstated by up to a factor of 2 and the
 *       interval is somewhat narrow); it is documented as such in the README ("Rules").</li>
 *   <li>ROC AUC: A ± z·SE with the Hanley–McNeil (1982) standard error from the number of
 *       positive and negative true labels, clipped to [0, 1].</li>
 * </ul>
 */
final class Intervals {

    /** The fewest positives and negatives an AUC interval is computed with. */
    static final int MIN_PER_CLASS = 5;

    private Intervals() {
    }

    /** The standard normal quantile z with P(|Z| &lt;= z) = confidence. */
    public static double z(double confidence) {
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("confidence must be in (0, 1): " + confidence);
        }
        return normalQuantile(1 - (1 - confidence) / 2);
    }

    /** Wilson score interval of k successes in n trials; null when n = 0. */
    public static double[] wilson(long k, long n, double confidence) {
        if (n <= 0 || k < 0 || k > n) {
            return null;
        }
        double z = z(confidence);
        double p = (double) k / n;
        double z2 = z * z;
        double denominator = 1 + z2 / n;
        double centre = (p + z2 / (2.0 * n)) / denominator;
        double half = z / denominator * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        // at k = 0 (k = n) the bound is exactly 0 (1), but rounding left 1 - 1e-16 at some n: a rule "below: 1" with
        // confidence fired on a window whose every prediction had its label
        return new double[] {k == 0 ? 0 : Math.max(0, centre - half), k == n ? 1 : Math.min(1, centre + half)};
    }

    /**
     * A ± z·SE with the Hanley–McNeil SE (see {@link #hanleyMcNeilSe}) taken at A moved half a comparison inward,
     * (A·n₁n₂ + 0.5) / (n₁n₂ + 1): the plain SE is 0 at A = 0 or 1 whatever the counts, so one positive and one
     * negative ranked wrong made a "significant" AUC of 0 and a confidence rule fired on two pairs. The move is
     * below 1/(2n₁n₂), so it changes the interval of any other window by about that. Null (the window is not judged)
     * with fewer than {@link #MIN_PER_CLASS} positives or negatives: the normal approximation says little there (at
     * 95% one positive and one negative ranked wrong still gave [0, 0.849], a "significant" breach of a 0.85 floor).
     */
    public static double[] hanleyMcNeil(double auc, long positives, long negatives, double confidence) {
        if (positives < MIN_PER_CLASS || negatives < MIN_PER_CLASS || !(auc >= 0 && auc <= 1)) {
            return null;
        }
        double comparisons = (double) positives * negatives;
        double se = hanleyMcNeilSe((auc * comparisons + 0.5) / (comparisons + 1), positives, negatives);
        double z = z(confidence);
        return new double[] {Math.max(0, auc - z * se), Math.min(1, auc + z * se)};
    }

    /**
     * Hanley–McNeil: SE² = (A(1−A) + (n₁−1)(Q₁−A²) + (n₂−1)(Q₂−A²)) / (n₁n₂) with Q₁ = A/(2−A),
     * Q₂ = 2A²/(1+A); n₁ positives, n₂ negatives.
     */
    public static double hanleyMcNeilSe(double auc, long positives, long negatives) {
        double q1 = auc / (2 - auc);
        double q2 = 2 * auc * auc / (1 + auc);
        double a2 = auc * auc;
        double var = (auc * (1 - auc) + (positives - 1) * (q1 - a2) + (negatives - 1) * (q2 - a2))
                / ((double) positives * negatives);
        return Math.sqrt(Math.max(0, var));
    }

    /**
     * Inverse of the standard normal CDF: Acklam's rational approximation (relative error below
     * 1.2e-9) refined by one Halley step on erfc, which brings it to double precision.
     */
    public static double normalQuantile(double p) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("p must be in (0, 1): " + p);
        }
        final double[] a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
        final double[] b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                6.680131188771972e+01, -1.328068155288572e+01};
        final double[] c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
        final double[] d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                3.754408661907416e+00};
        double low = 0.02425;
        double x;
        if (p < low) {
            double q = Math.sqrt(-2 * Math.log(p));
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                    / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        } else if (p <= 1 - low) {
            double q = p - 0.5;
            double r = q * q;
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                    / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
        } else {
            double q = Math.sqrt(-2 * Math.log(1 - p));
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                    / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        double e = 0.5 * erfc(-x / Math.sqrt(2)) - p;
        double u = e * Math.sqrt(2 * Math.PI) * Math.exp(x * x / 2);
        return x - u / (1 + x * u / 2);
    }

    /** Complementary error function, W. J. Cody's rational approximations (relative error ~1e-16). */
    static double erfc(double x) {
        double ax = Math.abs(x);
        double result;
        if (ax < 0.5) {
            double t = x * x;
            double top = ((((0.185777706184603153 * t + 3.16112374387056560) * t + 113.864154151050156) * t
                    + 377.485237685302021) * t + 3209.37758913846947);
            double bot = ((((t + 23.6012909523441209) * t + 244.024637934444173) * t + 1282.61652607737228) * t
                    + 2844.23683343917062);
            return 1 - x * top / bot;
        } else if (ax < 4) {
            double top = (((((((2.15311535474403846e-8 * ax + 0.564188496988670089) * ax + 8.88314979438837594) * ax
                    + 66.1191906371416295) * ax + 298.635138197400131) * ax + 881.952221241769090) * ax
                    + 1712.04761263407058) * ax + 2051.07837782607147) * ax + 1230.33935479799725;
            double bot = (((((((ax + 15.7449261107098347) * ax + 117.693950891312499) * ax + 537.181101862009858) * ax
                    + 1621.38957456669019) * ax + 3290.79923573345963) * ax + 4362.61909014324716) * ax
                    + 3439.36767414372164) * ax + 1230.33935480374942;
            result = Math.exp(-ax * ax) * top / bot;
        } else {
            double z = 1 / (ax * ax);
            double top = ((((0.0163153871373020978 * z + 0.305326634961232344) * z + 0.360344899949804439) * z
                    + 0.125781726111229246) * z + 0.0160837851487422766) * z + 6.58749161529837803e-4;
            double bot = ((((z + 2.56852019228982242) * z + 1.87295284992346725) * z + 0.527905102951428412) * z
                    + 0.0605183413124413191) * z + 2.33520497626869185e-3;
            result = Math.exp(-ax * ax) / ax * (0.564189583547756287 - z * top / bot);
        }
        return x < 0 ? 2 - result : result;
    }
}
