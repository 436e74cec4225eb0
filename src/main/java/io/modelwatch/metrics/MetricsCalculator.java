package io.modelwatch.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The figures of one window, computed from its {@link WindowAggregate} exactly as scikit-learn 1.2
 * defines them (zero_division = 0). See /work/shared/notes/metric-definitions.md.
 */
public final class MetricsCalculator {

    static final List<String> AVERAGED_KEYS = List.of("accuracy",
            "precision_micro", "recall_micro", "f1_micro",
            "precision_macro", "recall_macro", "f1_macro",
            "precision_weighted", "recall_weighted", "f1_weighted", "log_loss");
    static final List<String> BINARY_KEYS = List.of("precision", "recall", "f1", "brier_score",
            "roc_auc", "average_precision");
    static final List<String> MULTICLASS_KEYS = List.of("roc_auc_ovr", "roc_auc_ovr_weighted", "roc_auc_ovo");

    /**
     * The most classes whose confusion matrix is built for the record: a larger one, at least 2 bytes a cell
     * ("0,"), cannot fit a metrics record (1,000,000 bytes), and built densely it takes 8 bytes a cell (200 MB
     * for 5,000 classes) at every update. Every figure comes from the counts of the cells that are not 0.
     */
    public static final int MAX_MATRIX_CLASSES = 707;

    private MetricsCalculator() {
    }

    /** The figures as scikit-learn computes them, to the last bit (a final record's). */
    public static MetricsResult compute(WindowAggregate agg) {
        return compute(agg, true);
    }

    /**
     * @param asScikitLearn ROC AUC (binary, one-vs-rest, one-vs-one) as scikit-learn computes it, trapezoids under
     *                      the curve, to the last bit; else as the exact area (the Mann-Whitney statistic, within
     *                      1e-15 of it), several times cheaper: what an open window's updates, recomputed every
     *                      update interval, take, while a final takes scikit-learn's
     */
    public static MetricsResult compute(WindowAggregate agg, boolean asScikitLearn) {
        List<String> modelClasses = agg.modelClasses();
        List<String> labels = agg.labels();
        boolean binary = isBinary(agg);

        int k = labels.size();
        ClassCounts counts = ClassCounts.of(agg, labels);
        LinkedHashMap<String, ClassFigures> perClass = perClass(labels, counts);

        LinkedHashMap<String, Double> metrics = new LinkedHashMap<>();
        for (String key : AVERAGED_KEYS) {
            metrics.put(key, null);
        }
        for (String key : binary ? BINARY_KEYS : MULTICLASS_KEYS) {
            metrics.put(key, null);
        }
        if (k > 0) { // without a labelled pair every figure stays undefined
            averages(perClass, counts, metrics);
            metrics.put("log_loss", ratio(agg.logLossSum(), agg.logLossCount()));
            if (binary) {
                binaryFigures(agg, perClass, metrics, asScikitLearn);
            } else {
                multiclassFigures(agg, modelClasses, metrics, asScikitLearn);
            }
        }
        metrics.put("label_coverage", ratio(agg.labeled(), agg.predictions()));
        metrics.put("label_delay_mean_ms", ratio(agg.labelDelaySumMs(), agg.labeled()));
        return new MetricsResult(binary, labels, k <= MAX_MATRIX_CLASSES ? matrix(agg, labels) : null, perClass,
                metrics);
    }

