package io.modelwatch.window;

import io.modelwatch.metrics.AggregateCodec;
import io.modelwatch.metrics.WindowAggregate;
import io.modelwatch.serde.BinaryReader;
import io.modelwatch.serde.BinaryWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The merge: keeps every partial (a delta, see {@link WindowPreAggregateProcessor}) of each window from
 * each join partition, holds each window's sum in memory (rebuilt from the store when missing, after a
 * restart), emits rate-limited updates of open windows and, when every join partition's watermark passed
 * a window's close time, its final record (and the rolling record that merges it with the windows before
 * it). A join partition's {@link AggregateInput.Reset} drops its partials of the windows it re-sends; until
 * its {@link AggregateInput.Replayed} follows, updates are held (a replay fence), so none shows a window
 * without that partition's entries.
 * Closed windows are kept only as long as a rolling record still needs them. Its work per partial is
 * one store write and one merge of the delta; per emitted record, the metrics of the window's sum.
 */
final class WindowAggregateProcessor implements Processor<AggregationKey, AggregateInput, String, String> {

    private static final Logger LOG = LoggerFactory.getLogger(WindowAggregateProcessor.class);

    private static final Serializer<Bytes> BYTES = Serdes.Bytes().serializer();
    private static final byte OPEN = 0;
    private static final byte CLOSED = 1;

    private final WindowSpec windows;
    private final int rolling;
    /** Closed windows the history keeps ({@code history-windows}). */
    private final int historyWindows;
    private final Duration updateInterval;
    private final WindowCounters counters;

    private ProcessorContext<String, String> context;
    private KeyValueStore<Bytes, byte[]> partials;
    private KeyValueStore<Bytes, byte[]> index;
    private KeyValueStore<Integer, Long> watermarks;
    private KeyValueStore<Bytes, String> history;
    /** Each series' newest window and newest final window in the history ({@link MetricsLatest}). */
    private KeyValueStore<Bytes, byte[]> latest;
    /** Event time through which windows are closed (the least watermark of all join partitions). */
    private long closedThrough = Long.MIN_VALUE;
    /** Index entries known to exist, to skip a store read per record; rebuilt lazily after restarts. */
    private final Set<Bytes> knownOpen = new HashSet<>();
    /** Open windows changed since their last update record. Lost on restart: only an update is skipped. */
    private final Set<Bytes> dirty = new LinkedHashSet<>();
    /** Wall-clock time of each open window's last update record, to emit at most one per update interval. */
    private final Map<Bytes, Long> lastUpdate = new HashMap<>();
    /** The sum of each window's partials, for windows in the index; missing ones are rebuilt from the store. */
    private final Map<Bytes, WindowAggregate> sums = new HashMap<>();
    /** Replay fences and idle notices of the join partitions. */
    private final JoinPartitionStatus status;
    /**
     * Partials a join partition may leave of one window and key before the merge folds them into one: a long
     * window changes every send interval for (window + label delay), thousands of deltas per partition, which a
     * restart would decode one by one. Folding is exact (the deltas' sum is kept, retractions included).
     */
    static final int COMPACT_AFTER = 32;
    private final int compactAfter;
    /**
     * Encoded size a fold keeps each sum below (far below the internal topics' record limit,
     * {@code ModelwatchConfig.PARTIAL_RECORD_BYTES}); a partial this large is a full chunk and is not folded.
     */
    static final int FOLD_CHUNK_BYTES = 1 << 20;
    private final int foldChunkBytes;
    /**
     * Partials per open window (index key) and join partition since the last fold (which counts as one).
     * In memory: after a restart it counts from zero, so a fold comes later, never wrong.
     */
    private final Map<Bytes, Map<Integer, Integer>> unfolded = new HashMap<>();
    /** Where the history was last cut (entries of windows starting before it deleted); in memory only. */
    private long historyExpiredBefore = Long.MIN_VALUE;
    /** Tells apart partials without record metadata (tests); with it, the input offset does. */
    private long localSequence;

    WindowAggregateProcessor(WindowSpec windows, int rolling, int historyWindows, Duration updateInterval,
                             WindowCounters counters) {
        this(windows, rolling, historyWindows, updateInterval, counters, COMPACT_AFTER, FOLD_CHUNK_BYTES);
    }

