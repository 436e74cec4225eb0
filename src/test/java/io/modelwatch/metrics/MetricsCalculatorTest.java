package io.modelwatch.metrics;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Small windows whose figures are worked out by hand in the comments. */
class MetricsCalculatorTest {

    static final double TOL = 1e-12;
    static final String[] BINARY = {"0", "1"};
    static final String[] XYZ = {"x", "y", "z"};
    static final List<String> BINARY_KEYS = List.of("accuracy", "precision_micro", "recall_micro", "f1_micro",
            "precision_macro", "recall_macro", "f1_macro", "precision_weighted", "recall_weighted", "f1_weighted",
            "log_loss", "precision", "recall", "f1", "brier_score", "roc_auc", "average_precision",
            "label_coverage", "label_delay_mean_ms");
    static final List<String> MULTICLASS_KEYS = List.of("accuracy", "precision_micro", "recall_micro", "f1_micro",
            "precision_macro", "recall_macro", "f1_macro", "precision_weighted", "recall_weighted", "f1_weighted",
            "log_loss", "roc_auc_ovr", "roc_auc_ovr_weighted", "roc_auc_ovo", "label_coverage", "label_delay_mean_ms");

    /** A labelled binary pair: true y, predicted, scores (s0, s1). */
    static Outcome bin(String y, String predicted, double s0, double s1) {
        return new Outcome(predicted, y, BINARY, new double[]{s0, s1}, 0);
    }

    static Outcome xyz(String y, String predicted, double sx, double sy, double sz) {
        return new Outcome(predicted, y, XYZ, new double[]{sx, sy, sz}, 0);
    }

    static MetricsResult compute(Outcome... outcomes) {
        return MetricsCalculator.compute(WindowAggregate.of(List.of(outcomes)));
    }

