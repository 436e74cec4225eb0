package io.modelwatch.metrics;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
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
        NavigableMap<Double, Long> pos = agg.scoreHistogram(Outcomes.POSITIVE, Outcomes.POSITIVE).descendingMap();
        NavigableMap<Double, Long> neg = agg.scoreHistogram(Outcomes.NEGATIVE, Outcomes.POSITIVE).descendingMap();
        long p = pos.values().stream().mapToLong(Long::longValue).sum();
        long n = neg.values().stream().mapToLong(Long::longValue).sum();
        if (p == 0 || n == 0) {
            return Optional.empty();
        }
        List<Point> points = new ArrayList<>();
        Iterator<Map.Entry<Double, Long>> pi = pos.entrySet().iterator();
        Iterator<Map.Entry<Double, Long>> ni = neg.entrySet().iterator();
        Map.Entry<Double, Long> pe = pi.hasNext() ? pi.next() : null;
        Map.Entry<Double, Long> ne = ni.hasNext() ? ni.next() : null;
        long tp = 0;
        long fp = 0;
        Point best = null;
        while (pe != null || ne != null) {
            double t = Math.max(pe == null ? Double.NEGATIVE_INFINITY : pe.getKey(),
                    ne == null ? Double.NEGATIVE_INFINITY : ne.getKey());
            if (pe != null && pe.getKey() == t) {
                tp += pe.getValue();
                pe = pi.hasNext() ? pi.next() : null;
            }
            if (ne != null && ne.getKey() == t) {
                fp += ne.getValue();
                ne = ni.hasNext() ? ni.next() : null;
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