    /**
     * With the number of partials per window, key and join partition that triggers a fold, and the size a
     * fold's sums stay below (tests use small ones).
     */
    WindowAggregateProcessor(WindowSpec windows, int rolling, int historyWindows, Duration updateInterval,
                             WindowCounters counters, int compactAfter, int foldChunkBytes) {
        if (historyWindows < 1) {
            throw new IllegalArgumentException("history-windows must be at least 1, got " + historyWindows);
        }
        this.windows = windows;
        this.rolling = rolling;
        this.historyWindows = historyWindows;
        this.updateInterval = updateInterval;
        this.counters = counters;
        this.status = new JoinPartitionStatus(counters);
        this.compactAfter = Math.max(2, compactAfter);
        this.foldChunkBytes = foldChunkBytes;
    }

    @Override
    public void init(ProcessorContext<String, String> context) {
        // Streams may init the same instance again when a task comes back: nothing in memory survives
        this.context = context;
        knownOpen.clear();
        dirty.clear();
        lastUpdate.clear();
        sums.clear();
        unfolded.clear();
        historyExpiredBefore = Long.MIN_VALUE;
        this.partials = context.getStateStore(WindowAggregation.PARTIALS_STORE);
        this.index = context.getStateStore(WindowAggregation.INDEX_STORE);
        this.watermarks = context.getStateStore(WindowAggregation.WATERMARK_STORE);
        this.history = context.getStateStore(WindowAggregation.HISTORY_STORE);
        this.latest = context.getStateStore(WindowAggregation.LATEST_STORE);
        int corrected = MetricsLatest.reconcile(latest, history);
        if (corrected > 0) {
            // expected once, at the first start of a build with metrics-latest (or after an older build ran again)
            LOG.info("task {}: {} set from {} ({} series corrected)", context.taskId(),
                    WindowAggregation.LATEST_STORE, WindowAggregation.HISTORY_STORE, corrected);
        }
        this.closedThrough = storedClosedThrough();
        status.restore(watermarks, context.currentSystemTimeMs());
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
        if (record.value() instanceof AggregateInput.Reset r) {
            onReset(r);
            return;
        }
        if (record.value() instanceof AggregateInput.Replayed r) {
            onReplayed(r);
            return;
        }
        if (record.value() instanceof AggregateInput.Idle i) {
            status.idle(i.sourcePartition(), context.currentSystemTimeMs());
            closeThroughLeast(i.sourcePartitions());
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
        Bytes partialKey = partialKey(prefix, p.sourcePartition(), sequence());
        if (alreadyStored(prefix, p.sourcePartition(), partialKey)) {
            counters.redeliveredPartial();
            return;
        }
        partials.put(partialKey, p.aggregate());
        int stored = unfolded.computeIfAbsent(indexKey, k -> new HashMap<>())
                .merge(p.sourcePartition(), 1, Integer::sum);
        if (stored >= compactAfter) {
            fold(prefix, p.sourcePartition());
            unfolded.get(indexKey).put(p.sourcePartition(), 1); // the folded one
        }
        WindowAggregate sum = sums.get(indexKey);
        if (sum != null) {
            AggregateCodec.mergeInto(p.aggregate(), sum);
        }
        if (!p.isFinal() && !updateInterval.isZero()
                && !status.holdingUpdates(context.currentSystemTimeMs())) {
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

    /**
     * Whether the store holds this partial already (at-least-once, read again after a crash): as itself, or
     * summed into a fold stored under the key of the fold's last partial. A window's partials from one join
     * partition all come through one input partition, so they arrive in sequence order and a new one has a
     * larger sequence than any stored; one at or below the largest stored was read before (its own key may
     * have gone with a fold). Overwriting a fold's sum would also forget the partials folded into it. Keys
     * of one window and join partition order as their sequences (big-endian, never negative).
     */
    private boolean alreadyStored(byte[] prefix, int sourcePartition, Bytes partialKey) {
        try (KeyValueIterator<Bytes, byte[]> last = partials.reverseRange(partialKey(prefix, sourcePartition, 0),
                partialKey(prefix, sourcePartition, Long.MAX_VALUE))) {
            return last.hasNext() && last.next().key.compareTo(partialKey) >= 0;
        }
    }

    /** Unique per partial of a window and join partition, increasing: the input record's offset. */
    private long sequence() {
        return context.recordMetadata().map(m -> m.offset()).orElseGet(() -> localSequence++);
    }

    /**
     * {@code [window start][aggregation key][join partition: 4 bytes][sequence: 8 bytes]}: a window's
     * partials under its prefix, each join partition's under a longer one (what a reset drops).
     */
    static Bytes partialKey(byte[] prefix, int sourcePartition, long sequence) {
        return Bytes.wrap(new BinaryWriter(prefix.length + 12).writeBytes(prefix).writeInt(sourcePartition)
                .writeLong(sequence).toByteArray());
    }

    /** Join partition {@code r.sourcePartition()} restarted: drop its partials of windows closing after its watermark. */
    private void onReset(AggregateInput.Reset r) {
        long firstReplayedStart = r.closedThrough() == Long.MIN_VALUE ? 0
                : r.closedThrough() - windows.sizeMs() - windows.maxLabelDelayMs() + 1;
        List<Bytes> windowsToClear = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = index.range(WindowKeys.startKey(firstReplayedStart), null)) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                if (kv.value[0] == OPEN) {
                    windowsToClear.add(kv.key);
                }
            }
        }
        for (Bytes window : windowsToClear) {
            byte[] ofPartition = new BinaryWriter(window.get().length + 4).writeBytes(window.get())
                    .writeInt(r.sourcePartition()).toByteArray();
            if (WindowKeys.deleteWindow(partials, ofPartition) > 0) {
                sums.remove(window);
            }
            Map<Integer, Integer> counts = unfolded.get(window);
            if (counts != null) {
                counts.remove(r.sourcePartition());
            }
        }
        // the partition's replayed partials follow behind the reset, but other partitions' partials may come
        // between them: no update until the replay's end. A restarted partition is not idle any more.
        status.replayStarted(r.sourcePartition(), context.currentSystemTimeMs());
    }

