package io.modelwatch.metrics;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The histogram merge walks against brute force over the raw pairs: every positive-negative
 * pair for ROC AUC, and one pass per threshold for average precision.
 */
class RankingPropertiesTest {

    static final double TOL = 1e-12;

    @Provide
    Arbitrary<List<Outcome>> window() {
        return OutcomeArbitraries.window(6, 60, false);
    }

    @Property
    void rankingFiguresMatchBruteForce(@ForAll("window") List<Outcome> window) {
        MetricsResult r = MetricsCalculator.compute(WindowAggregate.of(window));
        Statistics.collect(r.binary() ? "binary" : "multiclass",
                r.metrics().get(r.binary() ? "roc_auc" : "roc_auc_ovr") == null ? "undefined" : "defined");
        if (r.binary()) {
            List<Double> pos = scores(window, "1", "1");
            List<Double> neg = scores(window, "0", "1");
            check(r.metrics().get("roc_auc"), pos.isEmpty() || neg.isEmpty() ? null : auc(pos, neg));
            check(r.metrics().get("average_precision"), pos.isEmpty() || neg.isEmpty() ? null : ap(pos, neg));
        } else if (r.metrics().get("roc_auc_ovr") != null) {
            List<String> classes = WindowAggregate.of(window).modelClasses();
            double sum = 0;
            for (String c : classes) {
                List<Double> rest = new ArrayList<>();
                classes.stream().filter(y -> !y.equals(c)).forEach(y -> rest.addAll(scores(window, y, c)));
                sum += auc(scores(window, c, c), rest);
            }
            check(r.metrics().get("roc_auc_ovr"), sum / classes.size());
            double ovo = 0;
            for (int a = 0; a < classes.size(); a++) {
                for (int b = a + 1; b < classes.size(); b++) {
                    String ca = classes.get(a);
                    String cb = classes.get(b);
                    ovo += (auc(scores(window, ca, ca), scores(window, cb, ca))
                            + auc(scores(window, cb, cb), scores(window, ca, cb))) / 2;
                }
            }
            check(r.metrics().get("roc_auc_ovo"), ovo / (classes.size() * (classes.size() - 1) / 2));
        }
    }

    /**
     * Rows that leave classes out rank those classes at 0.0 (without a histogram for them): bit for bit the figures
     * of the rows written out with those zeros.
     */
    @Property
    void unlistedClassesRankAsWrittenOutZeros(@ForAll("window") List<Outcome> window) {
        List<Outcome> sparse = new ArrayList<>();
        List<Outcome> full = new ArrayList<>();
        for (Outcome o : window) {
            if (!o.hasScores()) {
                sparse.add(o);
                full.add(o);
                continue;
            }
            List<String> listed = new ArrayList<>();
            List<Double> listedScores = new ArrayList<>();
            double[] written = o.scores().clone();
            for (int i = 0; i < written.length; i++) {
                if (i == 0 || written[i] >= 0.3) {
                    listed.add(o.scoreClasses()[i]);
                    listedScores.add(written[i]);
                } else {
                    written[i] = 0.0;
                }
            }
            sparse.add(new Outcome(o.predicted(), o.label(), listed.toArray(String[]::new),
                    listedScores.stream().mapToDouble(Double::doubleValue).toArray(), o.labelDelayMs()));
            full.add(new Outcome(o.predicted(), o.label(), o.scoreClasses(), written, o.labelDelayMs()));
        }
        // an unlabelled row naming every class: both windows have the same model classes
        Outcome any = window.stream().filter(Outcome::hasScores).findFirst().orElse(null);
        if (any != null) {
            Outcome namesAll = new Outcome(any.predicted(), null, any.scoreClasses(), any.scores(), 0);
            sparse.add(namesAll);
            full.add(namesAll);
        }
        MetricsResult r = MetricsCalculator.compute(WindowAggregate.of(sparse));
        MetricsResult f = MetricsCalculator.compute(WindowAggregate.of(full));
        Statistics.collect(r.binary() ? "binary" : "multiclass",
                r.metrics().get(r.binary() ? "roc_auc" : "roc_auc_ovo") == null ? "undefined" : "defined");
        for (String key : List.of("roc_auc", "average_precision", "roc_auc_ovr", "roc_auc_ovr_weighted",
                "roc_auc_ovo")) {
            assertEquals(f.metrics().get(key), r.metrics().get(key), key);
        }
    }

