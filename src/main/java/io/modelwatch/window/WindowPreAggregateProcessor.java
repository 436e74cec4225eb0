package io.modelwatch.window;

import io.modelwatch.metrics.AggregateCodec;
import io.modelwatch.metrics.Outcomes;
import io.modelwatch.metrics.WindowAggregate;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Pre-aggregation inside the join task: the pairs of this join partition are summed where they are made,
 * so a busy model's work is spread over every join partition instead of landing on the one task that owns
 * its key, and no record per pair crosses a topic. What goes downstream is the <em>change</em> of each
 * window since its previous partial (a delta, in {@link AggregateCodec} form): for changed windows four
 * times per update interval, early when a delta grows large (a record stays far below the topic's size limit), and
 * once more, marked final, when this partition's event time passes the window's close. So a partial
 * costs what changed, not what the window holds, and this stage keeps only the unsent deltas in memory.
 *
 * <p>Exactly-once across restarts: unsent deltas are lost with the task, but the join's entries they came
 * from are committed. So when the task starts, the join first sends a {@link AggregateInput.Reset} (the
 * merge forgets this partition's partials of windows still open here) and then replays every pending
 * entry of those windows as contributions, which this stage sends on as ordinary deltas: the merge then
 * holds exactly what the committed entries imply.
 */
final class WindowPreAggregateProcessor
        implements Processor<AggregationKey, AggregateInput, AggregationKey, AggregateInput> {

    /**
     * Encoded bytes a delta may reach, by {@link #encodedBytesBound}, before it is sent early: with the largest
     * contribution on top (a prediction of 1,000 classes of 256 bytes, bounded at about 2.4 MB) it stays below
     * the internal topics' 8 MiB record limit. Counted in bytes, not cells: a cell's size grows with its class
     * names, and 200,000 cells of 300 classes named by 100-byte paths came to 8.7 MB, which the broker refused
     * at every retry of the stream thread, for every model.
     */
    static final long MAX_DELTA_BYTES = 4L << 20;

    private final WindowSpec windows;
    private final Duration updateInterval;
    private final WindowCounters counters;

    private ProcessorContext<AggregationKey, AggregateInput> context;
    private int partition;
    /** Event time through which this partition's windows are closed; contributions never go below it. */
    private long closedThrough = Long.MIN_VALUE;
    /** Unsent changes of open windows, by window start, then by aggregation key. */
    private final NavigableMap<Long, Map<AggregationKey, Delta>> deltas = new TreeMap<>();

    /** The changes of one window and key since its last partial, and a bound of their encoded size. */
    private static final class Delta {
        final WindowAggregate changes = WindowAggregate.forChanges();
        long bytes;
    }

    WindowPreAggregateProcessor(WindowSpec windows, Duration updateInterval, WindowCounters counters) {
        this.windows = windows;
        this.updateInterval = updateInterval;
        this.counters = counters;
    }

    @Override
    public void init(ProcessorContext<AggregationKey, AggregateInput> context) {
        // Streams may init the same instance again when a task comes back (standby promoted, active
        // recycled): deltas from before belong to the old incarnation, which the join's reset discards
        this.context = context;
        deltas.clear();
        closedThrough = Long.MIN_VALUE;
        this.partition = context.taskId().partition();
        if (!updateInterval.isZero()) {
            context.schedule(sendInterval(updateInterval), PunctuationType.WALL_CLOCK_TIME, t -> sendAll());
        }
    }

    @Override
    public void process(Record<AggregationKey, AggregateInput> record) {
        AggregateInput value = record.value();
        if (value instanceof AggregateInput.Watermark w) {
            closeThrough(w.streamTimeMs());
            context.forward(record); // after the final partials it vouches for
            return;
        }
        if (value instanceof AggregateInput.Reset reset) {
            // the join (re)started this partition; the replayed entries follow, then a flush
            closedThrough = reset.closedThrough();
            context.forward(record);
            return;
        }
        if (value instanceof AggregateInput.Idle) {
            // the merge will close windows without this partition: first everything it holds for them
            // (with a zero update interval nothing else would send it before this partition's own close)
            sendAll();
            context.forward(record);
            return;
        }
        if (value instanceof AggregateInput.Flush) {
            // the replay's end: its partials, then the marker that lets the merge show updates again
            sendAll();
            context.forward(record.withValue(new AggregateInput.Replayed(partition)));
            return;
        }
        AggregateInput.Contribution c = (AggregateInput.Contribution) value;
        if (windows.closeTime(c.windowStart()) <= closedThrough) {
            counters.lateContribution(); // the join drops these first; kept as a guard
            return;
        }
        Map<AggregationKey, Delta> byKey = deltas.get(c.windowStart());
        if (byKey == null) {
            byKey = new HashMap<>();
            deltas.put(c.windowStart(), byKey);
        }
        Delta delta = byKey.get(record.key());
        if (delta == null) {
            delta = new Delta();
            byKey.put(record.key(), delta);
        }
        Outcomes.decomposeChange(c.retract(), c.add(), delta.changes);
        delta.bytes += encodedBytesBound(c.retract()) + encodedBytesBound(c.add());
        if (delta.bytes >= MAX_DELTA_BYTES) {
            send(c.windowStart(), record.key(), delta, false);
            byKey.remove(record.key());
        }
    }

    /**
     * Deltas go four times per update interval: they cost what changed, and the merge still emits at most
     * one update per interval, so a pair waits a quarter interval here instead of up to a whole one.
     */
    static Duration sendInterval(Duration updateInterval) {
        return updateInterval.dividedBy(4).compareTo(Duration.ofMillis(10)) < 0 ? updateInterval
                : updateInterval.dividedBy(4);
    }

    /**
     * At least what one outcome adds to an encoded delta ({@code AggregateCodec}; cells it shares with others
     * add less): its confusion cell, each class its row names, and per score class, and for the count of scored
     * pairs, a histogram of its true label and class with one score. A string takes at most 3 bytes a char and a
     * varint 10 bytes.
     */
    static long encodedBytesBound(io.modelwatch.metrics.Outcome o) {
        if (o == null) {
            return 0;
        }
        long label = o.label() == null ? 0 : text(o.label());
        long bytes = label + text(o.predicted()) + 10;
        if (o.hasScores()) {
            for (String c : o.scoreClasses()) {
                bytes += text(c) + 10 // the class named
                        + label + text(c) + 28; // its histogram: names, one score (8) and count, sizes
            }
            bytes += label + 26 + 28; // the scored pairs' histogram ("\u0000scored")
        }
        return bytes;
    }

    private static long text(String s) {
        return 3L * s.length() + 5;
    }

    /** Sends the last delta of every window whose close time passed, marked final. */
    private void closeThrough(long watermark) {
        if (watermark <= closedThrough) {
            return;
        }
        closedThrough = watermark;
        long lastClosableStart = watermark - windows.sizeMs() - windows.maxLabelDelayMs();
        Iterator<Map.Entry<Long, Map<AggregationKey, Delta>>> due =
                deltas.headMap(lastClosableStart, true).entrySet().iterator();
        while (due.hasNext()) {
            Map.Entry<Long, Map<AggregationKey, Delta>> window = due.next();
            for (Map.Entry<AggregationKey, Delta> e : window.getValue().entrySet()) {
                send(window.getKey(), e.getKey(), e.getValue(), true);
            }
            due.remove();
        }
    }

    private void sendAll() {
        for (Map.Entry<Long, Map<AggregationKey, Delta>> window : deltas.entrySet()) {
            for (Map.Entry<AggregationKey, Delta> e : window.getValue().entrySet()) {
                send(window.getKey(), e.getKey(), e.getValue(), false);
            }
        }
        deltas.clear();
    }

    private void send(long start, AggregationKey key, Delta delta, boolean isFinal) {
        byte[] encoded = AggregateCodec.encode(delta.changes);
        long timestamp = Math.max(0, context.currentStreamTimeMs());
        context.forward(new Record<>(key, new AggregateInput.Partial(start, partition, isFinal, encoded), timestamp));
        counters.partialSent();
    }
}
