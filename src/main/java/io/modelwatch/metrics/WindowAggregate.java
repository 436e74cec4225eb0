package io.modelwatch.metrics;

import java.util.ArrayList;
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
    /**
     * Score class to the number of predictions whose row names it. Per class, not per class set: a model whose
     * rows name varying subsets of its classes (zero scores left out) made an entry of the whole set's names per
     * prediction, kept for every open window and key and sent in every partial (30 KB per unlabelled prediction
     * naming 500 of 1,000 classes: a 512 MB heap ran out).
     */
    final Map<String, Long> namedClasses = new HashMap<>();
    /** true label to predicted label to count. */
    final Map<String, Map<String, Long>> confusion = new HashMap<>();
    /** true label to score class to the multiset of scores. */
    final Map<String, Map<String, ScoreHistogram>> scores = new HashMap<>();

    /** False for a window's contents; true for a set of changes to them (see {@link #forChanges()}). */
    private final boolean changes;

    public WindowAggregate() {
        this(false);
    }

    private WindowAggregate(boolean changes) {
        this.changes = changes;
    }

    /**
     * An aggregate of changes (what a join partition sends as a partial): cells may be negative and a
     * loss sum may be non-zero with a zero count; added to a window's aggregate it gives the new contents.
     */
    public static WindowAggregate forChanges() {
        return new WindowAggregate(true);
    }

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
        // a window with no term left has a zero sum: drop the rounding residue. Not in a set of changes,
        // where a zero count with a non-zero sum is real (a relabelled pair changes its loss, not the count)
        if (!changes && this.logLossCount == 0) {
            this.logLossSum = 0;
        }
        if (!changes && this.brierCount == 0) {
            this.brierSum = 0;
        }
    }

    @Override
    public void classesNamed(String[] classes, long count) {
        for (String c : classes) {
            addCount(namedClasses, c, count);
        }
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
        // an emptied histogram is pruned when read (pruneEmptyHistograms): checking here would settle it per add
        histogram(y, scoreClass).add(score, count);
    }

    private ScoreHistogram histogram(String y, String scoreClass) {
        Map<String, ScoreHistogram> byClass = scores.get(y);
        if (byClass == null) {
            byClass = new HashMap<>();
            scores.put(y, byClass);
        }
        ScoreHistogram h = byClass.get(scoreClass);
        if (h == null) {
            h = new ScoreHistogram();
            byClass.put(sharedName(scoreClass), h);
        }
        return h;
    }

    /**
     * One String per class name for the whole window: each decoded partial brings its own copies, and a window of
     * C classes that all occur as true labels keys C² histograms by them (a million copies for 1,000 classes).
     */
    private String sharedName(String name) {
        String shared = names.putIfAbsent(name, name);
        return shared == null ? name : shared;
    }

    private final Map<String, String> names = new HashMap<>();

    /** Drops histograms whose every score was retracted, so the maps hold only live cells. */
    private void pruneEmptyHistograms() {
        scores.values().removeIf(byClass -> {
            byClass.values().removeIf(ScoreHistogram::isEmpty);
            return byClass.isEmpty();
        });
    }

    /** Adds ({@code sign} 1) or retracts ({@code sign} -1) another aggregate, cell by cell. */
    public void merge(WindowAggregate other, int sign) {
        header(sign * other.predictions, sign * other.labeled, sign * other.logLossSum, sign * other.logLossCount,
                sign * other.brierSum, sign * other.brierCount, sign * other.labelDelaySumMs);
        other.namedClasses.forEach((k, v) -> addCount(namedClasses, k, sign * v));
        other.confusion.forEach((y, row) -> row.forEach((p, v) -> confusion(y, p, sign * v)));
        other.scores.forEach((y, byClass) -> byClass.forEach((c, hist) -> histogram(y, c).merge(hist, sign)));
        pruneEmptyHistograms();
    }

    /** True when no prediction and no cell remains (everything added was retracted). */
    public boolean isEmpty() {
        pruneEmptyHistograms();
        return predictions == 0 && labeled == 0 && logLossCount == 0 && brierCount == 0 && labelDelaySumMs == 0
                && namedClasses.isEmpty() && confusion.isEmpty() && scores.isEmpty();
    }

    public WindowAggregate copy() {
        WindowAggregate c = new WindowAggregate();
        c.merge(this, 1);
        return c;
    }

    /**
     * Adds a whole (true label, score class) histogram given as an ascending run of distinct scores
     * with their counts (see {@link AggregateCodec}): a linear merge for a large run, the histogram's pending
     * table for a small one (see {@link ScoreHistogram#addRun}).
     */
    void addHistogram(String y, String scoreClass, double[] runScores, long[] runCounts, int n) {
        if (n == 0) {
            return;
        }
        // an emptied histogram is pruned when read, as in score(): isEmpty() here would settle it per run
        histogram(y, scoreClass).addRun(runScores, runCounts, n, 1);
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

    /** Classes in Unicode code point order, as scikit-learn (numpy) sorts them. */
    static final java.util.Comparator<String> CODE_POINT_ORDER = io.modelwatch.CodePointOrder.COMPARATOR;

    /** Classes named by the score rows of the window's predictions (the model's classes), sorted by code point. */
    public List<String> modelClasses() {
        List<String> sorted = new ArrayList<>(namedClasses.keySet());
        sorted.sort(CODE_POINT_ORDER);
        return sorted;
    }

    /**
     * The union of true and predicted labels of the labelled pairs in code point order (scikit-learn's default label
     * set and order).
     */
    public List<String> labels() {
        TreeSet<String> labels = new TreeSet<>(CODE_POINT_ORDER);
        labels.addAll(confusion.keySet());
        confusion.values().forEach(row -> labels.addAll(row.keySet()));
        return new ArrayList<>(labels);
    }

    public long confusionCount(String y, String predicted) {
        Map<String, Long> row = confusion.get(y);
        return row == null ? 0 : row.getOrDefault(predicted, 0L);
    }

    /**
     * Scores for {@code scoreClass} of the pairs whose true label is {@code y}, ascending, as primitive arrays;
     * a scored pair that lists no score for the class counts at 0.0 (its probability, as log loss reads it).
     */
    ScoreCounts scoreCounts(String y, String scoreClass) {
        Map<String, ScoreHistogram> byClass = scores.get(y);
        ScoreHistogram h = byClass == null ? null : byClass.get(scoreClass);
        ScoreCounts listed = h == null ? ScoreCounts.EMPTY : ScoreCounts.of(h);
        ScoreHistogram scored = byClass == null ? null : byClass.get(Outcomes.SCORED_PAIRS);
        return scored == null ? listed : listed.withZeros(total(scored) - listed.total);
    }

    /** Scored pairs whose true label is {@code y}: each ranks every class, at 0.0 where its row lists none. */
    long scoredPairs(String y) {
        Map<String, ScoreHistogram> byClass = scores.get(y);
        ScoreHistogram scored = byClass == null ? null : byClass.get(Outcomes.SCORED_PAIRS);
        return scored == null ? 0 : total(scored);
    }

    /**
     * The score classes that the rows of the pairs of true label {@code y} list, with a score other than their
     * pair count ({@link Outcomes#SCORED_PAIRS}); live cells only after {@link #scoredTrueLabels()}.
     */
    java.util.Set<String> listedClasses(String y) {
        Map<String, ScoreHistogram> byClass = scores.get(y);
        return byClass == null ? java.util.Set.of() : byClass.keySet();
    }

    private static long total(ScoreHistogram h) {
        long n = 0;
        for (int i = 0; i < h.size(); i++) {
            n += h.counts()[i];
        }
        return n;
    }

    /** Scores for {@code scoreClass} of the pairs whose true label is {@code y}: score to count, ascending. */
    public TreeMap<Double, Long> scoreHistogram(String y, String scoreClass) {
        TreeMap<Double, Long> out = new TreeMap<>();
        Map<String, ScoreHistogram> byClass = scores.get(y);
        ScoreHistogram h = byClass == null ? null : byClass.get(scoreClass);
        if (h != null) {
            int n = h.size();
            for (int i = 0; i < n; i++) {
                out.put(h.scores()[i], h.counts()[i]);
            }
        }
        return out;
    }

    /** True labels that have at least one scored pair. */
    public List<String> scoredTrueLabels() {
        pruneEmptyHistograms();
        return new ArrayList<>(new TreeSet<>(scores.keySet()));
    }

    /** Exact equality of the counted cells; loss sums within {@code tolerance}. */
    public boolean sameAs(WindowAggregate o, double tolerance) {
        pruneEmptyHistograms();
        o.pruneEmptyHistograms();
        return predictions == o.predictions && labeled == o.labeled && logLossCount == o.logLossCount
                && brierCount == o.brierCount && labelDelaySumMs == o.labelDelaySumMs
                && Math.abs(logLossSum - o.logLossSum) <= tolerance && Math.abs(brierSum - o.brierSum) <= tolerance
                && namedClasses.equals(o.namedClasses) && confusion.equals(o.confusion) && sameScores(o);
    }

    private boolean sameScores(WindowAggregate o) {
        if (!scores.keySet().equals(o.scores.keySet())) {
            return false;
        }
        for (Map.Entry<String, Map<String, ScoreHistogram>> e : scores.entrySet()) {
            Map<String, ScoreHistogram> theirs = o.scores.get(e.getKey());
            if (!e.getValue().keySet().equals(theirs.keySet())) {
                return false;
            }
            for (Map.Entry<String, ScoreHistogram> h : e.getValue().entrySet()) {
                if (!h.getValue().sameAs(theirs.get(h.getKey()))) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public String toString() {
        pruneEmptyHistograms();
        return "WindowAggregate{predictions=" + predictions + ", labeled=" + labeled + ", confusion=" + confusion
                + ", logLoss=" + logLossSum + "/" + logLossCount + ", brier=" + brierSum + "/" + brierCount
                + ", delaySum=" + labelDelaySumMs + ", namedClasses=" + namedClasses + ", scores=" + scores + '}';
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