    /**
     * An update's ranking figures, the exact area (cheaper), are a final's, scikit-learn's trapezoids, within
     * rounding; every other figure is the same bit for bit. Rows leaving classes out included.
     */
    @Property
    void anUpdatesExactAreaIsTheFinalsFigureWithinRounding(@ForAll("window") List<Outcome> window) {
        List<Outcome> sparse = new ArrayList<>();
        for (int k = 0; k < window.size(); k++) {
            Outcome o = window.get(k);
            if (k % 3 == 0 && o.hasScores() && o.scoreClasses().length > 2) { // leave the last class out
                int n = o.scoreClasses().length - 1;
                o = new Outcome(o.predicted(), o.label(), java.util.Arrays.copyOf(o.scoreClasses(), n),
                        java.util.Arrays.copyOf(o.scores(), n), o.labelDelayMs());
            }
            sparse.add(o);
        }
        WindowAggregate agg = WindowAggregate.of(sparse);
        MetricsResult asFinal = MetricsCalculator.compute(agg, true);
        MetricsResult asUpdate = MetricsCalculator.compute(agg, false);
        for (String key : asFinal.metrics().keySet()) {
            Double f = asFinal.metrics().get(key);
            Double u = asUpdate.metrics().get(key);
            if (key.startsWith("roc_auc") && f != null) {
                assertEquals(f, u, 1e-15, key);
            } else {
                assertEquals(f, u, key);
            }
        }
    }

    @Provide
    Arbitrary<java.util.Map<Double, Long>> histogram() {
        // a coarse grid: ties between the sides, and 0.0 (the unlisted score) often
        return net.jqwik.api.Arbitraries.maps(
                net.jqwik.api.Arbitraries.integers().between(0, 60).map(i -> i / 60.0),
                net.jqwik.api.Arbitraries.longs().between(1, 4)).ofMaxSize(61);
    }

    /**
     * scikit-learn's trapezoids are the exact area (the Mann-Whitney U) within rounding; against negatives that
     * all score 0.0 the one-step shortcut gives the curve's own figure bit for bit.
     */
    @Property
    void scikitLearnsAreaIsTheExactOneWithinRounding(@ForAll("histogram") java.util.Map<Double, Long> pos,
                                                      @ForAll("histogram") java.util.Map<Double, Long> neg) {
        net.jqwik.api.Assume.that(!pos.isEmpty() && !neg.isEmpty());
        ScoreCounts p = ScoreCounts.of(new java.util.TreeMap<>(pos));
        ScoreCounts n = ScoreCounts.of(new java.util.TreeMap<>(neg));
        assertEquals(Ranking.auc(p, n), Ranking.sklearnAuc(p, n), 1e-15);
        long zeros = n.total;
        ScoreCounts atZero = ScoreCounts.of(new java.util.TreeMap<>(java.util.Map.of(0.0, zeros)));
        assertEquals(Ranking.sklearnAuc(p, atZero), Ranking.sklearnAucAgainstZeros(p));
    }

    private static void check(Double got, Double want) {
        if (want == null) {
            assertNull(got);
        } else {
            assertEquals(want, got, TOL);
        }
    }

    /** Scores for {@code scoreClass} of the labelled, scored pairs whose true label is {@code y}. */
    private static List<Double> scores(List<Outcome> window, String y, String scoreClass) {
        List<Double> s = new ArrayList<>();
        for (Outcome o : window) {
            if (y.equals(o.label()) && o.hasScores()) {
                for (int i = 0; i < o.scoreClasses().length; i++) {
                    if (o.scoreClasses()[i].equals(scoreClass)) {
                        s.add(o.scores()[i]);
                    }
                }
            }
        }
        return s;
    }

    private static double auc(List<Double> pos, List<Double> neg) {
        double u = 0;
        for (double p : pos) {
            for (double n : neg) {
                u += p > n ? 1 : p == n ? 0.5 : 0;
            }
        }
        return u / ((double) pos.size() * neg.size());
    }

    private static double ap(List<Double> pos, List<Double> neg) {
        TreeSet<Double> thresholds = new TreeSet<>(pos);
        thresholds.addAll(neg);
        double ap = 0;
        double recallPrev = 0;
        for (double t : thresholds.descendingSet()) {
            long tp = pos.stream().filter(s -> s >= t).count();
            long fp = neg.stream().filter(s -> s >= t).count();
            double recall = (double) tp / pos.size();
            ap += (recall - recallPrev) * tp / (tp + fp);
            recallPrev = recall;
        }
        return ap;
    }
}
