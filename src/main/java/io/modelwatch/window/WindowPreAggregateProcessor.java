package io.modelwatch.window;

import io.modelwatch.metrics.AggregateCodec;
import io.modelwatch.metrics.Outcomes;
import io.modelwatch.metrics.WindowAggregate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Pre-aggregation inside the join task: the pairs of this join partition are summed into the partial
 * aggregates of their windows right where they are made, so a busy model's work is spread over every
 * join partition instead of landing on the one task that owns its key, and no record per pair crosses a
 * topic. The partials live in memory only: they are a function of the join's pending entries (every
 * entry of an open window is still pending, and the join replays them into this stage whenever a task
 * starts, see {@code DelayedJoinProcessor}), so they need no store of their own, and a record costs a
 * few in-memory map updates. Downstream goes the whole partial of a window: for changed open windows
 * every update interval, and once, marked final, when this partition's event time passes the window's
 * close time. A partial is a snapshot of the join state in the same transaction as that state, so with
 * exactly-once a crash redoes it consistently; the merge keeps the latest per partition.
 */
final class WindowPreAggregateProcessor
        implements Processor<AggregationKey, AggregateInput, AggregationKey, AggregateInput> {

    private record Window(long start, AggregationKey key) {
    }

    private final WindowSpec windows;
    private final Duration updateInterval;
    private final WindowCounters counters;

    private ProcessorContext<AggregationKey, AggregateInput> context;
    private int partition;
    /** Event time through which this partition's windows are closed; contributions never go below it. */
    private long closedThrough = Long.MIN_VALUE;
    /** Open windows by start, then by aggregation key. */
    private final NavigableMap<Long, Map<AggregationKey, WindowAggregate>> open = new TreeMap<>();
    /** Open windows changed since their last partial. */
    private final Set<Window> dirty = new LinkedHashSet<>();

    WindowPreAggregateProcessor(WindowSpec windows, Duration updateInterval, WindowCounters counters) {
        this.windows = windows;
        this.updateInterval = updateInterval;
        this.counters = counters;
    }

    @Override
    public void init(ProcessorContext<AggregationKey, AggregateInput> context) {
        // Streams may init the same instance again when a task comes back (standby promoted, active
        // recycled): the partials must then be rebuilt by the join's replay, never kept from before
        this.context = context;
        open.clear();
        dirty.clear();
        closedThrough = Long.MIN_VALUE;
        this.partition = context.taskId().partition();
        if (!updateInterval.isZero()) {
            context.schedule(updateInterval, PunctuationType.WALL_CLOCK_TIME, t -> sendUpdates());
        }
    }

    @Override
    public void process(Record<AggregationKey, AggregateInput> record) {
        if (record.value() instanceof AggregateInput.Watermark w) {
            closeThrough(w.streamTimeMs());
            context.forward(record); // after the final partials it vouches for
            return;
        }
        AggregateInput.Contribution c = (AggregateInput.Contribution) record.value();
        if (windows.closeTime(c.windowStart()) <= closedThrough) {
            counters.lateContribution(); // the join drops these first; kept as a guard
            return;
        }
        WindowAggregate agg = open.computeIfAbsent(c.windowStart(), s -> new LinkedHashMap<>())
                .computeIfAbsent(record.key(), k -> new WindowAggregate());
        Outcomes.decomposeChange(c.retract(), c.add(), agg);
        if (!updateInterval.isZero()) {
            dirty.add(new Window(c.windowStart(), record.key()));
        }
    }

    /** Sends the final partial of every window whose close time passed, and forgets it. */
    private void closeThrough(long watermark) {
        if (watermark <= closedThrough) {
            return;
        }
        closedThrough = watermark;
        long lastClosableStart = watermark - windows.sizeMs() - windows.maxLabelDelayMs();
        Iterator<Map.Entry<Long, Map<AggregationKey, WindowAggregate>>> due =
                open.headMap(lastClosableStart, true).entrySet().iterator();
        while (due.hasNext()) {
            Map.Entry<Long, Map<AggregationKey, WindowAggregate>> window = due.next();
            for (Map.Entry<AggregationKey, WindowAggregate> e : window.getValue().entrySet()) {
                send(window.getKey(), e.getKey(), e.getValue(), true);
                dirty.remove(new Window(window.getKey(), e.getKey()));
            }
            due.remove();
        }
    }

    private void sendUpdates() {
        if (dirty.isEmpty()) {
            return;
        }
        List<Window> changed = new ArrayList<>(dirty);
        dirty.clear();
        for (Window w : changed) {
            Map<AggregationKey, WindowAggregate> byKey = open.get(w.start());
            WindowAggregate agg = byKey == null ? null : byKey.get(w.key());
            if (agg != null) {
                send(w.start(), w.key(), agg, false);
            }
        }
    }

    private void send(long start, AggregationKey key, WindowAggregate agg, boolean isFinal) {
        byte[] encoded = agg.isEmpty() ? new byte[0] : AggregateCodec.encode(agg);
        long timestamp = Math.max(0, context.currentStreamTimeMs());
        context.forward(new Record<>(key, new AggregateInput.Partial(start, partition, isFinal, encoded), timestamp));
        counters.partialSent();
    }
}
