package io.modelwatch.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * ROC and precision-recall curves of a binary window, exact (one point per distinct score), and
 * the threshold that maximises F1 when predicting positive for scores at or above it.
 */
public final class Curves {

    /** A threshold and the figures of predicting positive at or above it. */
    public record Point(double threshold, double fpr, double tpr, double precision, double recall, double f1) {
    }

    public record Result(List<Point> points, Point bestF1, long positives, long negatives) {
    }

    private Curves() {
    }

    /** Empty unless the window is binary with both classes among the true labels. */
    public static Optional<Result> of(WindowAggregate agg) {
        if (!MetricsCalculator.isBinary(agg)) {
            // classes 0, 1 and 2: the pairs of class 1 against those of class 0 alone would be no curve of it
            return Optional.empty();
        }
        ScoreCounts pos = agg.scoreCounts(Outcomes.POSITIVE, Outcomes.POSITIVE);
        ScoreCounts neg = agg.scoreCounts(Outcomes.NEGATIVE, Outcomes.POSITIVE);
        long p = pos.total;
        long n = neg.total;
        if (p == 0 || n == 0) {
            return Optional.empty();
        }
        List<Point> points = new ArrayList<>();
        // thresholds from the highest score down: each distinct score adds its pairs to the positives
        int i = pos.size - 1;
        int j = neg.size - 1;
        long tp = 0;
        long fp = 0;
        Point best = null;
        while (i >= 0 || j >= 0) {
            double t = Math.max(i < 0 ? Double.NEGATIVE_INFINITY : pos.scores[i],
                    j < 0 ? Double.NEGATIVE_INFINITY : neg.scores[j]);
            if (i >= 0 && pos.scores[i] == t) {
                tp += pos.counts[i--];
            }
            if (j >= 0 && neg.scores[j] == t) {
                fp += neg.counts[j--];
            }
            double precision = (double) tp / (tp + fp);
            double recall = (double) tp / p;
            double f1 = tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + (p - tp));
            Point point = new Point(t, (double) fp / n, recall, precision, recall, f1);
            points.add(point);
            if (best == null || f1 > best.f1()) {
                best = point;
            }
        }
        return Optional.of(new Result(points, best, p, n));
    }
}
