package io.modelwatch.window;

import io.modelwatch.metrics.AggregateCodec;
import io.modelwatch.metrics.WindowAggregate;
import io.modelwatch.serde.BinaryReader;
import io.modelwatch.serde.BinaryWriter;
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
 * The merge: keeps the latest partial aggregate of each window from each join partition (see
 * {@link WindowPreAggregateProcessor}), emits rate-limited updates of open windows (the merge of their
 * partials) and, when every join partition's watermark passed a window's close time, its final record
 * (and the rolling record that merges it with the windows before it). Closed windows are kept only as
 * long as a rolling record still needs them. Its work per window and update is one merge of at most
 * one partial per join partition, whatever the number of pairs.
 */
final class WindowAggregateProcessor implements Processor<AggregationKey, AggregateInput, String, String> {

    private static final byte OPEN = 0;
    private static final byte CLOSED = 1;

    private final WindowSpec windows;
    private final int rolling;
    private final Duration updateInterval;
    private final WindowCounters counters;

    private ProcessorContext<String, String> context;
    private KeyValueStore<Bytes, byte[]> partials;
    private KeyValueStore<Bytes, byte[]> index;
    private KeyValueStore<Integer, Long> watermarks;
    private KeyValueStore<Bytes, String> history;
    /** Event time through which windows are closed (the least watermark of all join partitions). */
    private long closedThrough = Long.MIN_VALUE;
    /** Index entries known to exist, to skip a store read per record; rebuilt lazily after restarts. */
    private final Set<Bytes> knownOpen = new HashSet<>();
    /** Open windows changed since their last update record. Lost on restart: only an update is skipped. */
    private final Set<Bytes> dirty = new LinkedHashSet<>();
    /** Wall-clock time of each open window's last update record, to emit at most one per update interval. */
    private final java.util.Map<Bytes, Long> lastUpdate = new java.util.HashMap<>();

    WindowAggregateProcessor(WindowSpec windows, int rolling, Duration updateInterval, WindowCounters counters) {
        this.windows = windows;
        this.rolling = rolling;
        this.updateInterval = updateInterval;
        this.counters = counters;
    }

    @Override
    public void init(ProcessorContext<String, String> context) {
        // Streams may init the same instance again when a task comes back: nothing in memory survives
        this.context = context;
        knownOpen.clear();
        dirty.clear();
        lastUpdate.clear();
        this.partials = context.getStateStore(WindowAggregation.PARTIALS_STORE);
        this.index = context.getStateStore(WindowAggregation.INDEX_STORE);
        this.watermarks = context.getStateStore(WindowAggregation.WATERMARK_STORE);
        this.history = context.getStateStore(WindowAggregation.HISTORY_STORE);
        this.closedThrough = storedClosedThrough();
        if (!updateInterval.isZero()) {
            context.schedule(updateInterval, PunctuationType.WALL_CLOCK_TIME, t -> emitUpdates());
        }
    }

    @Override
    public void process(Record<AggregationKey, AggregateInput> record) {
        if (record.value() instanceof AggregateInput.Watermark w) {
            onWatermark(w);
            return;
        }
        AggregateInput.Partial p = (AggregateInput.Partial) record.value();
        if (windows.closeTime(p.windowStart()) <= closedThrough) {
            counters.lateContribution();
            return;
        }
        byte[] prefix = WindowKeys.prefix(p.windowStart(), record.key());
        Bytes indexKey = Bytes.wrap(prefix);
        if (!knownOpen.contains(indexKey)) {
            if (index.get(indexKey) == null) {
                index.put(indexKey, new byte[] {OPEN});
            }
            knownOpen.add(indexKey);
        }
        Bytes partialKey = partialKey(prefix, p.sourcePartition());
        if (p.aggregate().length == 0) {
            partials.delete(partialKey);
        } else {
            partials.put(partialKey, p.aggregate());
        }
        if (!p.isFinal() && !updateInterval.isZero()) {
            // a quiet window's first change goes out at once (one interval after the pair, not two);
            // further changes within the interval wait for the punctuator
            long now = context.currentSystemTimeMs();
            Long last = lastUpdate.get(indexKey);
            if (last == null || now - last >= updateInterval.toMillis()) {
                dirty.remove(indexKey);
                lastUpdate.put(indexKey, now);
                emit(prefix, false);
                return;
            }
        }
        dirty.add(indexKey);
    }

    /** {@code [window start][aggregation key][join partition: 4 bytes]}. */
    static Bytes partialKey(byte[] prefix, int sourcePartition) {
        return Bytes.wrap(new BinaryWriter(prefix.length + 4).writeBytes(prefix).writeInt(sourcePartition)
                .toByteArray());
    }

    /** The merge of the partials of one window and how many join partitions sent one. */
    record Merged(WindowAggregate aggregate, int partials) {
    }

