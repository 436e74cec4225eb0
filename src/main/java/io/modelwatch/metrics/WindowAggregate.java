package io.modelwatch.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything the metrics of one window (or of several merged windows) need, held exactly:
 * counters, the confusion matrix and, per true label and score class, the multiset of scores
 * (a histogram keyed by the exact double). Mergeable and retractable: every cell is a count or a
 * sum, and a cell that reaches zero disappears, so retracting what was added restores the
 * previous state.
 */
public final class WindowAggregate implements AggregateCells {

    long predictions;
    long labeled;
    double logLossSum;
    long logLossCount;
    double brierSum;
    long brierCount;
    long labelDelaySumMs;
    /** class set named by score rows (sorted, joined with \u0000) to number of predictions. */
    final Map<String, Long> universes = new HashMap<>();
    /** true label to predicted label to count. */
    final Map<String, Map<String, Long>> confusion = new HashMap<>();
    /** true label to score class to score to count. */
    final Map<String, Map<String, TreeMap<Double, Long>>> scores = new HashMap<>();

    public static WindowAggregate of(Iterable<Outcome> outcomes) {
        WindowAggregate agg = new WindowAggregate();
        for (Outcome o : outcomes) {
            agg.add(o, 1);
        }
        return agg;
    }

    public void add(Outcome outcome, int sign) {
        Outcomes.decompose(outcome, sign, this);
    }

    @Override
    public void header(long predictions, long labeled, double logLossSum, long logLossCount,
                       double brierSum, long brierCount, long labelDelaySumMs) {
        this.predictions += predictions;
        this.labeled += labeled;
        this.logLossSum += logLossSum;
        this.logLossCount += logLossCount;
        this.brierSum += brierSum;
        this.brierCount += brierCount;
        this.labelDelaySumMs += labelDelaySumMs;
        if (this.logLossCount == 0) {
            this.logLossSum = 0; // drop rounding residue once every term is retracted
        }
        if (this.brierCount == 0) {
            this.brierSum = 0;
        }
    }

    @Override
    public void universe(String[] classes, long count) {
        addCount(universes, String.join("\u0000", classes), count);
    }

    @Override
    public void confusion(String y, String predicted, long count) {
        Map<String, Long> row = confusion.computeIfAbsent(y, k -> new HashMap<>());
        addCount(row, predicted, count);
        if (row.isEmpty()) {
            confusion.remove(y);
        }
    }

    @Override
    public void score(String y, String scoreClass, double score, long count) {
        Map<String, TreeMap<Double, Long>> byClass = scores.computeIfAbsent(y, k -> new HashMap<>());
        TreeMap<Double, Long> histogram = byClass.computeIfAbsent(scoreClass, k -> new TreeMap<>());
        addCount(histogram, score, count);
        if (histogram.isEmpty()) {
            byClass.remove(scoreClass);
            if (byClass.isEmpty()) {
                scores.remove(y);
            }
        }
    }

    /** Adds ({@code sign} 1) or retracts ({@code sign} -1) another aggregate, cell by cell. */
    public void merge(WindowAggregate other, int sign) {
        header(sign * other.predictions, sign * other.labeled, sign * other.logLossSum, sign * other.logLossCount,
                sign * other.brierSum, sign * other.brierCount, sign * other.labelDelaySumMs);
        other.universes.forEach((k, v) -> addCount(universes, k, sign * v));
        other.confusion.forEach((y, row) -> row.forEach((p, v) -> confusion(y, p, sign * v)));
        other.scores.forEach((y, byClass) -> byClass.forEach((c, hist) ->
                hist.forEach((s, v) -> score(y, c, s, sign * v))));
    }

    /** True when no prediction and no cell remains (everything added was retracted). */
    public boolean isEmpty() {
        return predictions == 0 && labeled == 0 && logLossCount == 0 && brierCount == 0 && labelDelaySumMs == 0
                && universes.isEmpty() && confusion.isEmpty() && scores.isEmpty();
    }

    public WindowAggregate copy() {
        WindowAggregate c = new WindowAggregate();
        c.merge(this, 1);
        return c;
    }

