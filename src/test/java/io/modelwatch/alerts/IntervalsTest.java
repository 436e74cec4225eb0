package io.modelwatch.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class IntervalsTest {

    @Test
    void normalQuantilesMatchTables() {
        assertEquals(1.959963984540054, Intervals.z(0.95), 1e-12);
        assertEquals(2.5758293035489004, Intervals.z(0.99), 1e-12);
        assertEquals(1.6448536269514722, Intervals.z(0.90), 1e-12);
        assertEquals(0.0, Intervals.normalQuantile(0.5), 1e-15);
        assertEquals(-3.090232306167813, Intervals.normalQuantile(0.001), 1e-11);
        assertEquals(4.264890793922602, Intervals.normalQuantile(1 - 1e-5), 1e-9);
        assertEquals(1 - 0.975, 0.5 * Intervals.erfc(1.959963984540054 / Math.sqrt(2)), 1e-15);
    }

    @Test
    void wilsonKnownValues() {
        double[] eightOfTen = Intervals.wilson(8, 10, 0.95);
        assertEquals(0.4902, eightOfTen[0], 5e-5);
        assertEquals(0.9433, eightOfTen[1], 5e-5);
        double[] none = Intervals.wilson(0, 10, 0.95);
        assertEquals(0.0, none[0], 1e-12);
        assertEquals(0.2775, none[1], 5e-5);
        double[] all = Intervals.wilson(10, 10, 0.95);
        assertEquals(0.7225, all[0], 5e-5);
        assertEquals(1.0, all[1], 1e-12);
        // Newcombe (1998), table I, example: 81/263 at 95% = [0.2553, 0.3662]
        double[] newcombe = Intervals.wilson(81, 263, 0.95);
        assertEquals(0.2553, newcombe[0], 5e-5);
        assertEquals(0.3662, newcombe[1], 5e-5);
        assertNull(Intervals.wilson(0, 0, 0.95));
    }

    @Test
    void allOrNoneGiveTheBoundExactly() {
        for (long n = 1; n <= 10_000; n++) {
            for (double confidence : new double[] {0.8, 0.9, 0.95, 0.99}) {
                assertEquals(1.0, Intervals.wilson(n, n, confidence)[1], "all of " + n);
                assertEquals(0.0, Intervals.wilson(0, n, confidence)[0], "none of " + n);
            }
        }
    }

    @Test
    void hanleyMcNeilKnownValue() {
        // Hanley & McNeil (1982): A = 0.893 with 51 abnormal and 58 normal cases has SE = 0.032
        assertEquals(0.0325, Intervals.hanleyMcNeilSe(0.893, 51, 58), 5e-4);
        double[] ci = Intervals.hanleyMcNeil(0.893, 51, 58, 0.95);
        // the SE at A moved half a comparison inward: (0.893 · 2958 + 0.5) / 2959
        double se = Intervals.hanleyMcNeilSe((0.893 * 2958 + 0.5) / 2959, 51, 58);
        assertEquals(0.893 - 1.959963984540054 * se, ci[0], 1e-12);
        assertEquals(0.893 + 1.959963984540054 * se, ci[1], 1e-12);
        assertEquals(Intervals.hanleyMcNeilSe(0.893, 51, 58), se, 1e-4, "about the paper's");
        // A = 0.5 with 50/50: Q1 = 1/3, Q2 = 1/3, SE² = (0.25 + 98 (1/3 - 1/4)) / 2500
        assertEquals(Math.sqrt((0.25 + 98 * (1.0 / 3 - 0.25)) / 2500), Intervals.hanleyMcNeilSe(0.5, 50, 50), 1e-15);
        assertNull(Intervals.hanleyMcNeil(0.8, 0, 10, 0.95));
        double[] clipped = Intervals.hanleyMcNeil(0.99, 5, 5, 0.95);
        assertEquals(1.0, clipped[1]);
    }

    /**
     * At AUC 0 or 1 the plain Hanley–McNeil SE is 0 whatever the counts: one positive and one negative ranked wrong
     * gave [0, 0], a "significant" breach of any floor on two pairs. Now fewer than 5 of a class give no interval
     * (not judged), the SE is never 0, and many pairs all ranked one way still prove it.
     */
    @Test
    void hanleyMcNeilAtZeroOrOneIsNoCertaintyOnAFewPairs() {
        assertEquals(0.0, Intervals.hanleyMcNeilSe(0.0, 1, 1), "the plain formula's zero");
        assertNull(Intervals.hanleyMcNeil(0.0, 1, 1, 0.95), "two pairs");
        assertNull(Intervals.hanleyMcNeil(0.0, 4, 100, 0.95), "four positives");
        double[] five = Intervals.hanleyMcNeil(0.0, 5, 5, 0.95);
        assertTrue(five[1] > 0 && five[1] < 0.5, "25 comparisons all wrong: some width, still below 0.5: " + five[1]);
        double[] perfect = Intervals.hanleyMcNeil(1.0, 5, 5, 0.95);
        assertTrue(perfect[0] < 1 && perfect[0] > 0.5, perfect[0] + "");
        double[] many = Intervals.hanleyMcNeil(1.0, 1000, 1000, 0.99);
        assertEquals(1.0, many[1]);
        assertTrue(many[0] > 0.999, "a million comparisons all right are: " + many[0]);
        double[] manyWrong = Intervals.hanleyMcNeil(0.0, 1000, 1000, 0.99);
        assertTrue(manyWrong[1] < 0.001, manyWrong[1] + "");
    }

    /** The Wilson interval's actual coverage stays near the nominal level (exact binomial sum). */
    @Test
    void wilsonCoverageIsCloseToNominal() {
        for (double p : new double[] {0.1, 0.3, 0.5, 0.8}) {
            int n = 200;
            double coverage = 0;
            for (int k = 0; k <= n; k++) {
                double[] ci = Intervals.wilson(k, n, 0.95);
                if (ci[0] <= p && p <= ci[1]) {
                    coverage += binomialPmf(n, k, p);
                }
            }
            assertTrue(coverage > 0.93 && coverage < 0.97, "p=" + p + " coverage " + coverage);
        }
    }

    private static double binomialPmf(int n, int k, double p) {
        double log = lgammaInt(n + 1) - lgammaInt(k + 1) - lgammaInt(n - k + 1) + k * Math.log(p)
                + (n - k) * Math.log(1 - p);
        return Math.exp(log);
    }

    private static double lgammaInt(int m) {
        double s = 0;
        for (int i = 2; i < m; i++) {
            s += Math.log(i);
        }
        return s;
    }

    @Property(tries = 300)
    void wilsonContainsTheEstimateAndNarrowsWithN(@ForAll @IntRange(min = 1, max = 5000) int n,
                                                   @ForAll @DoubleRange(min = 0, max = 1) double share,
                                                   @ForAll @DoubleRange(min = 0.5, max = 0.99) double confidence) {
        long k = Math.round(share * n);
        double[] ci = Intervals.wilson(k, n, confidence);
        double p = (double) k / n;
        assertTrue(0 <= ci[0] && ci[0] <= p + 1e-12 && p - 1e-12 <= ci[1] && ci[1] <= 1, java.util.Arrays.toString(ci));
        double[] bigger = Intervals.wilson(4 * k, 4L * n, confidence);
        assertTrue(bigger[1] - bigger[0] <= ci[1] - ci[0] + 1e-12, "more trials, narrower");
        double[] surer = Intervals.wilson(k, n, Math.min(0.9999, confidence + 0.0005));
        assertTrue(surer[1] - surer[0] >= ci[1] - ci[0] - 1e-12, "more confidence, wider");
    }
}
