package io.modelwatch.join;

import io.modelwatch.ingest.JoinInput;
import io.modelwatch.ingest.Label;
import io.modelwatch.ingest.Prediction;
import io.modelwatch.metrics.Outcome;
import io.modelwatch.window.AggregateInput;
import io.modelwatch.window.AggregationKey;
import io.modelwatch.window.WindowSpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Pairs predictions with their delayed labels by prediction id, in either arrival order.
 * Each change of an entry's outcome goes downstream as a contribution (retract the old outcome,
 * add the new one) for the whole model and for each configured slice. A stream-time punctuator
 * expires entries once their window closed and reports this partition's event time (a watermark)
 * so downstream windows close even when a model goes quiet.
 */
final class DelayedJoinProcessor implements Processor<byte[], JoinInput, AggregationKey, AggregateInput> {

    /** The key watermarks travel under; the partitioner broadcasts them to every partition. */
    static final AggregationKey WATERMARK_KEY = new AggregationKey("", "", "", "");

    private final String pendingStoreName;
    private final String expiryStoreName;
    private final WindowSpec windows;
    private final long maxDelayMs;
    private final List<String> sliceDimensions;
    private final int labelCap;
    private final Duration watermarkInterval;
    private final int joinPartitions;
    private final JoinCounters counters;
    private final io.modelwatch.ingest.IngestLimits limits;
    private CardinalityGuard cardinality;

    /** Entries expired per punctuation at most. */
    static final int EXPIRY_CHUNK = 20_000;

    private ProcessorContext<AggregationKey, AggregateInput> context;
    private boolean expiryBacklog;
    /** Whether this task's pending entries were replayed into the window pre-aggregation (see below). */
    private boolean replayed;
    private KeyValueStore<String, byte[]> pending;
    private KeyValueStore<Bytes, byte[]> expiryIndex;
    private KeyValueStore<Integer, Long> watermarkStore;
    /** The last watermark sent downstream (persisted): windows closing at or before it are final there. */
    private long lastWatermark = Long.MIN_VALUE;

    DelayedJoinProcessor(String pendingStoreName, String expiryStoreName, WindowSpec windows,
                         List<String> sliceDimensions, int labelCap, Duration watermarkInterval, int joinPartitions,
                         JoinCounters counters, io.modelwatch.ingest.IngestLimits limits) {
        this.pendingStoreName = pendingStoreName;
        this.expiryStoreName = expiryStoreName;
        this.windows = windows;
        this.maxDelayMs = windows.maxLabelDelayMs();
        this.sliceDimensions = sliceDimensions;
        this.labelCap = labelCap;
        this.watermarkInterval = watermarkInterval;
        this.joinPartitions = joinPartitions;
        this.counters = counters;
        this.limits = limits;
    }

    @Override
    public void init(ProcessorContext<AggregationKey, AggregateInput> context) {
        // Streams may init the same instance again when a task comes back (standby promoted, active
        // recycled): start from the stores alone, as a new instance would
        this.context = context;
        this.replayed = false;
        this.expiryBacklog = false;
        this.lastWatermark = Long.MIN_VALUE;
        this.pending = context.getStateStore(pendingStoreName);
        this.expiryIndex = context.getStateStore(expiryStoreName);
        this.watermarkStore = context.getStateStore(DelayedJoin.WATERMARK_STORE);
        this.cardinality = new CardinalityGuard(context.getStateStore(DelayedJoin.CARDINALITY_STORE), limits, counters);
        context.schedule(watermarkInterval, PunctuationType.STREAM_TIME, this::onStreamTime);
        // a large expiry backlog (event time jumped) is worked off in chunks, one per second
        context.schedule(java.time.Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, t -> {
            replayOnce();
            if (expiryBacklog) {
                // never past the last watermark: entries of windows not yet final downstream must stay
                expiryBacklog = expireUpTo(lastWatermark, EXPIRY_CHUNK);
            }
        });
    }

