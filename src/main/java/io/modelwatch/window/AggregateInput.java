package io.modelwatch.window;

import io.modelwatch.metrics.Outcome;

/** What the join sends to the window aggregation: contributions, and watermarks telling its progress. */
public sealed interface AggregateInput permits AggregateInput.Contribution, AggregateInput.Partial, AggregateInput.Watermark {

    /**
     * Replace {@code retract} by {@code add} in the window starting at {@code windowStart}; either may be
     * null (a first contribution has nothing to retract, an expiry nothing to add).
     */
    record Contribution(long windowStart, Outcome retract, Outcome add) implements AggregateInput {
    }

    /**
     * The whole pre-aggregate of one window as join partition {@code sourcePartition} holds it now
     * ({@link io.modelwatch.metrics.AggregateCodec} form; empty when everything was retracted). The merge keeps the latest per
     * partition, so a repeated or superseded partial never counts twice. {@code isFinal}: the partition
     * closed the window and sends nothing more for it.
     */
    record Partial(long windowStart, int sourcePartition, boolean isFinal, byte[] aggregate) implements AggregateInput {
    }

    /**
     * Join partition {@code sourcePartition} of {@code sourcePartitions} has seen event time up to
     * {@code streamTimeMs}; windows close when every join partition has passed their close time.
     */
    record Watermark(int sourcePartition, int sourcePartitions, long streamTimeMs) implements AggregateInput {
    }
}
