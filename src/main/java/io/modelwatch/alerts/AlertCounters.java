package io.modelwatch.alerts;

import java.util.concurrent.atomic.LongAdder;

/** Live counters of the alert stage (judged windows, alerts emitted, rejected topic rules). */
public final class AlertCounters {

    private final LongAdder breaching = new LongAdder();
    private final LongAdder healthy = new LongAdder();
    private final LongAdder notJudged = new LongAdder();
    private final LongAdder firing = new LongAdder();
    private final LongAdder resolved = new LongAdder();
    private final LongAdder invalidTopicRules = new LongAdder();

    void evaluated(Lifecycle.Verdict verdict) {
        switch (verdict) {
            case BREACH -> breaching.increment();
            case HEALTHY -> healthy.increment();
            case NOT_JUDGED -> notJudged.increment();
        }
    }

    void emitted(Lifecycle.Event event) {
        if (event == Lifecycle.Event.FIRING) {
            firing.increment();
        } else if (event == Lifecycle.Event.RESOLVED) {
            resolved.increment();
        }
    }

    void invalidTopicRule() {
        invalidTopicRules.increment();
    }

    public long breaching() {
        return breaching.sum();
    }

    public long healthy() {
        return healthy.sum();
    }

    public long notJudged() {
        return notJudged.sum();
    }

    public long firing() {
        return firing.sum();
    }

    public long resolved() {
        return resolved.sum();
    }

    public long invalidTopicRules() {
        return invalidTopicRules.sum();
    }
}
