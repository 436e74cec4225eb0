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
        Judgement j = judge(rule, v, value, enoughLabels, baseline);
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

    private static Judgement judge(AlertRule rule, MetricsView v, Double value, boolean enoughLabels,
                                   Double baseline) {
        if (value == null || !enoughLabels) {
            return Judgement.NOT_JUDGED;
        }
        Double threshold = rule.threshold(baseline);
        if (threshold == null) {
            return Judgement.NOT_JUDGED;
        }
        double[] interval = null;
        double compared = value;
        boolean lowerIsWorse = rule.condition().lowerIsWorse();
        if (rule.confidence() != null) {
            interval = v.interval(rule.metric(), value, rule.confidence());
            if (interval == null) {
                return Judgement.NOT_JUDGED; // no counts to bound the figure with
            }
            // breach only when the whole interval is on the wrong side of the threshold
            compared = lowerIsWorse ? interval[1] : interval[0];
        }
        boolean breach = lowerIsWorse ? compared < threshold : compared > threshold;
        return new Judgement(breach ? Lifecycle.Verdict.BREACH : Lifecycle.Verdict.HEALTHY, value, threshold,
                interval);
    }
}