    /** Join partition {@code r.sourcePartition()} re-sent all it holds: its fence goes, held updates go out. */
    private void onReplayed(AggregateInput.Replayed r) {
        if (status.replayEnded(r.sourcePartition()) && !updateInterval.isZero()) {
            emitUpdates();
        }
    }

    /**
     * Replaces runs of a join partition's partials of one window and key by their sums, each under its run's
     * last key (so a reset's prefix still finds it, and a later partial still sorts after it). A run stays
     * below {@link #FOLD_CHUNK_BYTES} encoded: a window with many distinct scores ends up in a few full chunks
     * (half a chunk or more), which are left alone and not held in memory, instead of one record that outgrows
     * the changelog's record limit and is re-encoded whole at every fold. The window's sum is unchanged.
     */
    private void fold(byte[] prefix, int sourcePartition) {
        byte[] ofPartition = new BinaryWriter(prefix.length + 4).writeBytes(prefix).writeInt(sourcePartition)
                .toByteArray();
        List<List<KeyValue<Bytes, byte[]>>> runs = new ArrayList<>();
        List<KeyValue<Bytes, byte[]>> run = new ArrayList<>();
        long runBytes = 0;
        try (KeyValueIterator<Bytes, byte[]> it = partials.prefixScan(Bytes.wrap(ofPartition),
                BYTES)) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                // a value of half a chunk or more could only ever pair with small ones: full, never re-encoded
                // (a fold's own sums stay below a chunk, so with "a whole chunk" none would count as full)
                boolean full = kv.value.length >= foldChunkBytes / 2;
                if (full || runBytes + kv.value.length > foldChunkBytes) {
                    runs.add(run);
                    run = new ArrayList<>();
                    runBytes = 0;
                }
                if (!full) {
                    run.add(kv);
                    runBytes += kv.value.length;
                }
            }
        }
        runs.add(run);
        for (List<KeyValue<Bytes, byte[]>> r : runs) {
            if (r.size() < 2) {
                continue;
            }
            WindowAggregate folded = WindowAggregate.forChanges();
            for (int i = 0; i < r.size(); i++) {
                AggregateCodec.mergeInto(r.get(i).value, folded);
                if (i < r.size() - 1) {
                    partials.delete(r.get(i).key);
                }
            }
            partials.put(r.get(r.size() - 1).key, AggregateCodec.encode(folded));
            counters.partialsFolded(r.size() - 1);
        }
    }

    /** The sum of every partial of one window, read from the store (null when it has none). */
    static WindowAggregate read(ReadOnlyKeyValueStore<Bytes, byte[]> partials,
                                byte[] prefix) {
        WindowAggregate agg = null;
        try (KeyValueIterator<Bytes, byte[]> it = partials.prefixScan(Bytes.wrap(prefix),
                BYTES)) {
            while (it.hasNext()) {
                if (agg == null) {
                    agg = new WindowAggregate();
                }
                AggregateCodec.mergeInto(it.next().value, agg);
            }
        }
        return agg;
    }

    /** The sum of a window's partials, from memory or rebuilt from the store (null when it has none). */
    private WindowAggregate sum(byte[] prefix) {
        Bytes key = Bytes.wrap(prefix);
        WindowAggregate sum = sums.get(key);
        if (sum == null) {
            sum = read(partials, prefix);
            if (sum != null) {
                sums.put(key, sum);
            }
        }
        return sum;
    }

    private void onWatermark(AggregateInput.Watermark w) {
        Long old = watermarks.get(w.sourcePartition());
        if (old == null || w.streamTimeMs() > old) {
            watermarks.put(w.sourcePartition(), w.streamTimeMs());
        }
        status.active(w.sourcePartition());
        closeThroughLeast(w.sourcePartitions());
    }

    /** Closes windows through the least watermark of the join partitions that are not idle. */
    private void closeThroughLeast(int sourcePartitions) {
        long least = Long.MAX_VALUE;
        long now = context.currentSystemTimeMs();
        for (int p = 0; p < sourcePartitions; p++) {
            if (!status.holdsWindows(p, now)) {
                continue;
            }
            Long t = watermarks.get(p);
            if (t == null) {
                return; // a join partition has not reported yet: nothing can close
            }
            least = Math.min(least, t);
        }
        // every partition idle: no time to close by (not Long.MAX_VALUE, which would close everything for good)
        if (least != Long.MAX_VALUE && least > closedThrough) {
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
                unfolded.remove(kv.key);
                dirty.remove(kv.key);
                lastUpdate.remove(kv.key);
            }
        }
        long historyCut = MetricsHistory.expiryCut(windows, lastClosableStart, historyWindows);
        if (historyCut > historyExpiredBefore) {
            // once per window that closes (and once after a restart), not at every watermark: a range read per
            // series of the task
            MetricsHistory.expire(history, latest, historyCut); // the pointers tell the series, so first
            MetricsLatest.expire(latest, historyCut);
            historyExpiredBefore = historyCut;
        }
        long retention = (long) (rolling - 1) * windows.sizeMs();
        for (KeyValue<Bytes, byte[]> kv : due) {
            long start = new BinaryReader(kv.key.get()).readLong();
            if (start + retention <= lastClosableStart) {
                WindowKeys.deleteWindow(partials, kv.key.get());
                index.delete(kv.key);
                sums.remove(kv.key);
            }
        }
    }

    private void emitUpdates() {
        if (dirty.isEmpty() || status.holdingUpdates(context.currentSystemTimeMs())) {
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

    /** How many join partitions sent a partial of the window (keys only, no decoding). */
    private int sourcePartitions(byte[] prefix) {
        Set<Integer> sources = new HashSet<>();
        try (KeyValueIterator<Bytes, byte[]> it = partials.prefixScan(Bytes.wrap(prefix),
                BYTES)) {
            while (it.hasNext()) {
                sources.add(new BinaryReader(it.next().key.get(), prefix.length).readInt());
            }
        }
        return sources.size();
    }

    /**
     * Emits the record of one window (and its rolling record), unless it holds no prediction and never had a
     * record out.
     */
    private void emit(byte[] prefix, boolean isFinal) {
        BinaryReader r = new BinaryReader(prefix);
        long start = r.readLong();
        AggregationKey key = AggregationKey.readFrom(r);
        WindowAggregate agg = sum(prefix);
        if (agg == null || agg.predictions() <= 0) {
            // an earlier copy of a prediction moves it to another window: one that went out with it must say it
            // is empty now (predictions 0, metrics null), or its last record would stand, stale, on the topic,
            // in the history and for the alerts for good. Its history entry tells it went out (kept while open).
            if (history.get(MetricsHistory.key(key, start, 1)) == null) {
                return;
            }
            agg = new WindowAggregate();
        }
        long end = start + windows.sizeMs();
        // stamped when emitted, not with the window's event time: a final comes a label delay after its window
        // (days, for chargebacks), and a record (or the alert it raises) stamped that far back would fall to the
        // topic's time-based retention as soon as its segment rolls; the window is in the value
        long timestamp = context.currentSystemTimeMs();
        String single = MetricsRecords.value(key, start, end, 1, isFinal, agg);
        history.put(MetricsHistory.key(key, start, 1), single);
        MetricsLatest.written(latest, MetricsLatest.seriesKeyOfWindowPrefix(prefix), start, isFinal);
        context.forward(new Record<>(MetricsRecords.key(key, start, 1), single, timestamp));
        counters.emitted(isFinal);
        if (isFinal) {
            counters.mergedFinal(sourcePartitions(prefix));
        }
        if (rolling > 1) {
            WindowAggregate span = agg.copy();
            for (int i = 1; i < rolling; i++) {
                WindowAggregate earlier = sum(WindowKeys.prefix(start - i * windows.sizeMs(), key));
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