    /** The merge of every partial of one window (null aggregate when it has none). */
    static Merged merge(org.apache.kafka.streams.state.ReadOnlyKeyValueStore<Bytes, byte[]> partials, byte[] prefix) {
        WindowAggregate agg = null;
        int n = 0;
        try (KeyValueIterator<Bytes, byte[]> it = partials.prefixScan(Bytes.wrap(prefix),
                org.apache.kafka.common.serialization.Serdes.Bytes().serializer())) {
            while (it.hasNext()) {
                if (agg == null) {
                    agg = new WindowAggregate();
                }
                AggregateCodec.mergeInto(it.next().value, agg);
                n++;
            }
        }
        return new Merged(agg, n);
    }

    static WindowAggregate read(org.apache.kafka.streams.state.ReadOnlyKeyValueStore<Bytes, byte[]> partials,
                                byte[] prefix) {
        return merge(partials, prefix).aggregate();
    }

    private void onWatermark(AggregateInput.Watermark w) {
        Long old = watermarks.get(w.sourcePartition());
        if (old == null || w.streamTimeMs() > old) {
            watermarks.put(w.sourcePartition(), w.streamTimeMs());
        }
        long least = Long.MAX_VALUE;
        for (int p = 0; p < w.sourcePartitions(); p++) {
            Long t = watermarks.get(p);
            if (t == null) {
                return; // a join partition has not reported yet: nothing can close
            }
            least = Math.min(least, t);
        }
        if (least > closedThrough) {
            closedThrough = least;
            watermarks.put(CLOSED_THROUGH_KEY, closedThrough);
            closeWindows();
        }
    }

    /** Where the closed-through time itself is kept, beside the join partitions' watermarks. */
    private static final int CLOSED_THROUGH_KEY = -1;

    private long storedClosedThrough() {
        Long stored = watermarks.get(CLOSED_THROUGH_KEY);
        return stored == null ? Long.MIN_VALUE : stored;
    }

    /** Emits final records of windows whose close time passed, then drops what rolling no longer needs. */
    private void closeWindows() {
        long lastClosableStart = closedThrough - windows.sizeMs() - windows.maxLabelDelayMs();
        List<KeyValue<Bytes, byte[]>> due = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = index.range(WindowKeys.startKey(0),
                WindowKeys.startKey(lastClosableStart + 1))) {
            while (it.hasNext()) {
                due.add(it.next());
            }
        }
        for (KeyValue<Bytes, byte[]> kv : due) {
            if (kv.value[0] == OPEN) {
                emit(kv.key.get(), true);
                index.put(kv.key, new byte[] {CLOSED});
                knownOpen.remove(kv.key);
                dirty.remove(kv.key);
                lastUpdate.remove(kv.key);
            }
        }
        MetricsHistory.expire(history, lastClosableStart - MetricsHistory.RETAINED_WINDOWS * windows.sizeMs());
        long retention = (long) (rolling - 1) * windows.sizeMs();
        for (KeyValue<Bytes, byte[]> kv : due) {
            long start = new BinaryReader(kv.key.get()).readLong();
            if (start + retention <= lastClosableStart) {
                WindowKeys.deleteWindow(partials, kv.key.get());
                index.delete(kv.key);
            }
        }
    }

    private void emitUpdates() {
        if (dirty.isEmpty()) {
            return;
        }
        List<Bytes> changed = new ArrayList<>(dirty);
        dirty.clear();
        long now = context.currentSystemTimeMs();
        for (Bytes key : changed) {
            byte[] state = index.get(key);
            if (state != null && state[0] == OPEN) {
                lastUpdate.put(key, now);
                emit(key.get(), false);
            }
        }
    }

    /** Emits the record of one window (and its rolling record), unless it holds no prediction. */
    private void emit(byte[] prefix, boolean isFinal) {
        BinaryReader r = new BinaryReader(prefix);
        long start = r.readLong();
        AggregationKey key = AggregationKey.readFrom(r);
        Merged merged = merge(partials, prefix);
        WindowAggregate agg = merged.aggregate();
        if (agg == null || agg.predictions() <= 0) {
            return;
        }
        long end = start + windows.sizeMs();
        long timestamp = Math.max(end - 1, 0);
        String single = MetricsRecords.value(key, start, end, 1, isFinal, agg);
        history.put(MetricsHistory.key(key, start, 1), single);
        context.forward(new Record<>(MetricsRecords.key(key, start, 1), single, timestamp));
        counters.emitted(isFinal);
        if (isFinal) {
            counters.mergedFinal(merged.partials());
        }
        if (rolling > 1) {
            WindowAggregate span = agg.copy();
            for (int i = 1; i < rolling; i++) {
                WindowAggregate earlier = read(partials, WindowKeys.prefix(start - i * windows.sizeMs(), key));
                if (earlier != null) {
                    span.merge(earlier, 1);
                }
            }
            long rollingStart = end - rolling * windows.sizeMs();
            String rolled = MetricsRecords.value(key, rollingStart, end, rolling, isFinal, span);
            history.put(MetricsHistory.key(key, start, rolling), rolled);
            context.forward(new Record<>(MetricsRecords.key(key, rollingStart, rolling), rolled, timestamp));
        }
    }
}
