package io.modelwatch.join;

import java.util.concurrent.atomic.LongAdder;

/** Counts of what the join dropped or expired, for operators (exported as metrics). */
public final class JoinCounters {

    private final LongAdder latePredictions = new LongAdder();
    private final LongAdder lateLabels = new LongAdder();
    private final LongAdder duplicatePredictions = new LongAdder();
    private final LongAdder expired = new LongAdder();

    void latePrediction() {
        latePredictions.increment();
    }

    void lateLabel() {
        lateLabels.increment();
    }

    void duplicatePrediction() {
        duplicatePredictions.increment();
    }

    void expired() {
        expired.increment();
    }

    public long latePredictions() {
        return latePredictions.sum();
    }

    public long lateLabels() {
        return lateLabels.sum();
    }

    public long duplicatePredictions() {
        return duplicatePredictions.sum();
    }

    public long expiredEntries() {
        return expired.sum();
    }
}
