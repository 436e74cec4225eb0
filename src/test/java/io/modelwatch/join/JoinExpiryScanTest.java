package io.modelwatch.join;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.ingest.IngestLimits;
import io.modelwatch.ingest.JoinInput;
import io.modelwatch.ingest.Label;
import io.modelwatch.ingest.Prediction;
import io.modelwatch.window.AggregateInput;
import io.modelwatch.window.AggregationKey;
import io.modelwatch.window.WindowSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Expiry without an index: an incremental scan of {@code join-pending} whose cursor moves on with
 * each watermark, deleting only entries the last watermark sent has passed. One-hour windows, one
 * hour of label delay: an entry of window [0, 1h) expires at 2h; one pass of the store takes
 * half of that lifetime (an hour) of event time; watermarks every minute.
 */
class JoinExpiryScanTest {

    static final long MIN = 60_000;
    static final long HOUR = 60 * MIN;
    static final WindowSpec WINDOWS = new WindowSpec(HOUR, HOUR);

    JoinTestContext join;
    MockProcessorContext<AggregationKey, AggregateInput> context;
    KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]> pending;
    final JoinCounters counters = new JoinCounters();

    @BeforeEach
    void stores() {
        use(new JoinTestContext());
    }

    private void use(JoinTestContext j) {
        join = j;
        context = j.context;
        pending = j.pending;
    }

    /** A processor whose scan visits at least {@code minChunk} and at most {@code cap} entries per punctuation. */
    private DelayedJoinProcessor start(int minChunk, int cap) {
        return start(minChunk, cap, false);
    }

    private DelayedJoinProcessor start(int minChunk, int cap, boolean wholePasses) {
        DelayedJoinProcessor p = new DelayedJoinProcessor(DelayedJoin.PENDING_STORE, WINDOWS, List.of(), 8,
                Duration.ofMinutes(1), 1, counters, IngestLimits.DEFAULTS, minChunk, cap, wholePasses, false);
        p.init(context);
        return p;
    }

    private void feed(DelayedJoinProcessor p, Record<byte[], JoinInput> r) {
        join.feed(p, r);
    }

    private void predictions(DelayedJoinProcessor p, String prefix, int n, long ts) {
        for (int i = 0; i < n; i++) {
            feed(p, prediction(String.format("%s%03d", prefix, i), ts));
        }
    }

    private static Record<byte[], JoinInput> prediction(String id, long ts) {
        return new Record<>(id.getBytes(), new Prediction(id, "m", "v1", ts, "1", new String[] {"0", "1"},
                new double[] {0.3, 0.7}, new String[0], new String[0]), ts);
    }

    private static Record<byte[], JoinInput> label(String id, long ts) {
        return new Record<>(id.getBytes(), new Label(id, "1", ts), ts);
    }

    /** The stream-time punctuation at {@code ts}: sends the watermark {@code ts}, then a scan step. */
    private void watermark(long ts) {
        join.advanceStreamTime(ts);
        punctuator(PunctuationType.STREAM_TIME).punctuate(ts);
    }

    /** The 1-second wall-clock punctuation: continues a scan the per-punctuation cap cut short. */
    private void wallClockSecond() {
        punctuator(PunctuationType.WALL_CLOCK_TIME).punctuate(0);
    }

    /**
     * The latest scheduled of that type (a re-initialised processor schedules again), not the idle check
     * (a wall-clock one too, every {@code IngestProgress.IDLE_AFTER}).
     */
    private org.apache.kafka.streams.processor.Punctuator punctuator(PunctuationType type) {
        var all = context.scheduledPunctuators();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).getType() == type
                    && !all.get(i).getInterval().equals(io.modelwatch.ingest.IngestProgress.IDLE_AFTER)) {
                return all.get(i).getPunctuator();
            }
        }
        throw new AssertionError("no " + type + " punctuator");
    }

    private List<String> keys() {
        List<String> out = new ArrayList<>();
        try (KeyValueIterator<org.apache.kafka.common.utils.Bytes, byte[]> it = pending.all()) {
            it.forEachRemaining(kv -> out.add(new String(kv.key.get(), java.nio.charset.StandardCharsets.UTF_8)));
        }
        return out;
    }

    private long count(String prefix) {
        return keys().stream().filter(k -> k.startsWith(prefix)).count();
    }

    @Test
    void entriesAreDeletedOnlyOnceTheWatermarkPassedTheirExpiry() {
        DelayedJoinProcessor p = start(DelayedJoinProcessor.MIN_SCAN_CHUNK, DelayedJoinProcessor.MAX_SCAN_PER_PUNCTUATION);
        predictions(p, "a", 10, 10 * MIN);      // window [0, 1h): expires at 2h
        predictions(p, "b", 10, HOUR + 10 * MIN); // window [1h, 2h): expires at 3h
        feed(p, label("l", 30 * MIN));           // label only: may pair until 1h30, whose window closes at 3h
        watermark(HOUR + 59 * MIN);
        assertEquals(21, keys().size(), "nothing expired before 2h");

        feed(p, prediction("z-clock", 2 * HOUR + 30 * MIN)); // stream time past 2h, no watermark yet
        wallClockSecond();
        assertEquals(10, count("a"), "stream time passed the expiry, the last watermark (1h59) did not");

        watermark(2 * HOUR + 30 * MIN);
        assertEquals(0, count("a"));
        assertEquals(10, count("b"), "entries of open windows stay");
        assertEquals(1, count("l"));
        assertEquals(10, counters.expiredEntries());

        watermark(3 * HOUR); // exactly at the expiry of b and l
        assertEquals(List.of("z-clock"), keys());
        assertEquals(21, counters.expiredEntries());
    }

    @Test
    void aStoreLargerThanOneStepExpiresOverSeveralPunctuationsNeverPastTheWatermark() {
        DelayedJoinProcessor p = start(10, 25); // at most 25 entries visited per punctuation
        predictions(p, "p", 100, 10 * MIN);      // expire at 2h
        predictions(p, "q", 20, HOUR + 10 * MIN); // expire at 3h
        watermark(HOUR + 10 * MIN);              // first step: one chunk (p000..p009), nothing due
        assertEquals(120, keys().size());

        feed(p, prediction("z", 2 * HOUR + 30 * MIN)); // expires at 4h
        // 80 minutes at once: a whole pass is owed, from the first key; the cap cuts it short
        watermark(2 * HOUR + 30 * MIN);
        List<Long> pLeft = new ArrayList<>(List.of(count("p")));
        feed(p, label("z", 5 * HOUR)); // stream time 5h, past q's expiry; the watermark stays 2h30
        for (int i = 0; i < 5; i++) {
            int before = keys().size();
            wallClockSecond();
            assertTrue(before - keys().size() <= 25, "at most the cap per punctuation");
            assertEquals(20, count("q"), "never past the last watermark (2h30)");
            pLeft.add(count("p"));
        }
        assertEquals(List.of(75L, 50L, 25L, 0L, 0L, 0L), pLeft);
        assertEquals(100, counters.expiredEntries());

        watermark(5 * HOUR);
        assertEquals(List.of(), keys());
        assertEquals(121, counters.expiredEntries());
    }

    /** A pending store whose approximateNumEntries() is {@code estimate} of the true count, as RocksDB's may be. */
    private static JoinTestContext withSizeEstimate(java.util.function.LongUnaryOperator estimate) {
        return withPendingStoreWatched((method, result) -> method.equals("approximateNumEntries")
                ? estimate.applyAsLong((Long) result) : result);
    }

    /** An in-memory pending store each of whose calls' results goes through {@code watch} (method name, result). */
    private static JoinTestContext withPendingStoreWatched(java.util.function.BiFunction<String, Object, Object> watch) {
        KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]> inner =
                Stores.inMemoryKeyValueStore(DelayedJoin.PENDING_STORE).get();
        @SuppressWarnings("unchecked")
        KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]> watched =
                (KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]>) java.lang.reflect.Proxy.newProxyInstance(
                        JoinExpiryScanTest.class.getClassLoader(), new Class<?>[] {KeyValueStore.class},
                        (proxy, method, args) -> {
                            try {
                                return watch.apply(method.getName(), method.invoke(inner, args));
                            } catch (java.lang.reflect.InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
        return new JoinTestContext(Stores.keyValueStoreBuilder(new org.apache.kafka.streams.state.KeyValueBytesStoreSupplier() {
            @Override
            public String name() {
                return DelayedJoin.PENDING_STORE;
            }

            @Override
            public KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]> get() {
                return watched;
            }

            @Override
            public String metricsScope() {
                return "in-memory";
            }
        }, Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled().build());
    }

    @Test
    void aJumpInEventTimeExpiresEveryDueEntryEvenWhenTheSizeEstimateIsShort() {
        // RocksDB's estimate of the number of keys may be short: a whole pass must not be a count of it
        use(withSizeEstimate(n -> n / 2));

        DelayedJoinProcessor p = start(10, 1000);
        predictions(p, "k", 300, 10 * MIN);
        assertEquals(150, pending.approximateNumEntries());
        watermark(HOUR);
        watermark(5 * HOUR); // event time jumped past every expiry, and does not move again
        assertEquals(List.of(), keys());
        assertEquals(300, counters.expiredEntries());
    }

    @Test
    void theCursorMovesOnWithEachStepAndWrapsAround() {
        DelayedJoinProcessor p = start(10, 1000);
        predictions(p, "k", 30, 10 * MIN); // k000..k029, all expire at 2h; a chunk is 10 entries
        watermark(HOUR + 58 * MIN); // visits k000..k009: not due yet
        watermark(HOUR + 59 * MIN); // visits k010..k019: not due yet
        assertEquals(30, keys().size());
        watermark(2 * HOUR);        // visits k020..k029 and reaches the end
        assertEquals(20, keys().size());
        assertEquals("k019", keys().get(keys().size() - 1), "the step went on from the cursor, not the first key");
        watermark(2 * HOUR + MIN);  // wrapped: k000..k009
        assertEquals("k010", keys().get(0));
        assertEquals(10, keys().size());
        watermark(2 * HOUR + 2 * MIN);
        assertEquals(List.of(), keys());
        assertEquals(30, counters.expiredEntries());
    }

    @Test
    void theScanCountsItsStepsEntriesAndTime() {
        DelayedJoinProcessor p = start(10, 1000);
        predictions(p, "k", 30, 10 * MIN);
        long steps = counters.expiryScanSteps(); // the first watermark of init, if any, scanned an empty store
        watermark(HOUR + 58 * MIN); // a chunk: 10 entries
        watermark(HOUR + 59 * MIN); // the next 10
        assertEquals(steps + 2, counters.expiryScanSteps());
        assertEquals(20, counters.expiryScanVisited());
        assertTrue(counters.expiryScanNanos() > 0, "the steps' time is counted");
    }

    @Test
    void aChunkIsScannedInSlicesBetweenTheRecords() {
        DelayedJoinProcessor p = start(10, 1000).withScanSlices(4, 4, 3);
        predictions(p, "k", 30, 10 * MIN); // a chunk is 10 entries
        long visited = counters.expiryScanVisited();
        watermark(HOUR + 59 * MIN); // owes a chunk: a slice of 4 at the watermark, 6 owed
        assertEquals(visited + 4, counters.expiryScanVisited());
        predictions(p, "n", 2, 2 * HOUR);
        assertEquals(visited + 4, counters.expiryScanVisited(), "a slice every third record");
        predictions(p, "m", 1, 2 * HOUR);
        assertEquals(visited + 8, counters.expiryScanVisited());
        predictions(p, "o", 30, 2 * HOUR);
        assertEquals(visited + 10, counters.expiryScanVisited(), "the last slice takes what is owed, then none");
    }

    @Test
    void slicesSpreadAChunkOverAboutHalfTheRecordsOfTheLastInterval() {
        DelayedJoinProcessor p = start(40, 1000).withScanSlices(1, 1000, 10);
        predictions(p, "k", 200, 10 * MIN); // 200 records before the first watermark; a chunk is 40 entries
        long visited = counters.expiryScanVisited();
        watermark(HOUR + 59 * MIN); // 40 owed over about 100 records: 2 * 40 * 10 / 200 = 4 entries a slice
        assertEquals(visited + 4, counters.expiryScanVisited());
        predictions(p, "n", 10, 2 * HOUR);
        assertEquals(visited + 8, counters.expiryScanVisited());
        predictions(p, "m", 90, 2 * HOUR);
        assertEquals(visited + 40, counters.expiryScanVisited(), "the chunk is done within the next 90 records");
    }

    @Test
    void aChunkNotDoneBetweenRecordsIsDoneByTheWallClockPunctuator() {
        DelayedJoinProcessor p = start(10, 1000).withScanSlices(4, 4, 3);
        predictions(p, "k", 30, 10 * MIN);
        long visited = counters.expiryScanVisited();
        watermark(HOUR + 59 * MIN);
        assertEquals(visited + 4, counters.expiryScanVisited());
        wallClockSecond(); // no records came: the rest of the chunk at once
        assertEquals(visited + 10, counters.expiryScanVisited());
    }

    @Test
    void aReinitialisedProcessorStartsANewPass() {
        DelayedJoinProcessor p = start(10, 1000);
        predictions(p, "k", 30, 10 * MIN);
        watermark(HOUR + 58 * MIN); // cursor after k009
        watermark(HOUR + 59 * MIN); // cursor after k019
        p.init(context);           // Streams re-inits the same instance when a task comes back
        watermark(2 * HOUR);        // from the first key again
        assertEquals("k010", keys().get(0));
        assertEquals(20, keys().size());
    }

    @Test
    void aWholePassTakesHalfTheLifetime() {
        DelayedJoinProcessor p = start(1, 1000);
        predictions(p, "k", 300, 10 * MIN); // expire at 2h: 300 entries, 10 per minute of event time
        for (int m = 0; m < 59; m++) {
            watermark(2 * HOUR + m * MIN);
        }
        assertEquals(5, keys().size(), "a chunk (300 entries / 60 minutes) per watermark, however many are due");
        watermark(2 * HOUR + 59 * MIN);
        assertEquals(List.of(), keys(), "within an hour (half the 2-hour lifetime)");
    }

    @Test
    void aPassTakesHalfTheLifetimeWhateverTheStoreEstimates() {
        // RocksDB's estimate runs high on keys written more than once: the chunks follow the true count
        use(withSizeEstimate(n -> n * 2));
        DelayedJoinProcessor p = start(1, 1000);
        predictions(p, "k", 300, 10 * MIN);
        assertEquals(600, pending.approximateNumEntries());
        for (int m = 0; m < 59; m++) {
            watermark(2 * HOUR + m * MIN);
        }
        assertEquals(5, keys().size(), "a chunk of 300 / 60 entries per watermark, not 600 / 60");
        watermark(2 * HOUR + 59 * MIN);
        assertEquals(List.of(), keys());
    }

    @Test
    void theCountFollowsInsertsAndUpdatesAndARestart() {
        DelayedJoinProcessor p = start(1, 1000);
        predictions(p, "k", 300, 10 * MIN); // expire at 2h
        for (int i = 0; i < 300; i++) {
            feed(p, label(String.format("k%03d", i), 10 * MIN + 1)); // updates, not new entries
        }
        predictions(p, "n", 120, HOUR + 10 * MIN); // expire at 3h
        for (int m = 0; m < 30; m++) {
            watermark(2 * HOUR + m * MIN);
        }
        assertEquals(90, count("k"), "7 (420 / 60) per watermark: 210 of the 300 due ones (12 if updates counted)");
        for (int m = 30; m < 60; m++) {
            watermark(2 * HOUR + m * MIN);
        }
        assertEquals(0, count("k"));
        assertEquals(120, count("n"));
        p.init(context); // a task that comes back counts its store again
        for (int m = 0; m < 5; m++) {
            watermark(3 * HOUR + m * MIN);
        }
        assertEquals(110, count("n"), "after the restart 2 (120 / 60) per watermark");
    }

    @Test
    void theCountIsPublishedOnceASecondAndForgottenWhenTheTaskCloses() {
        DelayedJoinProcessor p = start(1, 1000);
        predictions(p, "k", 300, 10 * MIN);
        assertEquals(0, counters.pendingEntries(), "published when the task started (empty), not per record");
        wallClockSecond();
        assertEquals(300, counters.pendingEntries());
        for (int m = 0; m < 60; m++) {
            watermark(2 * HOUR + m * MIN);
        }
        wallClockSecond();
        assertEquals(0, counters.pendingEntries(), "every entry expired");
        predictions(p, "n", 10, 2 * HOUR + 70 * MIN);
        wallClockSecond();
        assertEquals(10, counters.pendingEntries());
        p.close();
        assertEquals(0, counters.pendingEntries(), "a closed task's store is not counted here");
    }

    @Test
    void inMemoryStoresTakeNoSlicesBetweenWatermarks() {
        DelayedJoinProcessor p = start(1, 1000, true).withScanSlices(4, 4, 3);
        predictions(p, "k", 300, 10 * MIN); // all expire at 2h
        watermark(2 * HOUR); // owes a chunk of the next pass, not a pass: nothing visited
        predictions(p, "n", 100, 2 * HOUR);
        assertEquals(300, count("k"), "records between watermarks start no pass of the in-memory store");
    }

    @Test
    void inMemoryStoresAreScannedInWholePassesOncePerPassPeriod() {
        DelayedJoinProcessor p = start(1, 1000, true); // as for replay's in-memory stores
        predictions(p, "k", 300, 10 * MIN);
        for (int m = 0; m < 59; m++) {
            watermark(2 * HOUR + m * MIN);
        }
        assertEquals(300, keys().size(), "no step before a whole pass is owed");
        wallClockSecond();
        assertEquals(300, keys().size(), "nothing for the wall clock to continue");
        watermark(2 * HOUR + 59 * MIN);
        assertEquals(List.of(), keys(), "one pass, within an hour like the chunked scan");
        assertEquals(300, counters.expiredEntries());
    }

    @Test
    void anExpiredEntryTheScanHasNotReachedYetIsGoneForNewRecords() {
        DelayedJoinProcessor p = start(1, 1000); // a chunk of one entry per watermark
        predictions(p, "k", 30, 10 * MIN);
        watermark(HOUR + 59 * MIN); // visits k000: not due
        watermark(2 * HOUR);        // window [0, 1h) final downstream; this step deletes k001 only
        assertEquals(29, keys().size());
        long expired = counters.expiredEntries();
        context.resetForwards();
        // within the delay of k029's old prediction (10 min), but that window is final: no contribution
        feed(p, label("k029", HOUR + 5 * MIN));
        assertTrue(context.forwarded().isEmpty(), "nothing for a window final downstream");
        assertEquals(expired + 1, counters.expiredEntries(), "the old entry counts as expired");
        // a fresh entry: the new prediction is not a duplicate of the expired one and pairs with the label
        feed(p, prediction("k029", HOUR + 30 * MIN));
        List<AggregateInput.Contribution> contributions = context.forwarded().stream().map(f -> f.record().value())
                .filter(v -> v instanceof AggregateInput.Contribution).map(v -> (AggregateInput.Contribution) v)
                .toList();
        assertEquals(1, contributions.size());
        assertEquals(HOUR, contributions.get(0).windowStart());
        assertTrue(contributions.get(0).add().labeled());
    }

    @Test
    void anExpiredEntryMetByALateRecordIsDeletedThere() {
        DelayedJoinProcessor p = start(1, 1000);
        predictions(p, "k", 30, 10 * MIN);
        watermark(HOUR + 59 * MIN);
        watermark(2 * HOUR); // k001 deleted by the scan, the other 28 expired but not reached
        assertEquals(29, keys().size());
        long expired = counters.expiredEntries();
        feed(p, prediction("z", 3 * HOUR)); // stream time 3h; the last watermark stays at 2h
        feed(p, label("k028", 10 * MIN)); // every window it could pair into ([0, 2h)) is closed: late
        feed(p, prediction("k027", 20 * MIN)); // its window is closed: late
        assertEquals(1, counters.lateLabels());
        assertEquals(1, counters.latePredictions());
        assertEquals(expired + 2, counters.expiredEntries());
        assertFalse(keys().contains("k028") || keys().contains("k027"), "deleted, not left for the scan: " + keys());
        assertEquals(28, keys().size());
    }

    @Test
    void lookupsOfIdsTheStoreCannotHoldSkipTheStore() {
        java.util.concurrent.atomic.AtomicLong gets = new java.util.concurrent.atomic.AtomicLong();
        use(withPendingStoreWatched((method, result) -> {
            if (method.equals("get")) {
                gets.incrementAndGet();
            }
            return result;
        }));
        DelayedJoinProcessor p = start(10, 1000);
        predictions(p, "k", 100, 10 * MIN); // new ids: the filter rules them out (but for a false positive or two)
        assertTrue(gets.get() <= 3, gets.get() + " gets for 100 new ids");
        long before = gets.get();
        feed(p, label("k007", 20 * MIN)); // a held id: looked up, and paired
        assertEquals(before + 1, gets.get());
        assertEquals(1, context.forwarded().stream().map(f -> f.record().value())
                .filter(v -> v instanceof AggregateInput.Contribution c && c.add() != null && c.add().labeled()).count());
        feed(p, prediction("k007", 10 * MIN)); // a duplicate of a held id: looked up, and found
        assertEquals(before + 2, gets.get());
        assertEquals(1, counters.duplicatePredictions());
    }

    @Test
    void theFilterHoldsEveryPendingIdThroughPassesDeletesInsertsAndARestart() {
        DelayedJoinProcessor p = start(7, 1000);
        java.util.Random random = new java.util.Random(7);
        java.util.Set<String> written = new java.util.HashSet<>();
        for (int minute = 0; minute < 6 * 60; minute += 5) {
            long ts = minute * MIN;
            for (int i = 0; i < 20; i++) {
                String id = "id" + random.nextInt(100_000);
                feed(p, random.nextInt(3) == 0 ? label(id, ts) : prediction(id, ts));
                written.add(id);
            }
            watermark(ts);
            if (minute == 200) {
                p.init(context); // a task that comes back: the replay rebuilds the filter from the store
            }
            for (String k : keys()) {
                assertTrue(p.keyFilter().mightContain(k.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                        "lost " + k + " at minute " + minute);
            }
        }
        assertTrue(counters.expiredEntries() > 500, "the scan deleted " + counters.expiredEntries());
        // most ids the scan deleted are out of the filter (a pass rebuilt it without them)
        List<String> held = keys();
        int stillPass = 0;
        int absent = 0;
        for (String id : written) {
            if (!held.contains(id)) {
                absent++;
                if (p.keyFilter().mightContain(id.getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
                    stillPass++;
                }
            }
        }
        // (those deleted since the last pass ended stay until the next one ends: a pass period of deletes)
        assertTrue(stillPass < absent / 4, stillPass + " of " + absent + " deleted ids pass");
    }
}
