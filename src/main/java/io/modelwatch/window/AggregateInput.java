package io.modelwatch.window;

import io.modelwatch.metrics.Outcome;

/** What the join sends to the window aggregation: contributions, and watermarks telling its progress. */
public sealed interface AggregateInput permits AggregateInput.Contribution, AggregateInput.Partial, AggregateInput.Watermark,
        AggregateInput.Reset, AggregateInput.Replayed, AggregateInput.Idle, AggregateInput.Flush {

    /**
     * Replace {@code retract} by {@code add} in the window starting at {@code windowStart}; either may be
     * null (a first contribution has nothing to retract, an expiry nothing to add).
     */
    record Contribution(long windowStart, Outcome retract, Outcome add) implements AggregateInput {
    }

    /**
     * What changed in one window at join partition {@code sourcePartition} since its previous partial for
     * that window ({@link io.modelwatch.metrics.AggregateCodec} form; cells may be negative: retractions).
     * The merge adds every partial of a window; since the last {@link Reset} of the partition they sum to
     * what the partition's pending entries hold for the window. {@code isFinal}: the partition closed the
     * window and sends nothing more for it.
     */
    record Partial(long windowStart, int sourcePartition, boolean isFinal, byte[] aggregate) implements AggregateInput {
    }

    /**
     * Join partition {@code sourcePartition} of {@code sourcePartitions} has seen event time up to
     * {@code streamTimeMs}; windows close when every join partition has passed their close time.
     */
    record Watermark(int sourcePartition, int sourcePartitions, long streamTimeMs) implements AggregateInput {
    }

    /**
     * Join partition {@code sourcePartition} (re)started: forget its partials of every window closing after
     * {@code closedThrough} (its last watermark sent); it sends them again whole, from its stored entries.
     * Its partials of windows closing at or before that are complete and stay. Sent to every merge partition.
     */
    record Reset(int sourcePartition, int sourcePartitions, long closedThrough) implements AggregateInput {
    }

    /**
     * Join partition {@code sourcePartition} finished its replay: every partial it re-sent after its last
     * {@link Reset} is ahead of this on every merge partition (with exactly-once, in the same transaction). Until it
     * arrives the merge holds its updates, which would show the windows without that partition's entries.
     * Sent to every merge partition.
     */
    record Replayed(int sourcePartition) implements AggregateInput {
    }

    /**
     * Join partition {@code sourcePartition} of {@code sourcePartitions} has read nothing for a while. Only
     * with {@code repartition-inputs: false}, where a join task's time is its own input partition's: windows
     * then close without it (as if it had no traffic at all) until it sends a watermark again; it says so
     * again every idle period while quiet. Sent to every merge partition.
     */
    record Idle(int sourcePartition, int sourcePartitions) implements AggregateInput {
    }

    /**
     * Inside the join task only, after its replay: the pre-aggregation sends what it holds now, so the
     * replayed partials follow the reset at once rather than at the next update interval.
     */
    record Flush() implements AggregateInput {
    }
}
