package io.modelwatch.join;

import io.modelwatch.ingest.IngestLimits;
import io.modelwatch.ingest.IngestProgress;
import io.modelwatch.ingest.IngestWatermark;
import io.modelwatch.ingest.JoinInput;
import io.modelwatch.ingest.Label;
import io.modelwatch.ingest.Prediction;
import io.modelwatch.ingest.WatermarkSpacing;
import io.modelwatch.metrics.Outcome;
import io.modelwatch.serde.BinaryWriter;
import io.modelwatch.serde.StringCache;
import io.modelwatch.window.AggregateInput;
import io.modelwatch.window.AggregationKey;
import io.modelwatch.window.WindowSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
 * reports this partition's event time (a watermark) so downstream windows close even when a model
 * goes quiet, and expires entries whose window is final downstream by an incremental scan of the
 * pending store (no expiry index: see {@link #scanStep}).
 */
final class DelayedJoinProcessor implements Processor<byte[], JoinInput, AggregationKey, AggregateInput> {

    /** The key watermarks travel under; the partitioner broadcasts them to every partition. */
    static final AggregationKey WATERMARK_KEY = new AggregationKey("", "", "", "");

    private final String pendingStoreName;
    private final WindowSpec windows;
    private final long maxDelayMs;
    private final List<String> sliceDimensions;
    private final int labelCap;
    private final Duration watermarkInterval;
    private final int joinPartitions;
    private final JoinCounters counters;
    private final IngestLimits limits;
    private CardinalityGuard cardinality;
    /** The names in decoded entries (models, classes, tags, labels) repeat: decoded once, not per record. */
    private final StringCache strings = new StringCache();
    /** Encodes every entry this task stores: one buffer, not one per record. */
    private final BinaryWriter entryWriter = new BinaryWriter(256);

    /** The least number of entries the expiry scan visits per watermark interval. */
    static final int MIN_SCAN_CHUNK = 1_000;
    /** Entries the expiry scan visits per punctuation at most, so its deletes never make a huge transaction. */
    static final int MAX_SCAN_PER_PUNCTUATION = 100_000;

    /**
     * The scan works a watermark's chunk off in slices: one at the watermark, then one every
     * {@link #SLICE_EVERY_RECORDS} records while it owes more, each sized to spread the chunk over about half the
     * records of an interval like the last one, between {@link #MIN_SCAN_SLICE} and {@link #MAX_SCAN_SLICE} entries.
     * A chunk (a tenth of the store when the watermark interval is a tenth of the window) in one piece held the
     * stream thread for tens of milliseconds, and all of an instance's tasks got their watermarks at once (up to
     * 340 ms of both stream threads in a 250 ms step of the latency bench; docs/performance.md, 32nd session). In
     * slices it takes as much CPU, between the records; a task without records gets the rest done by its
     * 1-second punctuator.
     */
    static final int SLICE_EVERY_RECORDS = 64;
    static final int MIN_SCAN_SLICE = 64;
    static final int MAX_SCAN_SLICE = 2048;

    private final int minScanChunk;
    private final int maxScanPerPunctuation;
    private int minScanSlice = MIN_SCAN_SLICE;
    private int maxScanSlice = MAX_SCAN_SLICE;
    private int sliceEveryRecords = SLICE_EVERY_RECORDS;
    /** Entries per slice of the chunk under way. */
    private int scanSlice = MAX_SCAN_SLICE;
    /** Records since the last slice of the scan. */
    private int recordsSinceSlice;
    /** Records since the last watermark: the next chunk is spread over about half as many. */
    private long recordsSinceWatermark;
    /**
     * Scan in whole passes, one per pass period, rather than a chunk per watermark: for in-memory
     * stores (replay), whose range() copies every key from its lower bound to the end of the store,
     * so a chunk per watermark would cost O(store) each; no changelog, so no transaction to bound.
     */
    private final boolean wholePasses;
    /**
     * The inputs come through the join-input topic from {@code joinPartitions} ingest tasks: time is the least
     * of their {@link IngestWatermark}s, not this task's stream time (the largest event time any of them sent).
     */
    private final boolean ingestWatermarks;
    /** Without ingest watermarks: this task's own watermarks, each a record to every merge partition. */
    private final WatermarkSpacing spacing;
    /** The latest watermark of each ingest partition (Long.MIN_VALUE: none yet); persisted at key 1 + partition. */
    private long[] ingestTimes;
    /** Ingest partitions that last said they are idle: left out of the least until they report again. */
    private boolean[] ingestIdle;
    private final long watermarkIntervalMs;
    /** Event time in which the scan visits the whole pending store once (see {@link #scanStep}). */
    private final long passPeriodMs;

    private ProcessorContext<AggregationKey, AggregateInput> context;
    /** The last pending key the expiry scan visited; null: the next step starts at the first key. */
    private Bytes scanCursor;
    /** Entries the scan still has to visit for the event time passed; over the cap, by wall clock. */
    private long scanOwed;
    /** A whole pass is owed: the scan goes on, capped step by capped step, until the last key. */
    private boolean scanToEnd;
    /** Event time jumped again while a whole pass was under way: the keys it visited before may be due now. */
    private boolean passAgain;
    /** The largest store size seen in the current pass (0: a new pass), which sizes its chunks. */
    private long scanPassSize;
    /**
     * The number of entries in {@code join-pending}: counted when the task starts (the replay reads them all)
     * and kept up by every insert and delete, since RocksDB's estimate runs 20 to 40% high on a store whose
     * keys are each written two or three times (prediction, label, tombstone), which made passes that much
     * shorter than planned and the scan visit every entry that much more often.
     */
    private long pendingEntries;
    /** The tombstones of the entries one scan step found expired (kept: a step may find tens of thousands). */
    private final List<KeyValue<Bytes, byte[]>> due = new ArrayList<>();
    /** Whether this task's pending entries were replayed into the window pre-aggregation (see below). */
    private boolean replayed;
    /** Keyed by the prediction id's UTF-8 bytes: the scan visits keys without decoding them into strings. */
    private KeyValueStore<Bytes, byte[]> pending;
    /** The ids {@code pending} may hold: a lookup it rules out skips RocksDB (rebuilt by each pass of the scan). */
    private final PendingKeyFilter keyFilter = new PendingKeyFilter();
    private KeyValueStore<Integer, Long> watermarkStore;
    /** Whether an input record came since the last idle check (repartition-inputs: false only). */
    private boolean active;
    /** The largest record timestamp this task read since it started (what makes a record traffic, see process). */
    private long largestInputMs = Long.MIN_VALUE;
    /** The last watermark sent downstream (persisted): windows closing at or before it are final there. */
    private long lastWatermark = Long.MIN_VALUE;

    DelayedJoinProcessor(String pendingStoreName, WindowSpec windows, List<String> sliceDimensions, int labelCap,
                         Duration watermarkInterval, int joinPartitions, JoinCounters counters,
                         IngestLimits limits) {
        this(pendingStoreName, windows, sliceDimensions, labelCap, watermarkInterval, joinPartitions, counters, limits,
                MIN_SCAN_CHUNK, MAX_SCAN_PER_PUNCTUATION, false, false);
    }

    /** With the scan's chunk floor, per-punctuation cap and mode given (tests use small ones); no spacing. */
    DelayedJoinProcessor(String pendingStoreName, WindowSpec windows, List<String> sliceDimensions, int labelCap,
                         Duration watermarkInterval, int joinPartitions, JoinCounters counters,
                         IngestLimits limits, int minScanChunk, int maxScanPerPunctuation,
                         boolean wholePasses, boolean ingestWatermarks) {
        this(pendingStoreName, windows, sliceDimensions, labelCap, watermarkInterval, joinPartitions, counters, limits,
                minScanChunk, maxScanPerPunctuation, wholePasses, ingestWatermarks, 0);
    }

    /** As above, with the least wall-clock spacing of this task's own watermarks (without ingest watermarks). */
    DelayedJoinProcessor(String pendingStoreName, WindowSpec windows, List<String> sliceDimensions, int labelCap,
                         Duration watermarkInterval, int joinPartitions, JoinCounters counters,
                         IngestLimits limits, int minScanChunk, int maxScanPerPunctuation,
                         boolean wholePasses, boolean ingestWatermarks, long minSpacingMs) {
        this.spacing = new WatermarkSpacing(Duration.ofMillis(ingestWatermarks ? 0 : minSpacingMs));
        this.pendingStoreName = pendingStoreName;
        this.windows = windows;
        this.maxDelayMs = windows.maxLabelDelayMs();
        this.sliceDimensions = sliceDimensions;
        this.labelCap = labelCap;
        this.watermarkInterval = watermarkInterval;
        this.joinPartitions = joinPartitions;
        this.counters = counters;
        this.limits = limits;
        this.minScanChunk = Math.max(1, minScanChunk);
        this.maxScanPerPunctuation = Math.max(1, maxScanPerPunctuation);
        this.wholePasses = wholePasses;
        this.ingestWatermarks = ingestWatermarks;
        this.watermarkIntervalMs = Math.max(1, watermarkInterval.toMillis());
        // a prediction's entry lives at most window size + max label delay (from its window's start); each pass
        // reads every entry (a quarter of a lifetime made it ~3.7 visits per prediction, half makes it ~2.1)
        this.passPeriodMs = Math.max(watermarkIntervalMs, (windows.sizeMs() + maxDelayMs) / 2);
    }

    /** Slices of {@code min} to {@code max} entries every {@code everyRecords} records (tests use small ones). */
    DelayedJoinProcessor withScanSlices(int min, int max, int everyRecords) {
        this.maxScanSlice = Math.max(1, max);
        this.minScanSlice = Math.max(1, Math.min(min, this.maxScanSlice));
        this.scanSlice = this.maxScanSlice;
        this.sliceEveryRecords = Math.max(1, everyRecords);
        return this;
    }

    /** The filter of the ids {@code join-pending} may hold (tests). */
    PendingKeyFilter keyFilter() {
        return keyFilter;
    }

    @Override
    public void init(ProcessorContext<AggregationKey, AggregateInput> context) {
        // Streams may init the same instance again when a task comes back (standby promoted, active
        // recycled): start from the stores alone, as a new instance would
        this.context = context;
        this.replayed = false;
        this.scanCursor = null;
        this.scanOwed = 0;
        this.scanSlice = maxScanSlice;
        this.recordsSinceSlice = 0;
        this.recordsSinceWatermark = 0;
        this.scanToEnd = false;
        this.passAgain = false;
        this.scanPassSize = 0;
        this.pendingEntries = 0;
        this.lastWatermark = Long.MIN_VALUE;
        this.pending = context.getStateStore(pendingStoreName);
        this.watermarkStore = context.getStateStore(DelayedJoin.WATERMARK_STORE);
        // a version idle for a week (or for window + max-label-delay, if longer) may go to make room for new ones
        this.cardinality = new CardinalityGuard(context.getStateStore(DelayedJoin.CARDINALITY_STORE), limits, counters,
                Math.max(CardinalityGuard.DEFAULT_FORGET_AFTER_MS, windows.sizeMs() + maxDelayMs));
        this.active = false;
        this.spacing.reset();
        if (!ingestWatermarks) {
            // the inputs are read in this task: its own stream time is the time (one held within the spacing
            // goes with the stream time reached when the spacing is up)
            context.schedule(watermarkInterval, PunctuationType.STREAM_TIME, t -> {
                if (spacing.sendNow(context)) {
                    advanceOwn();
                }
            });
            spacing.schedule(context, this::advanceOwn);
        }
        // what the scan owes beyond the per-punctuation cap (event time jumped, or a huge store)
        // is worked off here, one capped step per second
        context.schedule(java.time.Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, t -> {
            replayOnce();
            if (!wholePasses && (scanToEnd || scanOwed > 0)) {
                scanStep();
            }
            counters.pendingEntries(context.taskId().partition(), pendingEntries);
        });
        if (!ingestWatermarks) {
            // without input this task's time stands still, and a partition without traffic would hold every
            // window open: when it has read nothing for an idle period it says so, and the merge closes
            // windows without it until its next watermark
            context.schedule(IngestProgress.IDLE_AFTER, PunctuationType.WALL_CLOCK_TIME,
                    t -> {
                        if (!active) {
                            replayOnce();
                            // first the stream time reached since the last interval step: the merge may close
                            // windows on it while no input comes (the stream-time punctuator waits for input)
                            if (context.currentStreamTimeMs() >= 0 && context.currentStreamTimeMs() > lastWatermark) {
                                advanceOwn();
                            }
                            forward(WATERMARK_KEY, new AggregateInput.Idle(context.taskId().partition(),
                                    joinPartitions), Math.max(0, lastWatermark));
                        }
                        active = false;
                    });
        }
    }

    @Override
    public void process(Record<byte[], JoinInput> record) {
        replayOnce();
        if (record.timestamp() > largestInputMs) {
            // only a record that moves this task's time on is traffic for the idle check (repartition-inputs:
            // false): a task reading nothing but records behind its time held every window at that time
            active = true;
            largestInputMs = record.timestamp();
        }
        JoinInput input = record.value();
        if (input instanceof IngestWatermark w) {
            onIngestWatermark(w);
            return;
        }
        recordsSinceWatermark++;
        // (whole-pass mode owes passes, not chunks: its passes come at watermarks only)
        if (scanOwed > 0 && !scanToEnd && !wholePasses && ++recordsSinceSlice >= sliceEveryRecords) {
            recordsSinceSlice = 0;
            scanStep(scanSlice);
        }
        // event time (see ingest.EventTimeExtractor): with ingest watermarks, late means "its window is final
        // downstream already"; without, this task's stream time, which its own inputs set
        long streamTime = ingestWatermarks ? lastWatermark : context.currentStreamTimeMs();
        // the record key is the id's UTF-8 bytes already (the parser keyed it so, the join-input topic keeps it)
        byte[] key = record.key();
        Bytes id = Bytes.wrap(key != null ? key : input.predictionId().getBytes(StandardCharsets.UTF_8));
        long idHash = PendingKeyFilter.hash(id.get());
        boolean mayHold = keyFilter.mightContain(idHash);
        byte[] stored = mayHold ? pending.get(id) : null;
        counters.lookedUp(mayHold, stored != null);
        boolean inserted = stored == null;
        boolean expiredHere = false;
        if (stored != null && JoinEntry.expiresAt(stored) <= lastWatermark) {
            // expired, its window final downstream, not yet reached by the scan: gone, as if deleted at
            // the watermark (it must not change that window again); rare. Counted here; the put of the
            // new entry below replaces it, or dropExpired writes the tombstone when nothing is stored
            counters.expired(1);
            stored = null;
            expiredHere = true;
        }
        JoinEntry entry = stored == null ? new JoinEntry() : JoinEntry.decode(stored, strings);
        JoinEntry.PendingPrediction before = entry.prediction;
        Outcome old = entry.outcome(maxDelayMs);
        int oldLabel = entry.winningLabel(maxDelayMs);

        if (input instanceof Prediction p) {
            if (windows.closeTimeOf(p.timestampMs()) <= streamTime) {
                counters.latePrediction();
                dropExpired(expiredHere, id);
                return;
            }
            JoinEntry.PendingPrediction copy = null;
            if (entry.prediction != null && entry.prediction.timestampMs() <= p.timestampMs()) {
                // the earliest copy wins; of copies stamped alike, the one whose content orders first (rare)
                copy = entry.prediction.timestampMs() == p.timestampMs() ? pendingOf(p) : null;
                if (copy == null || !copy.winsTieOver(entry.prediction)) {
                    counters.duplicatePrediction();
                    return; // (entry is a stored one: expiredHere is false)
                }
            }
            entry.prediction = copy != null ? copy : pendingOf(p);
        } else {
            Label l = (Label) input;
            if (windows.closeTimeOf(l.timestampMs() + maxDelayMs) <= streamTime) {
                counters.lateLabel();
                dropExpired(expiredHere, id);
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
        entry.expiresAt = expiryOf(entry); // read back by the expiry scan
        pending.put(id, entry.encode(entryWriter));
        if (inserted) {
            pendingEntries++;
            keyFilter.add(idHash); // (a stored id is in the filter already, and the pass under way keeps it)
        }
    }

    /** The tombstone of an entry process() found expired and stores nothing in place of. */
    private void dropExpired(boolean expiredHere, Bytes id) {
        if (expiredHere) {
            pending.put(id, null); // not delete(): it reads the old value first
            pendingEntries--;
        }
    }

    private JoinEntry.PendingPrediction pendingOf(Prediction p) {
        String model = cardinality.model(p.modelId());
        String version = cardinality.series(model, cardinality.version(model, p.modelVersion(), p.timestampMs()));
        int dimensions = sliceDimensions.size();
        String[] names = dimensions == 0 ? JoinEntry.NO_STRINGS : new String[dimensions];
        String[] values = dimensions == 0 ? JoinEntry.NO_STRINGS : new String[dimensions];
        int n = 0;
        for (String dim : sliceDimensions) {
            String v = p.tag(dim);
            if (v != null) {
                names[n] = dim;
                values[n++] = cardinality.sliceSeries(model, version, dim, cardinality.sliceValue(dim, v));
            }
        }
        if (n == 0) {
            names = JoinEntry.NO_STRINGS;
            values = JoinEntry.NO_STRINGS;
        } else if (n < names.length) {
            names = Arrays.copyOf(names, n);
            values = Arrays.copyOf(values, n);
        }
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
     * The window pre-aggregation downstream in this task holds its unsent deltas in memory only. So when
     * a task starts (first start, restart after a crash, or a move to another instance), before anything
     * else, it sends a reset (the merge forgets this partition's partials of windows still open here) and
     * then hands every pending entry of those windows to the pre-aggregation once as a contribution: the
     * merge then holds exactly what the store (restored to the last commit) implies. Windows final
     * downstream (closing at or before the last watermark sent, which is persisted in the same
     * transaction) are left out: their entries only await expiry.
     */
    private void replayOnce() {
        if (replayed) {
            return;
        }
        replayed = true;
        Long stored = watermarkStore.get(0);
        lastWatermark = stored == null ? Long.MIN_VALUE : stored;
        ingestTimes = new long[joinPartitions];
        ingestIdle = new boolean[joinPartitions];
        for (int p = 0; p < joinPartitions; p++) {
            Long t = ingestWatermarks ? watermarkStore.get(1 + p) : null;
            ingestTimes[p] = t == null ? Long.MIN_VALUE : t;
        }
        // first the merge forgets what this partition sent for the windows replayed below: it may lack the
        // deltas the pre-aggregation held unsent when the task stopped, though their entries are committed
        context.forward(new Record<>(WATERMARK_KEY, new AggregateInput.Reset(context.taskId().partition(),
                joinPartitions, lastWatermark), Math.max(0, lastWatermark)));
        pendingEntries = 0;
        keyFilter.reset(pending.approximateNumEntries());
        try (KeyValueIterator<Bytes, byte[]> it = pending.all()) {
            while (it.hasNext()) {
                pendingEntries++;
                KeyValue<Bytes, byte[]> kv = it.next();
                keyFilter.add(kv.key.get());
                JoinEntry entry = JoinEntry.decode(kv.value, strings);
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
        counters.pendingEntries(context.taskId().partition(), pendingEntries);
        // the pre-aggregation sends the replayed partials now, right behind the reset
        context.forward(new Record<>(WATERMARK_KEY, new AggregateInput.Flush(), Math.max(0, lastWatermark)));
    }

    @Override
    public void close() {
        if (context != null) {
            counters.forgetPendingEntries(context.taskId().partition());
        }
    }

    /**
     * An ingest partition's progress. Time moves to the least over the ingest partitions not idle (once each
     * of them has reported), in steps of at least one watermark interval, as the stream-time punctuator would.
     * Idle partitions are left out, so one without traffic does not hold windows open; the events it reads
     * when it wakes up may find their windows final already (late), as with any event that far behind. So are
     * partitions whose time lies in windows final already ({@link #behindClosedWindows}), until they catch up.
     * When every one is idle, time moves at once to the least event time they reached (their idle watermarks
     * carry it; one that read nothing carries 0 and is left out), so the last windows close without new traffic.
     */
    private void onIngestWatermark(IngestWatermark w) {
        int p = w.sourcePartition();
        if (p < 0 || p >= ingestTimes.length) {
            return; // from a partition this join does not count: the partition counts disagree
        }
        ingestIdle[p] = w.idle();
        // an idle one carries the event time its partition reached (0: it read nothing, no time of its own)
        if ((!w.idle() || w.timestampMs() > 0) && w.timestampMs() > ingestTimes[p]) {
            ingestTimes[p] = w.timestampMs();
            watermarkStore.put(1 + p, w.timestampMs());
        }
        long least = Long.MAX_VALUE;
        long leastOfAll = Long.MAX_VALUE;
        for (int i = 0; i < ingestTimes.length; i++) {
            if (!ingestIdle[i] && !behindClosedWindows(ingestTimes[i])) {
                least = Math.min(least, ingestTimes[i]);
            } else if (ingestTimes[i] != Long.MIN_VALUE) {
                leastOfAll = Math.min(leastOfAll, ingestTimes[i]);
            }
        }
        if (least == Long.MAX_VALUE) {
            // every ingest partition is idle: nothing more comes, so time moves to the least event time they
            // reached (not only to its last interval step), else the last windows wait for the next traffic
            if (leastOfAll != Long.MAX_VALUE && leastOfAll > lastWatermark) {
                advance(leastOfAll);
            }
            return;
        }
        if (least != Long.MIN_VALUE && (lastWatermark == Long.MIN_VALUE
                || Math.floorDiv(least, watermarkIntervalMs) > Math.floorDiv(lastWatermark, watermarkIntervalMs))) {
            advance(least);
        }
    }

    /**
     * Whether an ingest partition at {@code time} reads events whose windows are all final already (a producer
     * stamping hours back, a partition that wakes up far behind): waiting for it would change nothing, and while it
     * kept sending it held every model's windows open (finals and alerts stopped for all). A label at
     * {@code time} could still pair into the window of {@code time + max-label-delay}, hence that bound. It counts
     * again once it reaches time whose windows are open.
     */
    private boolean behindClosedWindows(long time) {
        return lastWatermark != Long.MIN_VALUE && time != Long.MIN_VALUE
                && windows.closeTimeOf(time > Long.MAX_VALUE - maxDelayMs ? Long.MAX_VALUE : time + maxDelayMs)
                <= lastWatermark;
    }

    /** This task's own watermark (without ingest watermarks): its stream time. */
    private void advanceOwn() {
        spacing.sent(context);
        advance(context.currentStreamTimeMs());
    }

    /** Time is now {@code now}: persist and send the watermark, then run the expiry scan's step. */
    private void advance(long now) {
        replayOnce();
        long previous = lastWatermark;
        lastWatermark = now;
        watermarkStore.put(0, now);
        context.forward(new Record<>(WATERMARK_KEY,
                new AggregateInput.Watermark(context.taskId().partition(), joinPartitions, now), now));
        // the scan owes a chunk per watermark interval of event time passed (a jump: up to a whole pass);
        // chunks are sized on the largest store seen in this pass, so the scan's own deletes do not slow it
        scanPassSize = Math.max(scanPassSize, pendingEntries);
        long chunk = Math.max(minScanChunk, ceilDiv(scanPassSize * watermarkIntervalMs, passPeriodMs));
        long pass = Math.max(chunk, scanPassSize);
        // the first of the ingest watermarks may come after a long backlog (with inputs in arrival order an
        // ingest partition sends none until both of its inputs have read, or one was silent for an idle period):
        // nothing tells how far event time moved over the entries already stored, so it owes a whole pass, as a
        // jump does (this task's own stream-time punctuator, without them, fires at its first record)
        boolean first = previous == Long.MIN_VALUE && ingestWatermarks;
        long intervals = previous == Long.MIN_VALUE ? 1 : Math.max(1, (now - previous) / watermarkIntervalMs);
        if (first || intervals >= pass / chunk || (wholePasses && scanOwed + intervals * chunk >= pass)) {
            // a whole pass is owed (event time jumped): an exact one, from the first key to the last,
            // not a count of entries (the cursor's position says nothing of where a count would end,
            // and event time may not move again to owe the rest)
            if (!scanToEnd) {
                scanToEnd = true;
                scanCursor = null;
            } else if (scanCursor != null) {
                passAgain = true; // this pass goes on to the last key, then one more from the first
            }
            scanOwed = 0;
        } else {
            scanOwed = Math.min(pass, scanOwed + intervals * chunk);
        }
        // slices that work the chunk off in about half the records of an interval like the last one
        long perSlice = recordsSinceWatermark == 0 ? maxScanSlice
                : ceilDiv(2 * scanOwed * sliceEveryRecords, recordsSinceWatermark);
        scanSlice = (int) Math.min(maxScanSlice, Math.max(minScanSlice, perSlice));
        recordsSinceWatermark = 0;
        recordsSinceSlice = 0;
        if (!wholePasses || scanToEnd) {
            scanStep(scanToEnd ? Long.MAX_VALUE : scanSlice); // the rest of a chunk in slices between the records
        }
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /**
     * One step of the expiry scan: visits the next {@code min(scanOwed, cap)} entries of
     * {@code join-pending} in key order after the cursor, wrapping to the first key at the end (or,
     * when a whole pass is owed, up to {@code cap} entries of a pass from the first key to the last), and
     * deletes those whose expiry is at or before the last watermark sent (never later: the replay
     * needs every entry of a window not yet final downstream).
     *
     * <p>Bound: each watermark interval owes a chunk of {@code size * interval / passPeriod} entries
     * (at least {@link #MIN_SCAN_CHUNK}; size: the largest seen in this pass), so the cursor goes
     * round the whole store once per {@code passPeriod = max(interval, (window size + max label
     * delay) / 2)} of event time, half a prediction entry's lifetime. An expired entry is
     * therefore deleted at most about one pass period (plus one watermark interval) of event time
     * after its expiry: the store holds, besides the live entries, about half a lifetime's
     * worth of expired ones at most (on disk and in the bounded block cache, not the heap). That holds in
     * event time while a chunk fits the per-punctuation
     * cap (stores up to {@code cap * passPeriod / interval} entries: 9 million per task for hourly
     * windows, a 2-hour label delay and 1-minute watermarks); beyond that, or after a jump in event
     * time (which owes a whole pass), the 1-second wall-clock punctuator continues, one capped step
     * per second.
     */
    private void scanStep() {
        scanStep(Long.MAX_VALUE);
    }

    /** A step of at most {@code limit} entries (besides the per-punctuation cap): a slice of what the scan owes. */
    private void scanStep(long limit) {
        long startNanos = System.nanoTime();
        long budget = wholePasses ? Long.MAX_VALUE
                : Math.min(Math.min(scanToEnd ? Long.MAX_VALUE : scanOwed, maxScanPerPunctuation), limit);
        List<KeyValue<Bytes, byte[]>> due = this.due;
        due.clear();
        long visited = 0;
        boolean passDone = false;
        // at most one wrap per step: from the cursor to the last key, then (unless a whole pass is
        // owed, which ends there) from the first key on
        for (int segment = 0; segment < 2 && visited < budget && !passDone; segment++) {
            boolean fromStart = scanCursor == null;
            if (fromStart) {
                keyFilter.passStarted(pendingEntries); // the filter this pass keeps up to date from the first key
            }
            try (KeyValueIterator<Bytes, byte[]> it = pending.range(scanCursor, null)) {
                // range() includes its lower bound, visited in the last step; only the first key can be it
                // (so compared once, not per key, and without Bytes.equals, which hashes both keys first)
                boolean first = scanCursor != null;
                while (visited < budget && it.hasNext()) {
                    KeyValue<Bytes, byte[]> kv = it.next();
                    if (first) {
                        first = false;
                        if (Arrays.equals(kv.key.get(), scanCursor.get())) {
                            continue;
                        }
                    }
                    visited++;
                    scanCursor = kv.key;
                    if (JoinEntry.expiresAt(kv.value) <= lastWatermark) {
                        due.add(KeyValue.pair(kv.key, null));
                    } else {
                        keyFilter.kept(kv.key.get());
                    }
                }
                if (!it.hasNext()) {
                    scanCursor = null; // the pass wraps
                    keyFilter.passEnded();
                    scanPassSize = 0;
                    // every entry seen since the whole pass began, or in this step: nothing more is owed
                    passDone = scanToEnd || fromStart;
                }
            }
        }
        if (passDone && passAgain) {
            passAgain = false; // scanToEnd stays: the next step starts a whole pass from the first key
        } else if (passDone) {
            scanToEnd = false;
            scanOwed = 0;
        } else if (!scanToEnd) {
            scanOwed = Math.max(0, scanOwed - visited);
        }
        // deletes after the iterator is closed, all in one RocksDB write batch: one by one, each a write of its own,
        // they took 38% of the scan's CPU samples (docs/performance.md, 33rd session); tombstones (putAll with null),
        // not delete(), which reads the old value first; the changelog gets one per entry either way
        if (!due.isEmpty()) {
            pending.putAll(due);
            counters.expired(due.size());
        }
        pendingEntries -= due.size();
        due.clear();
        counters.scanned(visited, System.nanoTime() - startNanos);
    }
}
