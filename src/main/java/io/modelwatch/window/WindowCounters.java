package io.modelwatch.window;

import java.util.concurrent.atomic.LongAdder;

/** Counts of the aggregation stage, for operators. */
public final class WindowCounters {

    private final LongAdder lateContributions = new LongAdder();
    private final LongAdder finals = new LongAdder();
    private final LongAdder updates = new LongAdder();
    private final LongAdder partials = new LongAdder();
    private final LongAdder mergedPartials = new LongAdder();
    private final LongAdder replayFencesExpired = new LongAdder();
    private final LongAdder partialsFolded = new LongAdder();
    private final LongAdder redeliveredPartials = new LongAdder();

    void lateContribution() {
        lateContributions.increment();
    }

    void emitted(boolean isFinal) {
        (isFinal ? finals : updates).increment();
    }

    void partialSent() {
        partials.increment();
    }

    void partialsFolded(int n) {
        partialsFolded.add(n);
    }

    /** Partials the merge folded into others (a window's deltas from one join partition summed in its store). */
    public long partialsFolded() {
        return partialsFolded.sum();
    }

    void redeliveredPartial() {
        redeliveredPartials.increment();
    }

    /** Partials read again (at-least-once after a crash) and ignored: the store held them already. */
    public long redeliveredPartials() {
        return redeliveredPartials.sum();
    }

    void replayFenceExpired() {
        replayFencesExpired.increment();
    }

    /**
     * Replay fences taken down after {@code REPLAY_FENCE_TIMEOUT} without the replay's end: a join task that
     * does not send one (another version) or a lost end; updates then resumed without waiting for it.
     */
    public long replayFencesExpired() {
        return replayFencesExpired.sum();
    }

    void mergedFinal(int partialCount) {
        mergedPartials.add(partialCount);
    }

    /**
     * Over the final records this instance emitted, the join partitions whose partials each merged:
     * divided by {@link #finalRecords()}, how widely the pairs of one window were spread.
     */
    public long mergedPartials() {
        return mergedPartials.sum();
    }

    /** Partial aggregates this instance's join tasks sent to the merge (pre-aggregation at work). */
    public long partialsSent() {
        return partials.sum();
    }

    public long lateContributions() {
        return lateContributions.sum();
    }

    public long finalRecords() {
        return finals.sum();
    }

    public long updateRecords() {
        return updates.sum();
    }
}
