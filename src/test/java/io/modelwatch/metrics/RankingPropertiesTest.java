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
