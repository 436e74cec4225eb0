package io.modelwatch.alerts;

/**
 * Judges one metrics record against one rule and advances the rule's state: learns the baseline,
 * applies {@code min_labeled} and {@code confidence}, then runs the {@link Lifecycle}. Pure: no
 * Kafka in here.
 */
final class Evaluation {

    /** The verdict and the figures an alert reports. */
    record Judgement(Lifecycle.Verdict verdict, Double value, Double threshold, double[] interval) {
        static final Judgement NOT_JUDGED = new Judgement(Lifecycle.Verdict.NOT_JUDGED, null, null, null);
    }

    record Result(AlertState state, Lifecycle.Event event, Judgement judgement) {
    }

    private Evaluation() {
    }

    /** Whether the rule looks at this record at all (model, version, rolling span, final or update). */
    static boolean selects(AlertRule rule, MetricsView v) {
        return rule.enabled() && rule.rolling() == v.rolling && (v.isFinal || rule.onUpdates())
                && rule.appliesTo(v.modelId, v.modelVersion);
    }

    static Result evaluate(AlertRule rule, MetricsView v, AlertState state) {
        long position = v.newestWindowStart();
        boolean fresh = position > state.lastFinalStart;
        if (!fresh) {
            return new Result(state, Lifecycle.Event.NONE, Judgement.NOT_JUDGED); // re-delivered or already final
        }
        AlertState working = state;
        Double value = v.zeroOverZero(rule.metric()) ? null : v.value(rule.metric());
        boolean enoughLabels = sampleSize(rule, v) >= rule.minLabeled();
        Double baseline = null;
        if (rule.condition().usesBaseline()) {
            if (rule.pinnedBaseline() != null) {
                baseline = rule.pinnedBaseline();
            } else {
                if (!rule.baselineSpec().equals(state.baselineSpec)) {
                    working = state.copy();
                    working.baselineSpec = rule.baselineSpec();
                    working.baselineCount = 0;
                    working.baselineSum = 0;
                }
                baseline = working.learnedBaseline(rule.baselineWindows());
                if (baseline == null) {
                    // still learning: a reliable closed window joins the baseline, nothing is judged
                    if (v.isFinal && enoughLabels && value != null) {
                        if (working == state) {
                            working = state.copy();
                        }
                        working.baselineCount++;
                        working.baselineSum += value;
                    }
                    Lifecycle.Step step = Lifecycle.step(working, Lifecycle.Verdict.NOT_JUDGED, v.isFinal,
                            position, rule.forWindows(), rule.resolveAfter());
                    return new Result(step.state(), step.event(), Judgement.NOT_JUDGED);
                }
            }
        }
        Judgement j = judge(rule, v, value, enoughLabels, baseline, working.firing);
        Lifecycle.Step step = Lifecycle.step(working, j.verdict(), v.isFinal, position, rule.forWindows(),
                rule.resolveAfter());
        return new Result(step.state(), step.event(), j);
    }

    /**
     * What {@code min_labeled} counts: the labelled pairs, but the predictions for {@code label_coverage}, whose
     * windows without a label are the ones it is there to catch.
     */
    static long sampleSize(AlertRule rule, MetricsView v) {
        return "label_coverage".equals(rule.metric()) ? v.predictions : v.labeled;
    }

    /**
     * The threshold moved by the margin, added as the decimals they were written as: in doubles 0.8 + 0.05 is
     * 0.8500000000000001, and a figure of exactly 0.85 would not have counted healthy.
     */
    static double resolveLine(double threshold, double margin) {
        return java.math.BigDecimal.valueOf(threshold).add(java.math.BigDecimal.valueOf(margin)).doubleValue();
    }

    private static Judgement judge(AlertRule rule, MetricsView v, Double value, boolean enoughLabels,
                                   Double baseline, boolean firing) {
        if (value == null || !enoughLabels) {
            return Judgement.NOT_JUDGED;
        }
        Double threshold = rule.threshold(baseline);
        if (threshold == null) {
            return Judgement.NOT_JUDGED;
        }
        boolean lowerIsWorse = rule.condition().lowerIsWorse();
        boolean pointBreaches = lowerIsWorse ? value < threshold : value > threshold;
        // hysteresis: while the episode fires, a figure past the threshold by less than resolve_margin is neither
        // a breach nor healthy, so that one hovering at the threshold does not resolve and fire again every window
        // the line never asks for better than the baseline itself: with a learned baseline near the end of the range
        // threshold + margin could lie beyond it (1.01), and the episode would never resolve
        double line = resolveLine(threshold, lowerIsWorse ? rule.resolveMargin() : -rule.resolveMargin());
        if (baseline != null && rule.pinnedBaseline() == null) { // a pinned one's line is checked when loaded
            line = lowerIsWorse ? Math.min(line, baseline) : Math.max(line, baseline);
        }
        boolean inMargin = firing && !pointBreaches && rule.resolveMargin() > 0
                && (lowerIsWorse ? value < line : value > line);
        if (rule.confidence() == null) {
            return pointBreaches ? new Judgement(Lifecycle.Verdict.BREACH, value, threshold, null)
                    : inMargin ? Judgement.NOT_JUDGED : new Judgement(Lifecycle.Verdict.HEALTHY, value, threshold, null);
        }
        double[] interval = v.interval(rule.metric(), value, rule.confidence());
        if (interval == null) {
            return Judgement.NOT_JUDGED; // no counts to bound the figure with
        }
        // a breach when the whole interval is on the wrong side of the threshold; healthy when the figure itself
        // is on the right side; in between (worse than the threshold, not significantly) neither. Builds before the
        // 44th session counted those healthy: they resolved episodes whose figure stayed below the floor
        boolean significant = lowerIsWorse ? interval[1] < threshold : interval[0] > threshold;
        if (significant) {
            return new Judgement(Lifecycle.Verdict.BREACH, value, threshold, interval);
        }
        return pointBreaches || inMargin ? Judgement.NOT_JUDGED
                : new Judgement(Lifecycle.Verdict.HEALTHY, value, threshold, interval);
    }
}