    /**
     * F1 from the counts, 2TP / (2TP + FP + FN), as scikit-learn computes it: one correctly rounded division, so an
     * F1 of exactly 0.8 is 0.8 (2PR / (P + R) gave 0.7999999999999999 for TP 42, FP 15, FN 6, and a rule "below 0.8"
     * fired on it). Exactly, not within a tolerance; per class and macro too.
     */
    @Test
    void anF1OfExactlyPointEightIsPointEight() {
        List<Outcome> pairs = new java.util.ArrayList<>();
        for (int i = 0; i < 42; i++) {
            pairs.add(bin("1", "1", 0.3, 0.7));
        }
        for (int i = 0; i < 15; i++) {
            pairs.add(bin("0", "1", 0.3, 0.7));
        }
        for (int i = 0; i < 6; i++) {
            pairs.add(bin("1", "0", 0.7, 0.3));
        }
        MetricsResult r = MetricsCalculator.compute(WindowAggregate.of(pairs));
        assertEquals(0.8, r.metrics().get("f1"));
        // class 0: TP 10 (no negatives right: 0), so per class 1 is the binary figure, and macro their mean
        assertEquals(2.0 * 42 / (2 * 42 + 15 + 6), r.perClass().get("1").f1());
        assertEquals(0.0, r.perClass().get("0").f1());
        assertEquals(0.8 / 2, r.metrics().get("f1_macro"));
        // 40, 10, 10: 2PR / (P + R) gave 0.8000000000000002
        List<Outcome> other = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            other.add(bin("1", "1", 0.3, 0.7));
        }
        for (int i = 0; i < 10; i++) {
            other.add(bin("0", "1", 0.3, 0.7));
            other.add(bin("1", "0", 0.7, 0.3));
        }
        assertEquals(0.8, MetricsCalculator.compute(WindowAggregate.of(other)).metrics().get("f1"));
    }

    /**
     * A row that does not list a class gives it probability 0, for the ranking figures and Brier as for log
     * loss (which clips it to eps): the same figures as the row written out with a 0.
     */
    @Test
    void aClassARowDoesNotListScoresZero() {
        // binary: a lists only "0"; with "1": 0.0 written out, the figures must be the same
        Outcome partial = new Outcome("0", "1", new String[] {"0"}, new double[] {1.0}, 0);
        MetricsResult r = compute(partial, bin("1", "1", 0.2, 0.8), bin("0", "0", 0.9, 0.1));
        MetricsResult full = compute(bin("1", "0", 1.0, 0.0), bin("1", "1", 0.2, 0.8), bin("0", "0", 0.9, 0.1));
        assertMetric(r, "brier_score", 0.35);        // (1 + 0.04 + 0.01) / 3
        assertMetric(r, "roc_auc", 0.5);             // positives 0.0 and 0.8 against the negative's 0.1
        assertMetric(r, "average_precision", 5.0 / 6);
        for (String key : List.of("brier_score", "roc_auc", "average_precision", "log_loss")) {
            assertEquals(full.metrics().get(key), r.metrics().get(key), TOL, key);
        }
        // multiclass: r1 lists only "x"
        Outcome r1 = new Outcome("x", "y", new String[] {"x"}, new double[] {1.0}, 0);
        MetricsResult m = compute(r1, xyz("y", "y", 0.2, 0.5, 0.3), xyz("z", "z", 0.1, 0.2, 0.7),
                xyz("x", "x", 0.6, 0.2, 0.2));
        assertMetric(m, "roc_auc_ovr", (2.0 / 3 + 0.5 + 1.0) / 3);
        assertMetric(m, "roc_auc_ovr_weighted", (2.0 / 3 + 2 * 0.5 + 1.0) / 4);
        MetricsResult mFull = compute(xyz("y", "x", 1.0, 0.0, 0.0), xyz("y", "y", 0.2, 0.5, 0.3),
                xyz("z", "z", 0.1, 0.2, 0.7), xyz("x", "x", 0.6, 0.2, 0.2));
        for (String key : List.of("roc_auc_ovr", "roc_auc_ovr_weighted", "roc_auc_ovo", "log_loss")) {
            assertEquals(mFull.metrics().get(key), m.metrics().get(key), TOL, key);
        }
    }

    static void assertMetric(MetricsResult r, String key, double expected) {
        assertTrue(r.metrics().containsKey(key), key + " missing");
        Double got = r.metrics().get(key);
        assertNotNull(got, key + " is null");
        assertEquals(expected, got, TOL, key);
    }

    static void assertUndefined(MetricsResult r, String... keys) {
        for (String key : keys) {
            assertTrue(r.metrics().containsKey(key), key + " missing");
            assertNull(r.metrics().get(key), key);
        }
    }

    static void assertClass(MetricsResult r, String c, double p, double rec, double f1, long support) {
        ClassFigures f = r.perClass().get(c);
        assertNotNull(f, "class " + c);
        assertEquals(p, f.precision(), TOL, c + " precision");
        assertEquals(rec, f.recall(), TOL, c + " recall");
        assertEquals(f1, f.f1(), TOL, c + " f1");
        assertEquals(support, f.support(), c + " support");
    }

    @Test
    void binaryWindowByHand() {
        MetricsResult r = compute(
                bin("1", "1", 0.1, 0.9),
                bin("1", "0", 0.6, 0.4),
                bin("0", "0", 0.8, 0.2),
                bin("0", "1", 0.4, 0.6),
                bin("0", "0", 0.6, 0.4),
                bin("1", "1", 0.2, 0.8));
        assertTrue(r.binary());
        assertEquals(BINARY_KEYS, new ArrayList<>(r.metrics().keySet()));
        // rows true, columns predicted: true 0 -> {0: 2, 1: 1}; true 1 -> {0: 1, 1: 2}
        assertEquals(List.of("0", "1"), r.labels());
        assertArrayEquals(new long[][]{{2, 1}, {1, 2}}, r.matrix());
        // each class: TP 2, FP 1, FN 1 -> P = R = F1 = 2/3, support 3
        assertClass(r, "0", 2.0 / 3, 2.0 / 3, 2.0 / 3, 3);
        assertClass(r, "1", 2.0 / 3, 2.0 / 3, 2.0 / 3, 3);
        for (String k : List.of("accuracy", "precision_micro", "recall_micro", "f1_micro", "precision_macro",
                "recall_macro", "f1_macro", "precision_weighted", "recall_weighted", "f1_weighted",
                "precision", "recall", "f1")) {
            assertMetric(r, k, 2.0 / 3); // 4 of 6 right, and the classes are symmetric
        }
        // AUC: positives {0.9, 0.8, 0.4} vs negatives {0.6, 0.4, 0.2}: 0.9 and 0.8 beat all three
        // (6), 0.4 beats 0.2 and ties 0.4 (1.5) -> 7.5 / 9
        assertMetric(r, "roc_auc", 7.5 / 9);
        // AP: t=0.9 R 1/3 P 1; t=0.8 R 2/3 P 1; t=0.6 R unchanged; t=0.4 R 1 P 3/5
        // -> 1/3 + 1/3 + 1/3 * 3/5 = 13/15
        assertMetric(r, "average_precision", 13.0 / 15);
        // Brier: 0.01 + 0.36 + 0.04 + 0.36 + 0.16 + 0.04 = 0.97 over 6
        assertMetric(r, "brier_score", 0.97 / 6);
        // log loss: mean of -ln p(true) = -(ln .9 + ln .4 + ln .8 + ln .4 + ln .6 + ln .8) / 6 ~ 0.48251
        assertMetric(r, "log_loss", 0.48250911763342436);
        assertMetric(r, "label_coverage", 1.0);
        assertMetric(r, "label_delay_mean_ms", 0.0);
    }

    /**
     * A window of more classes than {@link MetricsCalculator#MAX_MATRIX_CLASSES}: no dense matrix (it could not fit
     * a record, and took 8 bytes a cell at every update), the figures from the non-zero cells, checked against
     * counts taken from the pairs themselves.
     */
    @Test
    void aWindowOfManyClassesHasItsFiguresWithoutTheDenseMatrix() {
        int k = MetricsCalculator.MAX_MATRIX_CLASSES + 200;
        List<Outcome> pairs = new ArrayList<>();
        Map<String, long[]> counts = new TreeMap<>(); // class -> {tp, predicted, support}
        for (int i = 0; i < 5 * k; i++) {
            String y = "c" + (i % k);
            String predicted = "c" + (i % 3 == 0 ? i % k : (7 * i) % k);
            pairs.add(new Outcome(predicted, y, new String[]{predicted}, new double[]{1.0}, 0));
            counts.computeIfAbsent(y, c -> new long[3])[2]++;
            counts.computeIfAbsent(predicted, c -> new long[3])[1]++;
            if (y.equals(predicted)) {
                counts.get(y)[0]++;
            }
        }
        MetricsResult r = MetricsCalculator.compute(WindowAggregate.of(pairs));
        assertNull(r.matrix());
        assertEquals(k, r.labels().size());
        long correct = 0;
        double f1Sum = 0;
        for (Map.Entry<String, long[]> e : counts.entrySet()) {
            long[] c = e.getValue();
            double f1 = c[0] == 0 ? 0 : 2.0 * c[0] / (c[1] + c[2]);
            assertClass(r, e.getKey(), (double) c[0] / c[1], (double) c[0] / c[2], f1, c[2]);
            correct += c[0];
            f1Sum += f1;
        }
        assertMetric(r, "accuracy", (double) correct / pairs.size());
        assertMetric(r, "f1_macro", f1Sum / k);

        List<Outcome> fewer = pairs.stream().filter(o -> Integer.parseInt(o.label().substring(1)) < 300
                && Integer.parseInt(o.predicted().substring(1)) < 300).toList();
        assertEquals(300, MetricsCalculator.compute(WindowAggregate.of(fewer)).matrix().length, "a matrix that fits");
    }

    @Test
    void multiclassWindowByHand() {
        MetricsResult r = compute(
                xyz("x", "x", 0.6, 0.3, 0.1),
                xyz("x", "y", 0.3, 0.5, 0.2),
                xyz("y", "y", 0.2, 0.7, 0.1),
                xyz("y", "z", 0.1, 0.4, 0.5),
                xyz("z", "z", 0.2, 0.2, 0.6),
                xyz("z", "x", 0.5, 0.1, 0.4),
                xyz("z", "z", 0.1, 0.3, 0.6));
        assertFalse(r.binary());
        assertEquals(MULTICLASS_KEYS, new ArrayList<>(r.metrics().keySet()));
        assertEquals(List.of("x", "y", "z"), r.labels());
        assertArrayEquals(new long[][]{{1, 1, 0}, {0, 1, 1}, {1, 0, 2}}, r.matrix());
        // x: TP 1 of 2 predicted, 2 true; y: same; z: TP 2 of 3 predicted, 3 true
        assertClass(r, "x", 0.5, 0.5, 0.5, 2);
        assertClass(r, "y", 0.5, 0.5, 0.5, 2);
        assertClass(r, "z", 2.0 / 3, 2.0 / 3, 2.0 / 3, 3);
        assertMetric(r, "accuracy", 4.0 / 7);
        assertMetric(r, "f1_micro", 4.0 / 7);
        assertMetric(r, "precision_macro", 5.0 / 9);    // (1/2 + 1/2 + 2/3) / 3
        assertMetric(r, "f1_macro", 5.0 / 9);
        assertMetric(r, "recall_weighted", 4.0 / 7);    // (1/2*2 + 1/2*2 + 2/3*3) / 7
        assertMetric(r, "f1_weighted", 4.0 / 7);
        // OvR x: s_x of true x {0.6, 0.3} vs rest {0.2, 0.1, 0.2, 0.5, 0.1}: 5 + 4 of 10 -> 0.9
        // OvR y: {0.7, 0.4} vs {0.3, 0.5, 0.2, 0.1, 0.3}: 5 + 4 of 10 -> 0.9
        // OvR z: {0.6, 0.4, 0.6} vs {0.1, 0.2, 0.1, 0.5}: 4 + 3 + 4 of 12 -> 11/12
        assertMetric(r, "roc_auc_ovr", (0.9 + 0.9 + 11.0 / 12) / 3);            // 163/180
        assertMetric(r, "roc_auc_ovr_weighted", (0.9 * 2 + 0.9 * 2 + 11.0 / 12 * 3) / 7);
        // OvO {x,y}: A(x|y) = 1, A(y|x): {0.7, 0.4} vs {0.3, 0.5} = 3/4 -> 7/8
        //     {x,z}: A(x|z): {0.6, 0.3} vs {0.2, 0.5, 0.1} = 5/6, A(z|x) = 1 -> 11/12
        //     {y,z}: A(y|z) = 1, A(z|y): {0.6, 0.4, 0.6} vs {0.1, 0.5} = 5/6 -> 11/12
        assertMetric(r, "roc_auc_ovo", 65.0 / 72);
        assertMetric(r, "log_loss",
                -(Math.log(0.6) + Math.log(0.3) + Math.log(0.7) + Math.log(0.4)
                        + Math.log(0.6) + Math.log(0.4) + Math.log(0.6)) / 7);
    }

    @Test
    void windowWithoutLabelledPairHasEmptyMatrixAndUndefinedFigures() {
        MetricsResult r = compute(
                new Outcome("1", null, BINARY, new double[]{0.3, 0.7}, 0),
                new Outcome("0", null, BINARY, new double[]{0.8, 0.2}, 0));
        assertTrue(r.binary(), "score rows {0, 1} make the window binary");
        assertEquals(List.of(), r.labels());
        assertEquals(0, r.matrix().length);
        assertTrue(r.perClass().isEmpty());
        assertEquals(BINARY_KEYS, new ArrayList<>(r.metrics().keySet()));
        assertUndefined(r, BINARY_KEYS.subList(0, 17).toArray(String[]::new));
        assertMetric(r, "label_coverage", 0.0);
        assertUndefined(r, "label_delay_mean_ms");

        MetricsResult multi = compute(new Outcome("x", null, XYZ, new double[]{0.5, 0.3, 0.2}, 0));
        assertFalse(multi.binary());
        assertEquals(MULTICLASS_KEYS, new ArrayList<>(multi.metrics().keySet()));
        assertUndefined(multi, MULTICLASS_KEYS.subList(0, 14).toArray(String[]::new));

        MetricsResult nothing = MetricsCalculator.compute(new WindowAggregate());
        assertUndefined(nothing, "accuracy", "label_coverage", "label_delay_mean_ms");
    }

    @Test
    void onlyNegativesBinaryFiguresAreZeroAndRankingUndefined() {
        MetricsResult r = compute(bin("0", "0", 0.9, 0.1), bin("0", "0", 0.7, 0.3));
        assertEquals(List.of("0"), r.labels());
        assertArrayEquals(new long[][]{{2}}, r.matrix());
        assertClass(r, "0", 1, 1, 1, 2);
        assertEquals(1, r.perClass().size());
        assertMetric(r, "accuracy", 1.0);
        assertMetric(r, "f1_macro", 1.0);
        // scikit-learn scores the absent positive class with zero_division = 0, not undefined
        assertMetric(r, "precision", 0.0);
        assertMetric(r, "recall", 0.0);
        assertMetric(r, "f1", 0.0);
        assertUndefined(r, "roc_auc", "average_precision");
        assertMetric(r, "brier_score", (0.01 + 0.09) / 2);
        assertMetric(r, "log_loss", -(Math.log(0.9) + Math.log(0.7)) / 2);
    }

    @Test
    void onlyPositivesLeavesRankingUndefined() {
        // as in golden/edge: average precision is null too when no negative occurs
        MetricsResult r = compute(bin("1", "1", 0.2, 0.8), bin("1", "0", 0.6, 0.4));
        assertArrayEquals(new long[][]{{0, 0}, {1, 1}}, r.matrix());
        assertMetric(r, "precision", 1.0);
        assertMetric(r, "recall", 0.5);
        assertMetric(r, "f1", 2.0 / 3);
        assertUndefined(r, "roc_auc", "average_precision");
    }

    @Test
    void zeroDivisionGivesZero() {
        // true 0 predicted 1 and true 0 predicted 0: class 1 is predicted once, never true
        MetricsResult r = compute(bin("0", "1", 0.4, 0.6), bin("0", "0", 0.7, 0.3));
        assertEquals(List.of("0", "1"), r.labels());
        assertArrayEquals(new long[][]{{1, 1}, {0, 0}}, r.matrix());
        // class 0: P 1/1, R 1/2, F1 2/3; class 1: P 0/1, R 0/0 -> 0, F1 0, support 0
        assertClass(r, "0", 1, 0.5, 2.0 / 3, 2);
        assertClass(r, "1", 0, 0, 0, 0);
        assertMetric(r, "precision_macro", 0.5);
        assertMetric(r, "recall_macro", 0.25);
        assertMetric(r, "f1_macro", 1.0 / 3);
        assertMetric(r, "precision_weighted", 1.0);   // support-weighted: class 1 weighs 0
        assertMetric(r, "recall_weighted", 0.5);
        assertMetric(r, "f1_weighted", 2.0 / 3);
        assertMetric(r, "precision", 0.0);
        assertMetric(r, "recall", 0.0);
        assertMetric(r, "f1", 0.0);
    }

    @Test
    void allScoresTiedGiveHalfAuc() {
        // every pair tied: U = 0.5 * 2 * 3 -> AUC 1/2; one threshold: R 1, P 2/5 -> AP 2/5
        MetricsResult r = compute(bin("1", "1", 0.5, 0.5), bin("1", "1", 0.5, 0.5),
                bin("0", "1", 0.5, 0.5), bin("0", "1", 0.5, 0.5), bin("0", "1", 0.5, 0.5));
        assertMetric(r, "roc_auc", 0.5);
        assertMetric(r, "average_precision", 0.4);
        assertMetric(r, "brier_score", 0.25);
        assertMetric(r, "log_loss", Math.log(2));
    }

    @Test
    void scoresAtZeroAndOneAreClippedForLogLoss() {
        MetricsResult r = compute(bin("1", "1", 0.0, 1.0), bin("0", "0", 1.0, 0.0), bin("1", "0", 1.0, 0.0));
        // AUC: positives {1, 0} vs negative {0}: 1 + 0.5 of 2 -> 3/4
        assertMetric(r, "roc_auc", 0.75);
        // AP: t=1 R 1/2 P 1; t=0 R 1 P 2/3 -> 1/2 + 1/3
        assertMetric(r, "average_precision", 5.0 / 6);
        // Brier: 0 + 0 + 1 over 3
        assertMetric(r, "brier_score", 1.0 / 3);
        // the confident miss costs -ln(eps) = 52 ln 2; the hits cost -ln(1 - eps) ~ eps each
        double eps = Outcomes.EPS;
        assertMetric(r, "log_loss", (52 * Math.log(2) - 2 * Math.log1p(-eps)) / 3);
    }

    @Test
    void perfectSeparation() {
        MetricsResult r = compute(bin("1", "1", 0.0, 1.0), bin("0", "0", 1.0, 0.0), bin("1", "1", 0.3, 0.7));
        assertMetric(r, "roc_auc", 1.0);
        assertMetric(r, "average_precision", 1.0);
        assertMetric(r, "accuracy", 1.0);
    }

    @Test
    void multiclassWithMissingClassLeavesOvrAndOvoUndefined() {
        // the model names x, y, z but no true z occurs
        MetricsResult r = compute(xyz("x", "x", 0.7, 0.2, 0.1), xyz("y", "z", 0.1, 0.4, 0.5),
                xyz("y", "y", 0.2, 0.6, 0.2));
        assertFalse(r.binary());
        assertEquals(List.of("x", "y", "z"), r.labels()); // z is predicted, so it is in the label set
        assertArrayEquals(new long[][]{{1, 0, 0}, {0, 1, 1}, {0, 0, 0}}, r.matrix());
        assertMetric(r, "accuracy", 2.0 / 3);
        // x: 1/1, 1/1; y: 1/1, 1/2, F1 2/3; z: 0/1, 0/0 -> 0
        assertMetric(r, "precision_macro", 2.0 / 3);
        assertMetric(r, "recall_macro", 0.5);
        assertMetric(r, "f1_macro", (1 + 2.0 / 3) / 3);
        assertUndefined(r, "roc_auc_ovr", "roc_auc_ovr_weighted", "roc_auc_ovo");
        assertNotNull(r.metrics().get("log_loss"));
    }

    @Test
    void trueLabelOutsideTheModelClassesLeavesOvrUndefined() {
        MetricsResult r = compute(xyz("x", "x", 0.7, 0.2, 0.1), xyz("y", "y", 0.1, 0.8, 0.1),
                xyz("z", "z", 0.1, 0.1, 0.8), xyz("w", "z", 0.1, 0.1, 0.8));
        assertUndefined(r, "roc_auc_ovr", "roc_auc_ovr_weighted", "roc_auc_ovo");
        // "w" is missing from its row: p = 0, clipped to eps and renormalised
        assertTrue(r.metrics().get("log_loss") > 8);
    }

    /**
     * A window knows the model's classes from its own score rows only: a class no row of the window names
     * is not a class of the model there, even if other windows' rows name it (the figures are those of the
     * classes named). Writing out a 0 for it in one row makes it a class of that window.
     */
    @Test
    void theModelClassesOfAWindowAreTheClassesItsRowsName() {
        String[] ab = {"a", "b"};
        MetricsResult named = compute(new Outcome("a", "a", ab, new double[]{0.8, 0.2}, 0),
                new Outcome("b", "b", ab, new double[]{0.3, 0.7}, 0),
                new Outcome("a", "b", ab, new double[]{0.6, 0.4}, 0));
        assertFalse(named.binary());
        assertMetric(named, "roc_auc_ovr", 1.0); // over a and b: c is not named in this window
        String[] abc = {"a", "b", "c"};
        MetricsResult writtenOut = compute(new Outcome("a", "a", abc, new double[]{0.8, 0.2, 0.0}, 0),
                new Outcome("b", "b", ab, new double[]{0.3, 0.7}, 0),
                new Outcome("a", "b", ab, new double[]{0.6, 0.4}, 0));
        assertUndefined(writtenOut, "roc_auc_ovr", "roc_auc_ovr_weighted", "roc_auc_ovo"); // c: no true sample

        // an integer model whose window names only 0 and 1 is binary in that window
        MetricsResult binaryHere = compute(bin("0", "0", 0.8, 0.2), bin("1", "1", 0.3, 0.7), bin("1", "0", 0.6, 0.4));
        assertTrue(binaryHere.binary());
        assertMetric(binaryHere, "roc_auc", 1.0);
    }

    @Test
    void binaryIsDecidedByScoreRowsAndLabels() {
        String[] three = {"0", "1", "2"};
        MetricsResult r = compute(new Outcome("1", "1", three, new double[]{0.1, 0.8, 0.1}, 0),
                new Outcome("0", "0", three, new double[]{0.8, 0.1, 0.1}, 0));
        assertFalse(r.binary(), "a model with class 2 is multiclass even if 2 never occurs");
        assertEquals(MULTICLASS_KEYS, new ArrayList<>(r.metrics().keySet()));
        assertUndefined(r, "roc_auc_ovr");

        MetricsResult unscored = compute(new Outcome("1", "1", null, null, 0), new Outcome("0", "1", null, null, 0));
        assertTrue(unscored.binary());
        assertMetric(unscored, "accuracy", 0.5);
        assertUndefined(unscored, "log_loss", "brier_score", "roc_auc", "average_precision");
    }

    @Test
    void coverageAndLabelDelay() {
        MetricsResult r = compute(new Outcome("1", "1", BINARY, new double[]{0.2, 0.8}, 1000),
                new Outcome("0", "0", BINARY, new double[]{0.9, 0.1}, -3000 + 6000),
                new Outcome("0", null, BINARY, new double[]{0.9, 0.1}, 0),
                new Outcome("1", null, null, null, 0));
        assertMetric(r, "label_coverage", 0.5);
        assertMetric(r, "label_delay_mean_ms", 2000);
        assertEquals(List.of("label_coverage", "label_delay_mean_ms"),
                new ArrayList<>(r.metrics().keySet()).subList(17, 19));
    }

    @Test
    void rankingTreatsNegativeZeroAsZero() {
        ScoreCounts pos = ScoreCounts.of(new TreeMap<>(Map.of(-0.0, 1L, 0.0, 1L, 1.0, 1L)));
        ScoreCounts neg = ScoreCounts.of(new TreeMap<>(Map.of(0.0, 2L)));
        assertEquals(2, pos.size, "-0.0 and 0.0 fold into one score");
        // the two zeros tie both negatives (4 * 0.5), 1.0 beats both (2) -> 4 / 6
        assertEquals(8, Ranking.twiceU(pos, neg));
        assertEquals(4.0 / 6, Ranking.auc(pos, neg), 0.0);
        // t=1: R 1/3 P 1; t=0: R 1 P 3/5 -> 1/3 + 2/3 * 3/5
        assertEquals(1.0 / 3 + 2.0 / 3 * 3 / 5, Ranking.averagePrecision(pos, neg), 1e-15);
    }

    @Test
    void rankingWithLargeCountsIsExact() {
        // 100k vs 100k all tied: twice U = 1e10, beyond int but exact in long
        TreeMap<Double, Long> neg = new TreeMap<>(Map.of(0.5, 100_000L));
        ScoreCounts pos = ScoreCounts.of(new TreeMap<>(Map.of(0.5, 100_000L)));
        assertEquals(10_000_000_000L, Ranking.twiceU(pos, ScoreCounts.of(neg)));
        assertEquals(0.5, Ranking.auc(pos, ScoreCounts.of(neg)), 0.0);
        // a negative above every positive: t=0.9 adds nothing (R stays 0); t=0.5: R 1,
        // P = 1e5 / (1e5 tied negatives + 1 + 1e5)
        neg.put(0.9, 1L);
        assertEquals(100_000.0 / 200_001, Ranking.averagePrecision(pos, ScoreCounts.of(neg)), 0.0);
        assertEquals(0.5 * 100_000 / 100_001, Ranking.auc(pos, ScoreCounts.of(neg)), 1e-15);
    }

    @Test
    void rankingIsUndefinedWithoutBothSides() {
        ScoreCounts some = ScoreCounts.of(new TreeMap<>(Map.of(0.3, 2L)));
        assertNull(Ranking.auc(some, ScoreCounts.EMPTY));
        assertNull(Ranking.auc(ScoreCounts.EMPTY, some));
        assertNull(Ranking.averagePrecision(ScoreCounts.EMPTY, some));
        assertEquals(1.0, Ranking.averagePrecision(some, ScoreCounts.EMPTY), 0.0);
    }
}