    @Override
    public void process(Record<byte[], JoinInput> record) {
        replayOnce();
        JoinInput input = record.value();
        long streamTime = context.currentStreamTimeMs(); // event time: see ingest.EventTimeExtractor
        String id = input.predictionId();
        byte[] stored = pending.get(id);
        JoinEntry entry = stored == null ? new JoinEntry() : JoinEntry.decode(stored);
        JoinEntry.PendingPrediction before = entry.prediction;
        Outcome old = entry.outcome(maxDelayMs);
        int oldLabel = entry.winningLabel(maxDelayMs);

        if (input instanceof Prediction p) {
            if (windows.closeTimeOf(p.timestampMs()) <= streamTime) {
                counters.latePrediction();
                return;
            }
            if (entry.prediction != null && entry.prediction.timestampMs() <= p.timestampMs()) {
                counters.duplicatePrediction();
                return; // the earliest copy wins
            }
            entry.prediction = pendingOf(p);
        } else {
            Label l = (Label) input;
            if (windows.closeTimeOf(l.timestampMs() + maxDelayMs) <= streamTime) {
                counters.lateLabel();
                return; // every window this label could pair into is closed
            }
            entry.addLabel(l.timestampMs(), l.label(), labelCap, maxDelayMs);
        }

        Outcome now = entry.outcome(maxDelayMs);
        int nowLabel = entry.winningLabel(maxDelayMs);
        boolean predictionChanged = before != entry.prediction;
        boolean labelChanged = oldLabel != nowLabel || (nowLabel >= 0 && old != null
                && (!Objects.equals(old.label(), now.label()) || old.labelDelayMs() != now.labelDelayMs()));
        if (predictionChanged || labelChanged) {
            emitChange(before, old, entry.prediction, now, record.timestamp());
        }
        long expiry = expiryOf(entry);
        if (expiry != entry.expiresAt) {
            entry.expiresAt = expiry;
            expiryIndex.put(expiryKey(expiry, id), new byte[0]);
        }
        pending.put(id, entry.encode());
    }

    private JoinEntry.PendingPrediction pendingOf(Prediction p) {
        String[] names = new String[sliceDimensions.size()];
        String[] values = new String[names.length];
        int n = 0;
        for (String dim : sliceDimensions) {
            String v = p.tag(dim);
            if (v != null) {
                names[n] = dim;
                values[n++] = cardinality.sliceValue(dim, v);
            }
        }
        if (n < names.length) {
            names = java.util.Arrays.copyOf(names, n);
            values = java.util.Arrays.copyOf(values, n);
        }
        String model = cardinality.model(p.modelId());
        String version = cardinality.version(model, p.modelVersion());
        return new JoinEntry.PendingPrediction(model, version, p.timestampMs(), p.predicted(),
                p.scoreClasses(), p.scores(), names, values);
    }

    private void emitChange(JoinEntry.PendingPrediction before, Outcome old, JoinEntry.PendingPrediction after,
                            Outcome now, long timestamp) {
        if (before == null || after == null || before == after) {
            forEachKey(after != null ? after : before, (key, window) ->
                    forward(key, new AggregateInput.Contribution(window, old, now), timestamp));
            return;
        }
        // an earlier copy of the prediction replaced the one counted so far: move the contribution
        forEachKey(before, (key, window) -> forward(key, new AggregateInput.Contribution(window, old, null), timestamp));
        forEachKey(after, (key, window) -> forward(key, new AggregateInput.Contribution(window, null, now), timestamp));
    }

    private interface KeyWindowConsumer {
        void accept(AggregationKey key, long windowStart);
    }

    private void forEachKey(JoinEntry.PendingPrediction p, KeyWindowConsumer consumer) {
        long window = windows.windowStart(p.timestampMs());
        consumer.accept(AggregationKey.wholeModel(p.modelId(), p.modelVersion()), window);
        for (int i = 0; i < p.sliceNames().length; i++) {
            consumer.accept(new AggregationKey(p.modelId(), p.modelVersion(), p.sliceNames()[i], p.sliceValues()[i]),
                    window);
        }
    }

