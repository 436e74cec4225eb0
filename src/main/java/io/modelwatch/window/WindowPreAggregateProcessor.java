package io.modelwatch.window;

import io.modelwatch.metrics.Outcomes;
import io.modelwatch.metrics.WindowAggregate;
import io.modelwatch.serde.BinaryReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Pre-aggregation inside the join task: the pairs of this join partition are summed into window cells
 * right where they are made, so a busy model's work is spread over every join partition instead of
 * landing on the one task that owns its key, and no record per pair crosses a topic. Downstream goes
 * the whole partial aggregate of a window: for changed open windows every update interval, and once,
 * marked final, when this partition's event time passes the window's close time (then its cells are
 * dropped). Partials are snapshots of state in the same transaction as that state, so with exactly-once
 * a crash redoes them consistently; the merge keeps the latest per partition.
 */
final class WindowPreAggregateProcessor
        implements Processor<AggregationKey, AggregateInput, AggregationKey, AggregateInput> {

    private final WindowSpec windows;
    private final Duration updateInterval;
    private final WindowCounters counters;

    private ProcessorContext<AggregationKey, AggregateInput> context;
    private KeyValueStore<Bytes, byte[]> cells;
    private KeyValueStore<Bytes, byte[]> index;
    private WindowCells cellWriter;
    private int partition;
    /** Event time through which this partition's windows are closed; contributions never go below it. */
    private long closedThrough = Long.MIN_VALUE;
    /** Index entries known to exist, to skip a store read per record; rebuilt lazily after restarts. */
    private final Set<Bytes> knownOpen = new HashSet<>();
    /** Open windows changed since their last partial. Lost on restart: only an update is delayed. */
    private final Set<Bytes> dirty = new LinkedHashSet<>();

    WindowPreAggregateProcessor(WindowSpec windows, Duration updateInterval, WindowCounters counters) {
        this.windows = windows;
        this.updateInterval = updateInterval;
        this.counters = counters;
    }

    @Override
    public void init(ProcessorContext<AggregationKey, AggregateInput> context) {
        this.context = context;
        this.cells = context.getStateStore(WindowPreAggregation.CELLS_STORE);
        this.index = context.getStateStore(WindowPreAggregation.INDEX_STORE);
        this.cellWriter = new WindowCells(cells);
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
        byte[] prefix = WindowCells.prefix(c.windowStart(), record.key());
        Bytes indexKey = Bytes.wrap(prefix);
        if (knownOpen.add(indexKey) && index.get(indexKey) == null) {
            index.put(indexKey, new byte[0]);
        }
        cellWriter.at(prefix);
        Outcomes.decomposeChange(c.retract(), c.add(), cellWriter);
        dirty.add(indexKey);
    }

    /** Sends the final partial of every window whose close time passed, then drops its cells. */
    private void closeThrough(long watermark) {
        if (watermark <= closedThrough) {
            return;
        }
        closedThrough = watermark;
        long lastClosableStart = watermark - windows.sizeMs() - windows.maxLabelDelayMs();
        List<Bytes> due = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = index.range(WindowCells.startKey(0),
                WindowCells.startKey(lastClosableStart + 1))) {
            while (it.hasNext()) {
                due.add(it.next().key);
            }
        }
        for (Bytes key : due) {
            send(key.get(), true);
            WindowCells.deleteWindow(cells, key.get());
            index.delete(key);
            knownOpen.remove(key);
            dirty.remove(key);
        }
    }

    private void sendUpdates() {
        if (dirty.isEmpty()) {
            return;
        }
        List<Bytes> changed = new ArrayList<>(dirty);
        dirty.clear();
        for (Bytes key : changed) {
            send(key.get(), false);
        }
    }

    private void send(byte[] prefix, boolean isFinal) {
        BinaryReader r = new BinaryReader(prefix);
        long start = r.readLong();
        AggregationKey key = AggregationKey.readFrom(r);
        WindowAggregate agg = WindowCells.read(cells, prefix);
        byte[] encoded = agg == null || agg.isEmpty() ? new byte[0] : PartialCodec.encode(agg);
        long timestamp = Math.max(0, context.currentStreamTimeMs());
        context.forward(new Record<>(key, new AggregateInput.Partial(start, partition, isFinal, encoded), timestamp));
        counters.partialSent();
    }
}