    private static long[][] matrix(WindowAggregate agg, List<String> labels) {
        int k = labels.size();
        long[][] matrix = new long[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                matrix[i][j] = agg.confusionCount(labels.get(i), labels.get(j));
            }
        }
        return matrix;
    }

    /** Per class (in {@code labels}' order) its true positives, predictions and support: the matrix's diagonal,
     * column and row sums, from the cells that are not 0. */
    private record ClassCounts(long[] tp, long[] predicted, long[] support) {

        static ClassCounts of(WindowAggregate agg, List<String> labels) {
            int k = labels.size();
            HashMap<String, Integer> index = new HashMap<>(2 * k);
            for (int i = 0; i < k; i++) {
                index.put(labels.get(i), i);
            }
            ClassCounts c = new ClassCounts(new long[k], new long[k], new long[k]);
            agg.confusion.forEach((y, row) -> {
                int t = index.get(y);
                row.forEach((predicted, n) -> {
                    int p = index.get(predicted);
                    c.support[t] += n;
                    c.predicted[p] += n;
                    if (t == p) {
                        c.tp[t] += n;
                    }
                });
            });
            return c;
        }
    }

    /** The window's classes, scored and true, are within {0, 1}: it gets the binary figures. */
    static boolean isBinary(WindowAggregate agg) {
        return binaryClasses(agg.modelClasses()) && binaryClasses(agg.labels());
    }

    private static boolean binaryClasses(List<String> classes) {
        for (String c : classes) {
            if (!Outcomes.POSITIVE.equals(c) && !Outcomes.NEGATIVE.equals(c)) {
                return false;
            }
        }
        return true;
    }

    private static LinkedHashMap<String, ClassFigures> perClass(List<String> labels, ClassCounts counts) {
        LinkedHashMap<String, ClassFigures> perClass = new LinkedHashMap<>();
        for (int c = 0; c < labels.size(); c++) {
            perClass.put(labels.get(c), figures(counts.tp[c], counts.predicted[c], counts.support[c]));
        }
        return perClass;
    }

    /**
     * P, R and F1 from counts; 0 for any 0/0. scikit-learn's F1 is 2·P·R / (P + R); the same figure from the counts,
     * 2TP / (2TP + FP + FN), is one correctly rounded division, so an F1 of exactly 0.8 reads 0.8 (2·P·R / (P + R)
     * gave 0.7999999999999999 or 0.8000000000000002, and a rule "below: 0.8" fired or healed on rounding).
     */
    private static ClassFigures figures(long tp, long predicted, long support) {
        double p = predicted == 0 ? 0.0 : (double) tp / predicted;
        double r = support == 0 ? 0.0 : (double) tp / support;
        double f1 = tp == 0 ? 0.0 : 2.0 * tp / (2.0 * tp + (predicted - tp) + (support - tp));
        return new ClassFigures(p, r, f1, support);
    }

    private static void averages(LinkedHashMap<String, ClassFigures> perClass, ClassCounts counts,
                                 LinkedHashMap<String, Double> metrics) {
        long correct = 0;
        long total = 0;
        for (int c = 0; c < counts.tp.length; c++) {
            correct += counts.tp[c];
            total += counts.support[c];
        }
        metrics.put("accuracy", (double) correct / total);
        // micro: ΣTP / ΣPredicted and ΣTP / ΣSupport, both n for single-label data
        ClassFigures micro = figures(correct, total, total);
        metrics.put("precision_micro", micro.precision());
        metrics.put("recall_micro", micro.recall());
        metrics.put("f1_micro", micro.f1());

        // summed in numpy's order, as scikit-learn's np.average and np.nanmean sum them (PairwiseSum)
        int n = perClass.size();
        double[] p = new double[n];
        double[] r = new double[n];
        double[] f = new double[n];
        double[] pw = new double[n];
        double[] rw = new double[n];
        double[] fw = new double[n];
        long supports = 0;
        int i = 0;
        for (ClassFigures c : perClass.values()) {
            p[i] = c.precision();
            r[i] = c.recall();
            f[i] = c.f1();
            pw[i] = c.precision() * c.support();
            rw[i] = c.recall() * c.support();
            fw[i++] = c.f1() * c.support();
            supports += c.support();
        }
        metrics.put("precision_macro", PairwiseSum.of(p) / n);
        metrics.put("recall_macro", PairwiseSum.of(r) / n);
        metrics.put("f1_macro", PairwiseSum.of(f) / n);
        // every labelled pair has a true label in the label set, so supports > 0 here
        metrics.put("precision_weighted", PairwiseSum.of(pw) / supports);
        metrics.put("recall_weighted", PairwiseSum.of(rw) / supports);
        metrics.put("f1_weighted", PairwiseSum.of(fw) / supports);
    }

    private static void binaryFigures(WindowAggregate agg, LinkedHashMap<String, ClassFigures> perClass,
                                      LinkedHashMap<String, Double> metrics, boolean asScikitLearn) {
        // the positive class's figures; a window without "1" in its label set scores 0 (zero_division)
        ClassFigures positive = perClass.getOrDefault(Outcomes.POSITIVE, new ClassFigures(0, 0, 0, 0));
        metrics.put("precision", positive.precision());
        metrics.put("recall", positive.recall());
        metrics.put("f1", positive.f1());
        metrics.put("brier_score", ratio(agg.brierSum(), agg.brierCount()));
        ScoreCounts pos = agg.scoreCounts(Outcomes.POSITIVE, Outcomes.POSITIVE);
        ScoreCounts neg = agg.scoreCounts(Outcomes.NEGATIVE, Outcomes.POSITIVE);
        // both ranking figures are undefined unless both classes occur among the true labels
        if (!pos.isEmpty() && !neg.isEmpty()) {
            metrics.put("roc_auc", asScikitLearn ? Ranking.sklearnAuc(pos, neg) : Ranking.auc(pos, neg));
            metrics.put("average_precision", Ranking.averagePrecision(pos, neg));
        }
    }

    /**
     * One-vs-rest and one-vs-one AUC over the model's classes. scikit-learn needs every model
     * class among the true labels (and no true label outside them), else the figures are null.
     */
    private static void multiclassFigures(WindowAggregate agg, List<String> classes,
                                          LinkedHashMap<String, Double> metrics, boolean asScikitLearn) {
        List<String> trueLabels = agg.scoredTrueLabels();
        // every true label a class, and every class a true label (trueLabels has no duplicate): else a class
        // without a true sample leaves both figures undefined, and nothing need be ranked
        if (classes.size() < 2 || trueLabels.size() != classes.size() || !classes.containsAll(trueLabels)) {
            return;
        }
        int n = classes.size();
        HashMap<String, Integer> index = new HashMap<>(2 * n);
        for (int c = 0; c < n; c++) {
            index.put(classes.get(c), c);
        }
        // per true label y its scored pairs, and which classes its rows list: a class a row does not list scores
        // 0.0, so a column's cell (y, c) of no listed score is "scored[y] pairs at 0.0", ranked without a histogram
        long[] scored = new long[n];
        List<List<Integer>> listedBy = new ArrayList<>(n); // class c -> the true labels y whose rows list c
        for (int c = 0; c < n; c++) {
            listedBy.add(new ArrayList<>());
        }
        for (int y = 0; y < n; y++) {
            scored[y] = agg.scoredPairs(classes.get(y));
            for (String c : agg.listedClasses(classes.get(y))) {
                Integer at = index.get(c);
                if (at != null) { // not the pair count's own cell
                    listedBy.get(at).add(y);
                }
            }
        }
        double[] ovr = new double[n];
        // A(a|b) for a < b, a-major; then (A(a|b) + A(b|a)) / 2
        double[] pairs = new double[n * (n - 1) / 2];
        // one class's column at a time, the scores for class c of the pairs of each true label y: memory for a
        // column's listed cells, not n² histograms (a window of 2,000 classes took over 1 GB so)
        boolean[] listed = new boolean[n];
        for (int c = 0; c < n; c++) {
            String scoreClass = classes.get(c);
            ScoreCounts own = agg.scoreCounts(scoreClass, scoreClass);
            double againstZeros = asScikitLearn ? Ranking.sklearnAucAgainstZeros(own) : 0;
            long twiceUPerZero = asScikitLearn ? 0 : Ranking.twiceU(own, ZERO); // the exact area's, per negative at 0
            // one-vs-rest's negatives, every other true label's: merged for scikit-learn's curve; the exact area
            // adds up U, which is additive over a partition of the negatives
            ScoreHistogram rest = asScikitLearn ? new ScoreHistogram() : null;
            long restU = 0;
            long restTotal = 0;
            java.util.Arrays.fill(listed, false);
            for (int y : listedBy.get(c)) {
                listed[y] = true;
            }
            long restAtZero = 0;
            for (int y = 0; y < n; y++) {
                if (y == c) {
                    continue;
                }
                double cGivenY;
                restTotal += scored[y];
                if (asScikitLearn && listed[y]) {
                    ScoreCounts negatives = agg.scoreCounts(classes.get(y), scoreClass);
                    cGivenY = Ranking.sklearnAuc(own, negatives);
                    rest.addRun(negatives.scores, negatives.counts, negatives.size, 1);
                } else if (asScikitLearn) {
                    cGivenY = againstZeros;
                    restAtZero += scored[y];
                } else {
                    long twiceU = listed[y] ? Ranking.twiceU(own, agg.scoreCounts(classes.get(y), scoreClass))
                            : scored[y] * twiceUPerZero;
                    restU += twiceU;
                    cGivenY = Ranking.auc(twiceU, own.total, scored[y]);
                }
                if (c < y) {
                    pairs[pairIndex(c, y, n)] = cGivenY;
                } else {
                    int i = pairIndex(y, c, n);
                    pairs[i] = (pairs[i] + cGivenY) / 2;
                }
            }
            if (asScikitLearn) {
                rest.add(0.0, restAtZero);
                ovr[c] = Ranking.sklearnAuc(own, ScoreCounts.of(rest));
            } else {
                ovr[c] = Ranking.auc(restU, own.total, restTotal);
            }
        }
        // averaged as scikit-learn averages them (np.average: numpy's pairwise sums)
        double[] weightedOvr = new double[n];
        long prevalence = 0;
        for (int c = 0; c < n; c++) {
            weightedOvr[c] = ovr[c] * scored[c];
            prevalence += scored[c];
        }
        metrics.put("roc_auc_ovr", PairwiseSum.of(ovr) / n);
        metrics.put("roc_auc_ovr_weighted", PairwiseSum.of(weightedOvr) / prevalence);
        // Hand and Till: the mean over class pairs {a, b} of (A(a|b) + A(b|a)) / 2, scores not renormalised
        metrics.put("roc_auc_ovo", PairwiseSum.of(pairs) / pairs.length);
    }

    /** One pair at 0.0: a negative of a class its row does not list. */
    private static final ScoreCounts ZERO = ScoreCounts.of(new java.util.TreeMap<>(java.util.Map.of(0.0, 1L)));

    /** Where pair {a, b}, a < b, of n classes stands in a-major order. */
    private static int pairIndex(int a, int b, int n) {
        return a * (2 * n - a - 1) / 2 + (b - a - 1);
    }

    private static Double ratio(double sum, long count) {
        return count == 0 ? null : sum / count;
    }
}