    private void forward(AggregationKey key, AggregateInput value, long timestamp) {
        context.forward(new Record<>(key, value, timestamp));
    }

    /** After this stream time the entry cannot reach an open window any more. */
    private long expiryOf(JoinEntry entry) {
        if (entry.prediction != null) {
            return windows.closeTimeOf(entry.prediction.timestampMs());
        }
        // a label pairs with predictions up to maxDelay after it; the last such window closes at:
        return windows.closeTimeOf(entry.latestLabelTs() + maxDelayMs);
    }

    /**
     * The window pre-aggregation downstream in this task keeps its partial aggregates in memory only:
     * they are the sum of the outcomes of the pending entries of open windows. So when a task starts
     * (first start, restart after a crash, or a move to another instance), before anything else, every
     * such entry is handed to it once as a contribution, rebuilding exactly the state the store
     * (restored to the last commit) implies. Windows final downstream (closing at or before the last
     * watermark sent, which is persisted in the same transaction) are left out: their entries only
     * await expiry.
     */
    private void replayOnce() {
        if (replayed) {
            return;
        }
        replayed = true;
        Long stored = watermarkStore.get(0);
        lastWatermark = stored == null ? Long.MIN_VALUE : stored;
        try (KeyValueIterator<String, byte[]> it = pending.all()) {
            while (it.hasNext()) {
                JoinEntry entry = JoinEntry.decode(it.next().value);
                JoinEntry.PendingPrediction p = entry.prediction;
                if (p == null || windows.closeTimeOf(p.timestampMs()) <= lastWatermark) {
                    continue;
                }
                Outcome outcome = entry.outcome(maxDelayMs);
                forEachKey(p, (key, window) ->
                        forward(key, new AggregateInput.Contribution(window, null, outcome), p.timestampMs()));
                counters.replayed();
            }
        }
    }

    private void onStreamTime(long punctuationTime) {
        replayOnce();
        long now = context.currentStreamTimeMs();
        expiryBacklog = expireUpTo(now, EXPIRY_CHUNK);
        lastWatermark = now;
        watermarkStore.put(0, now);
        context.forward(new Record<>(WATERMARK_KEY,
                new AggregateInput.Watermark(context.taskId().partition(), joinPartitions, now), now));
    }

    /**
     * Deletes at most {@code limit} entries whose expiry passed (bounded, so one punctuation never
     * builds a transaction too large to commit in time); true when more are due.
     */
    private boolean expireUpTo(long now, int limit) {
        List<Bytes> due = new ArrayList<>();
        boolean more = false;
        try (KeyValueIterator<Bytes, byte[]> it = expiryIndex.range(expiryKey(0, ""), expiryKey(now + 1, ""))) {
            while (it.hasNext()) {
                if (due.size() >= limit) {
                    more = true;
                    break;
                }
                KeyValue<Bytes, byte[]> kv = it.next();
                due.add(kv.key);
            }
        }
        return finishExpiry(due, more); // deletes after the iterator is closed
    }

    private boolean finishExpiry(List<Bytes> due, boolean more) {
        for (Bytes key : due) {
            ByteBuffer buf = ByteBuffer.wrap(key.get());
            long expiry = buf.getLong();
            String id = new String(key.get(), 8, key.get().length - 8, StandardCharsets.UTF_8);
            byte[] stored = pending.get(id);
            if (stored != null && JoinEntry.decode(stored).expiresAt == expiry) {
                pending.delete(id);
                counters.expired();
            }
            expiryIndex.delete(key);
        }
        return more;
    }

    /** Big-endian expiry first, so a range scan yields what is due in time order. */
    static Bytes expiryKey(long expiry, String id) {
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(8 + idBytes.length).putLong(Math.max(0, expiry)).put(idBytes).array());
    }
}