    /**
     * Adds a whole (true label, score class) histogram given as an ascending run of distinct scores
     * with non-zero counts (see {@link AggregateCodec}); built in linear time when the histogram is new.
     */
    void addHistogram(String y, String scoreClass, AggregateCodec.SortedRun run) {
        if (run.size() == 0) {
            return;
        }
        Map<String, TreeMap<Double, Long>> byClass = scores.computeIfAbsent(y, k -> new HashMap<>());
        TreeMap<Double, Long> histogram = byClass.get(scoreClass);
        if (histogram == null) {
            byClass.put(scoreClass, new TreeMap<>(run));
            return;
        }
        for (int i = 0; i < run.scores.length; i++) {
            addCount(histogram, run.scores[i], run.counts[i]);
        }
        if (histogram.isEmpty()) {
            byClass.remove(scoreClass);
            if (byClass.isEmpty()) {
                scores.remove(y);
            }
        }
    }

    static <K> void addCount(Map<K, Long> map, K key, long delta) {
        if (delta == 0) {
            return;
        }
        long v = map.getOrDefault(key, 0L) + delta;
        if (v == 0) {
            map.remove(key);
        } else {
            map.put(key, v);
        }
    }

    // ---- read side, for the metrics calculation ----

    public long predictions() {
        return predictions;
    }

    public long labeled() {
        return labeled;
    }

    public double logLossSum() {
        return logLossSum;
    }

    public long logLossCount() {
        return logLossCount;
    }

    public double brierSum() {
        return brierSum;
    }

    public long brierCount() {
        return brierCount;
    }

    public long labelDelaySumMs() {
        return labelDelaySumMs;
    }

    /** Classes named by the score rows of the window's predictions (the model's classes), sorted. */
    public List<String> modelClasses() {
        TreeSet<String> classes = new TreeSet<>();
        for (String u : universes.keySet()) {
            if (!u.isEmpty()) {
                classes.addAll(Arrays.asList(u.split("\u0000", -1)));
            }
        }
        return new ArrayList<>(classes);
    }

    /** The sorted union of true and predicted labels of the labelled pairs (scikit-learn's default label set). */
    public List<String> labels() {
        TreeSet<String> labels = new TreeSet<>(confusion.keySet());
        confusion.values().forEach(row -> labels.addAll(row.keySet()));
        return new ArrayList<>(labels);
    }

    public long confusionCount(String y, String predicted) {
        Map<String, Long> row = confusion.get(y);
        return row == null ? 0 : row.getOrDefault(predicted, 0L);
    }

    /** Scores for {@code scoreClass} of the pairs whose true label is {@code y}: score to count, ascending. */
    public TreeMap<Double, Long> scoreHistogram(String y, String scoreClass) {
        Map<String, TreeMap<Double, Long>> byClass = scores.get(y);
        TreeMap<Double, Long> h = byClass == null ? null : byClass.get(scoreClass);
        return h == null ? new TreeMap<>() : h;
    }

    /** True labels that have at least one scored pair. */
    public List<String> scoredTrueLabels() {
        return new ArrayList<>(new TreeSet<>(scores.keySet()));
    }

    /** Exact equality of the counted cells; loss sums within {@code tolerance}. */
    public boolean sameAs(WindowAggregate o, double tolerance) {
        return predictions == o.predictions && labeled == o.labeled && logLossCount == o.logLossCount
                && brierCount == o.brierCount && labelDelaySumMs == o.labelDelaySumMs
                && Math.abs(logLossSum - o.logLossSum) <= tolerance && Math.abs(brierSum - o.brierSum) <= tolerance
                && universes.equals(o.universes) && confusion.equals(o.confusion) && scores.equals(o.scores);
    }

    @Override
    public String toString() {
        return "WindowAggregate{predictions=" + predictions + ", labeled=" + labeled + ", confusion=" + confusion
                + ", logLoss=" + logLossSum + "/" + logLossCount + ", brier=" + brierSum + "/" + brierCount
                + ", delaySum=" + labelDelaySumMs + ", universes=" + universes + ", scores=" + scores + '}';
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WindowAggregate w && sameAs(w, 0.0);
    }

    @Override
    public int hashCode() {
        return Objects.hash(predictions, labeled, confusion);
    }
}
