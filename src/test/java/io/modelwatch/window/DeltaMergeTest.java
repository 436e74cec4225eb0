package io.modelwatch.window;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelwatch.metrics.MetricsCalculator;
import io.modelwatch.metrics.Outcome;
import io.modelwatch.metrics.WindowAggregate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;
import org.junit.jupiter.api.Test;

/**
 * Partials are deltas: join partitions send what changed per update, early when large, and a reset then
 * their whole state when they restart (their unsent changes lost with them). However the pairs are spread,
 * relabelled, retracted and however partitions restart, the merge's final record equals the window computed
 * from the pairs that stand at the end.
 */
class DeltaMergeTest {

    static final long MIN = 60_000;
    static final WindowSpec WINDOWS = new WindowSpec(10 * MIN, 10 * MIN);
    static final int PARTITIONS = 3;
    static final AggregationKey KEY = AggregationKey.wholeModel("m", "v1");
    static final ObjectMapper JSON = new ObjectMapper();

    /** One join partition: its pre-aggregation and the outcomes its pending entries hold (by pair id). */
    static final class JoinPartition {
        final int id;
        MockProcessorContext<AggregationKey, AggregateInput> context;
        WindowPreAggregateProcessor preAggregate;
        final Map<Integer, Outcome> standing = new HashMap<>();

        JoinPartition(int id) {
            this.id = id;
            start();
        }

        void start() {
            context = new MockProcessorContext<>(new java.util.Properties(), new TaskId(0, id), null);
            context.setCurrentStreamTimeMs(MIN);
            preAggregate = new WindowPreAggregateProcessor(WINDOWS, Duration.ofSeconds(1), new WindowCounters());
            preAggregate.init(context);
        }
    }

    @Test
    void anyMixOfDeltasRestartsAndRelabelsMergesToTheStandingPairs() throws Exception {
        for (long seed = 1; seed <= 40; seed++) {
            runScenario(new Random(seed), seed, WindowAggregateProcessor.COMPACT_AFTER,
                    WindowAggregateProcessor.FOLD_CHUNK_BYTES);
        }
    }

    /**
     * The same with the merge folding a partition's partials of a window every 2 or 3 (the default is
     * {@link WindowAggregateProcessor#COMPACT_AFTER}): the finals are the same, and the store keeps at most
     * that many partials per join partition.
     */
    @Test
    void foldingPartialsChangesNoFinal() throws Exception {
        for (long seed = 1; seed <= 40; seed++) {
            runScenario(new Random(seed), seed, 2 + (int) (seed % 2), WindowAggregateProcessor.FOLD_CHUNK_BYTES);
        }
    }

    /**
     * Folding with a small chunk size: no fold writes a sum larger than the chunk size (a window with many
     * distinct scores must not grow one record past the topic's limit), and the finals are still the same.
     */
    @Test
    void foldsStayBelowTheChunkSize() throws Exception {
        for (long seed = 1; seed <= 40; seed++) {
            runScenario(new Random(seed), seed, 3, CHUNK_BYTES);
        }
        assertTrue(foldsSeen > 20, "folded sums were in the store at the end of " + foldsSeen + " of 40 runs");
    }

    /** Runs whose store held a folded sum at the end (a reset may have dropped them in others). */
    private int foldsSeen;

    private static final int CHUNK_BYTES = 800;

    private void runScenario(Random random, long seed, int compactAfter, int chunkBytes) throws Exception {
        delivered.clear();
        MockProcessorContext<String, String> mergeContext = new MockProcessorContext<>();
        WindowCounters mergeCounters = new WindowCounters();
        WindowAggregateProcessor merge = merge(mergeContext, mergeCounters, compactAfter, chunkBytes);

        List<JoinPartition> joins = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            joins.add(new JoinPartition(p));
        }
        String[] labels = {"0", "1"};
        int pairs = 200 + random.nextInt(400);
        for (int step = 0; step < pairs * 3; step++) {
            JoinPartition join = joins.get(random.nextInt(PARTITIONS));
            int pair = join.id + PARTITIONS * random.nextInt(pairs / PARTITIONS + 1); // a pair lives in one partition
            Outcome old = join.standing.get(pair);
            double score = Math.round(random.nextDouble() * 50) / 50.0;
            Outcome now = switch (random.nextInt(6)) {
                case 0 -> null; // retracted (a prediction moved to an earlier copy in another window)
                case 1, 2 -> old == null ? unlabelled(score) : relabel(old, labels[random.nextInt(2)], random);
                default -> old != null ? old : labelled(score, labels[random.nextInt(2)], random);
            };
            if (now == null && old == null) {
                continue;
            }
            if (now == null) {
                join.standing.remove(pair);
            } else {
                join.standing.put(pair, now);
            }
            join.preAggregate.process(new Record<>(KEY, new AggregateInput.Contribution(0, old, now), MIN));
            if (random.nextInt(40) == 0) {
                sendUpdates(join);
            }
            if (random.nextInt(150) == 0) {
                restart(join); // unsent deltas are lost; the standing pairs (committed entries) are replayed
            }
            deliver(joins, merge, random);
            mergeContext.setCurrentSystemTimeMs(step * 100L); // some updates go out at once, others wait
        }
        Map<Integer, Integer> stored = new HashMap<>();
        org.apache.kafka.streams.state.KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]> partials =
                mergeContext.getStateStore(WindowAggregation.PARTIALS_STORE);
        int largestFold = 0;
        try (var it = partials.all()) {
            while (it.hasNext()) {
                var kv = it.next();
                byte[] key = kv.key.get();
                stored.merge(java.nio.ByteBuffer.wrap(key, key.length - 12, 4).getInt(), 1, Integer::sum);
                if (!delivered.contains(java.nio.ByteBuffer.wrap(kv.value))) {
                    largestFold = Math.max(largestFold, kv.value.length); // not a partial as it came
                }
            }
        }
        if (chunkBytes < WindowAggregateProcessor.FOLD_CHUNK_BYTES) {
            assertTrue(largestFold <= chunkBytes,
                    "seed " + seed + ": the largest folded sum has " + largestFold + " bytes, chunks " + chunkBytes);
            foldsSeen += largestFold > 0 ? 1 : 0;

        } else if (compactAfter < 4) {
            assertTrue(mergeCounters.partialsFolded() > 0, "seed " + seed + ": folds happened");
        }
        for (var e : stored.entrySet()) {
            if (chunkBytes < WindowAggregateProcessor.FOLD_CHUNK_BYTES) {
                break; // full chunks stay beside the unfolded partials
            }
            assertTrue(e.getValue() < compactAfter, "seed " + seed + ": partition " + e.getKey() + " keeps "
                    + e.getValue() + " partials, folding after " + compactAfter);
        }
        if (compactAfter < 4 && chunkBytes >= WindowAggregateProcessor.FOLD_CHUNK_BYTES) {
            // (with small chunks a partial of half a chunk is full, and a run may fold nothing)
            assertTrue(mergeCounters.partialsFolded() > 0, "seed " + seed + ": folds happened");
        }
        for (JoinPartition join : joins) {
            join.preAggregate.process(new Record<>(DelayedJoinWatermarkKey.KEY,
                    new AggregateInput.Watermark(join.id, PARTITIONS, WINDOWS.closeTime(0)), WINDOWS.closeTime(0)));
        }
        deliver(joins, merge, null);

        WindowAggregate expected = new WindowAggregate();
        joins.forEach(j -> j.standing.values().forEach(o -> expected.add(o, 1)));
        JsonNode fin = null;
        for (var f : mergeContext.forwarded()) {
            JsonNode n = JSON.readTree(f.record().value());
            if (n.path("final").asBoolean()) {
                fin = n;
            }
        }
        if (expected.predictions() == 0) {
            return;
        }
        assertTrue(fin != null, "seed " + seed + ": a final record");
        JsonNode want = JSON.readTree(MetricsRecords.value(KEY, 0, WINDOWS.sizeMs(), 1, true, expected));
        assertEquals(want.get("predictions"), fin.get("predictions"), "seed " + seed);
        assertEquals(want.get("labeled"), fin.get("labeled"), "seed " + seed);
        for (String figure : List.of("precision", "recall", "f1", "roc_auc", "average_precision")) {
            assertEquals(want.path("metrics").path(figure), fin.path("metrics").path(figure), "seed " + seed + " " + figure);
        }
        for (String figure : List.of("log_loss", "brier_score")) {
            assertEquals(want.path("metrics").path(figure).asDouble(), fin.path("metrics").path(figure).asDouble(), 1e-12,
                    "seed " + seed + " " + figure);
        }
        assertEquals(MetricsCalculator.compute(expected).metrics().get("roc_auc"),
                fin.path("metrics").path("roc_auc").isNull() ? null : fin.path("metrics").path("roc_auc").asDouble());
    }

    /**
     * While a restarted join partition's replay is on its way (its reset read, its re-sent partials not yet),
     * the merge holds its updates: with pairs only ever added, no update may show fewer predictions than one
     * before it, however the partitions' records interleave on the merge's input and however often they restart.
     */
    @Test
    void noUpdateShowsAWindowWithoutARestartedPartitionsPairs() throws Exception {
        for (long seed = 1; seed <= 40; seed++) {
            Random random = new Random(seed);
            MockProcessorContext<String, String> mergeContext = new MockProcessorContext<>();
            WindowAggregateProcessor merge = merge(mergeContext);
            List<JoinPartition> joins = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                joins.add(new JoinPartition(p));
            }
            int restarts = 0;
            for (int pair = 0; pair < 600; pair++) {
                JoinPartition join = joins.get(pair % PARTITIONS);
                Outcome o = labelled(Math.round(random.nextDouble() * 50) / 50.0, random.nextBoolean() ? "1" : "0",
                        random);
                join.standing.put(pair, o);
                join.preAggregate.process(new Record<>(KEY, new AggregateInput.Contribution(0, null, o), MIN));
                if (random.nextInt(10) == 0) {
                    sendUpdates(joins.get(random.nextInt(PARTITIONS)));
                }
                if (random.nextInt(60) == 0) {
                    restart(joins.get(random.nextInt(PARTITIONS)));
                    restarts++;
                }
                if (random.nextInt(4) == 0) {
                    interleave(joins, merge, random);
                }
                mergeContext.setCurrentSystemTimeMs(pair * 300L); // quiet windows update at once, others wait
                if (random.nextInt(5) == 0) {
                    mergeContext.scheduledPunctuators().get(0).getPunctuator().punctuate(pair * 300L);
                }
            }
            interleave(joins, merge, random);
            long shown = 0;
            int updates = 0;
            for (var f : mergeContext.forwarded()) {
                JsonNode n = JSON.readTree(f.record().value());
                if (!n.path("final").asBoolean()) {
                    long predictions = n.get("predictions").asLong();
                    assertTrue(predictions >= shown, "seed " + seed + ": an update showed " + predictions
                            + " predictions after one that showed " + shown);
                    shown = predictions;
                    updates++;
                }
            }
            assertTrue(restarts > 0 && updates > 10, "seed " + seed + ": the scenario restarts and updates");
        }
    }

    /**
     * The fence in detail: the replay's end follows its partials out of the pre-aggregation; a fence survives a
     * restart of the merge (it is in the store); one whose end never comes is taken down after
     * {@link JoinPartitionStatus#REPLAY_FENCE_TIMEOUT} (from the restart, for a restored one), counted,
     * and the held update goes out then.
     */
    @Test
    void aReplayFenceHoldsUpdatesUntilTheReplaysEndOrItsTimeout() throws Exception {
        JoinPartition a = new JoinPartition(0);
        JoinPartition b = new JoinPartition(1);
        a.preAggregate.process(new Record<>(KEY, new AggregateInput.Contribution(0, null, labelled(0.9, "1", new Random(1))), MIN));
        a.preAggregate.process(new Record<>(DelayedJoinWatermarkKey.KEY, new AggregateInput.Flush(), 0));
        List<AggregateInput> sent = new ArrayList<>();
        a.context.forwarded().forEach(f -> sent.add(f.record().value()));
        assertEquals(2, sent.size(), sent.toString());
        assertTrue(sent.get(0) instanceof AggregateInput.Partial, sent.toString());
        assertEquals(new AggregateInput.Replayed(0), sent.get(1), "the replay's end follows its partials");
        a.context.resetForwards();

        MockProcessorContext<String, String> mergeContext = new MockProcessorContext<>();
        WindowCounters counters = new WindowCounters();
        WindowAggregateProcessor merge = merge(mergeContext, counters);
        merge.process(new Record<>(DelayedJoinWatermarkKey.KEY, new AggregateInput.Reset(0, PARTITIONS, Long.MIN_VALUE), 0));
        b.preAggregate.process(new Record<>(KEY, new AggregateInput.Contribution(0, null, labelled(0.2, "0", new Random(2))), MIN));
        sendUpdates(b);
        mergeContext.setRecordMetadata("aggregate-input", 0, 1); // partials are told apart by input offset
        interleave(List.of(b), merge, null);
        assertEquals(0, mergeContext.forwarded().size(), "a fence is up: no update of a window without partition 0");

        // the merge task restarts on its stores: the fence is still up
        mergeContext.setCurrentSystemTimeMs(5_000);
        merge = (WindowAggregateProcessor) new WindowAggregation(WINDOWS, 1, MetricsHistory.DEFAULT_RETAINED_WINDOWS,
                Duration.ofSeconds(1), counters, true).get();
        merge.init(mergeContext);
        b.preAggregate.process(new Record<>(KEY, new AggregateInput.Contribution(0, null, labelled(0.3, "0", new Random(3))), MIN));
        sendUpdates(b);
        mergeContext.setRecordMetadata("aggregate-input", 0, 2);
        interleave(List.of(b), merge, null);
        mergeContext.scheduledPunctuators().get(mergeContext.scheduledPunctuators().size() - 1).getPunctuator()
                .punctuate(5_000);
        assertEquals(0, mergeContext.forwarded().size(), "the fence outlives a restart of the merge");
        assertEquals(0, counters.replayFencesExpired());

        // no end comes: the fence goes after the timeout, counted from the restart (5 s), and the held update
        // goes out
        long timeout = JoinPartitionStatus.REPLAY_FENCE_TIMEOUT.toMillis();
        mergeContext.setCurrentSystemTimeMs(timeout);
        mergeContext.scheduledPunctuators().get(mergeContext.scheduledPunctuators().size() - 1).getPunctuator()
                .punctuate(timeout);
        assertEquals(0, mergeContext.forwarded().size(), "a restored fence's timeout counts from the restart");
        mergeContext.setCurrentSystemTimeMs(5_000 + timeout);
        mergeContext.scheduledPunctuators().get(mergeContext.scheduledPunctuators().size() - 1).getPunctuator()
                .punctuate(5_000 + timeout);
        assertEquals(1, counters.replayFencesExpired());
        assertEquals(1, mergeContext.forwarded().size(), "the held update, after the timeout");
        assertEquals(2, JSON.readTree(mergeContext.forwarded().get(0).record().value()).get("predictions").asInt());
    }

    /**
     * At-least-once after a crash, the merge may read a partial again. It is in the store already, as itself
     * or within a fold's sum (stored under the key of the fold's last partial): ignored, neither counted
     * twice nor (the fold's case) overwriting the sum and so forgetting the partials folded with it.
     */
    @Test
    void aPartialReadAgainIsIgnoredAlsoAfterAFold() throws Exception {
        MockProcessorContext<String, String> mergeContext = new MockProcessorContext<>();
        WindowCounters counters = new WindowCounters();
        WindowAggregateProcessor merge = merge(mergeContext, counters, 3, WindowAggregateProcessor.FOLD_CHUNK_BYTES);
        Random random = new Random(7);
        for (long offset = 1; offset <= 3; offset++) { // the third folds the three into one under offset 3's key
            deliverPartial(merge, mergeContext, offset, labelled(0.1 * offset, "1", random));
        }
        assertEquals(2, counters.partialsFolded());
        deliverPartial(merge, mergeContext, 3, labelled(0.3, "1", random)); // offset 3 again
        deliverPartial(merge, mergeContext, 2, labelled(0.2, "1", random)); // folded away, its key gone
        assertEquals(2, counters.redeliveredPartials());

        // a new instance of the merge on the same stores (a restart): the window is read back from the store
        WindowAggregateProcessor restarted = (WindowAggregateProcessor) new WindowAggregation(WINDOWS, 1,
                MetricsHistory.DEFAULT_RETAINED_WINDOWS, Duration.ofSeconds(1), counters, true).get();
        restarted.init(mergeContext);
        mergeContext.resetForwards();
        // known from the store alone after the restart
        deliverPartial(restarted, mergeContext, 1, labelled(0.1, "1", random));
        assertEquals(3, counters.redeliveredPartials());
        for (int p = 0; p < PARTITIONS; p++) {
            restarted.process(new Record<>(DelayedJoinWatermarkKey.KEY,
                    new AggregateInput.Watermark(p, PARTITIONS, WINDOWS.closeTime(0)), WINDOWS.closeTime(0)));
        }
        var last = mergeContext.forwarded().get(mergeContext.forwarded().size() - 1).record().value();
        assertEquals(3, JSON.readTree(last).get("predictions").asInt(), "offsets 1-3 once each: " + last);
    }

    private static void deliverPartial(WindowAggregateProcessor merge, MockProcessorContext<String, String> context,
                                       long offset, Outcome outcome) {
        context.setRecordMetadata("aggregate-input", 0, offset);
        merge.process(new Record<>(KEY, new AggregateInput.Partial(0, 0, false,
                io.modelwatch.metrics.AggregateCodec.encode(WindowAggregate.of(List.of(outcome)))), MIN));
    }

    /** With the replay's end, held updates go out at once. */
    @Test
    void theReplaysEndReleasesHeldUpdatesAtOnce() throws Exception {
        JoinPartition b = new JoinPartition(1);
        MockProcessorContext<String, String> mergeContext = new MockProcessorContext<>();
        WindowAggregateProcessor merge = merge(mergeContext, new WindowCounters());
        merge.process(new Record<>(DelayedJoinWatermarkKey.KEY, new AggregateInput.Reset(0, PARTITIONS, Long.MIN_VALUE), 0));
        b.preAggregate.process(new Record<>(KEY, new AggregateInput.Contribution(0, null, labelled(0.2, "0", new Random(2))), MIN));
        sendUpdates(b);
        interleave(List.of(b), merge, null);
        assertEquals(0, mergeContext.forwarded().size());
        merge.process(new Record<>(DelayedJoinWatermarkKey.KEY, new AggregateInput.Replayed(0), 0));
        assertEquals(1, mergeContext.forwarded().size(), "the held update goes out with the replay's end");
    }

    /**
     * A join partition that never reads anything (repartition-inputs: false, a partition without traffic)
     * holds every window open until it says it is idle; then windows close on the others' watermarks, and
     * its next watermark counts again.
     */
    @Test
    void anIdleJoinPartitionNoLongerHoldsWindowsOpen() throws Exception {
        MockProcessorContext<String, String> mergeContext = new MockProcessorContext<>();
        WindowAggregateProcessor merge = merge(mergeContext);
        JoinPartition a = new JoinPartition(0);
        a.preAggregate.process(new Record<>(KEY, new AggregateInput.Contribution(0, null, labelled(0.9, "1", new Random(1))), MIN));
        long closed = WINDOWS.closeTime(0);
        a.preAggregate.process(new Record<>(DelayedJoinWatermarkKey.KEY, new AggregateInput.Watermark(0, 2, closed), closed));
        interleave(List.of(a), merge, null);
        assertEquals(0, finals(mergeContext), "partition 1 has not reported: nothing closes");

        merge.process(new Record<>(DelayedJoinWatermarkKey.KEY, new AggregateInput.Idle(1, 2), 0));
        assertEquals(1, finals(mergeContext), "partition 1 idle: the window closes on partition 0's watermark");

        // partition 1 wakes up behind: it counts again, and holds the next window until it catches up
        a.preAggregate.process(new Record<>(KEY, new AggregateInput.Contribution(WINDOWS.sizeMs(), null,
                labelled(0.4, "0", new Random(2))), closed));
        long next = WINDOWS.closeTime(WINDOWS.sizeMs());
        a.preAggregate.process(new Record<>(DelayedJoinWatermarkKey.KEY, new AggregateInput.Watermark(0, 2, next), next));
        merge.process(new Record<>(DelayedJoinWatermarkKey.KEY, new AggregateInput.Watermark(1, 2, closed), closed));
        interleave(List.of(a), merge, null);
        assertEquals(1, finals(mergeContext), "partition 1 is back, at the first window's close: the second stays open");
        merge.process(new Record<>(DelayedJoinWatermarkKey.KEY, new AggregateInput.Watermark(1, 2, next), next));
        assertEquals(2, finals(mergeContext));
    }

    /**
     * Idle notices do not outlive what they say: every partition idle closes nothing (there is no time to
     * close by); a partition's reset counts it again at once; a notice older than
     * {@link JoinPartitionStatus#IDLE_NOTICE_VALIDITY} (its task died or moved) no longer counts.
     */
    @Test
    void idleNoticesCloseNothingAloneAndLapse() throws Exception {
        MockProcessorContext<String, String> mergeContext = new MockProcessorContext<>();
        WindowAggregateProcessor merge = merge(mergeContext);
        JoinPartition a = new JoinPartition(0);
        a.preAggregate.process(new Record<>(KEY, new AggregateInput.Contribution(0, null, labelled(0.9, "1", new Random(1))), MIN));
        sendUpdates(a);
        interleave(List.of(a), merge, null);
        merge.process(new Record<>(DelayedJoinWatermarkKey.KEY, new AggregateInput.Idle(0, 2), 0));
        merge.process(new Record<>(DelayedJoinWatermarkKey.KEY, new AggregateInput.Idle(1, 2), 0));
        assertEquals(0, finals(mergeContext), "all idle: nothing closes");
        long closed = WINDOWS.closeTime(0);
        merge.process(new Record<>(DelayedJoinWatermarkKey.KEY, new AggregateInput.Watermark(0, 2, closed), closed));
        assertEquals(1, finals(mergeContext), "partition 1 idle: closes on partition 0's time");

        // a later window: partition 1 restarts (reset) and counts again, until a new notice
        a.preAggregate.process(new Record<>(KEY, new AggregateInput.Contribution(WINDOWS.sizeMs(), null,
                labelled(0.4, "0", new Random(2))), closed));
        sendUpdates(a);
        interleave(List.of(a), merge, null);
        long next = WINDOWS.closeTime(WINDOWS.sizeMs());
        merge.process(new Record<>(DelayedJoinWatermarkKey.KEY, new AggregateInput.Reset(1, 2, closed), 0));
        merge.process(new Record<>(DelayedJoinWatermarkKey.KEY, new AggregateInput.Replayed(1), 0));
        merge.process(new Record<>(DelayedJoinWatermarkKey.KEY, new AggregateInput.Watermark(0, 2, next), next));
        assertEquals(1, finals(mergeContext), "a restarted partition is not idle: the next window waits for it");

        // it says idle again, then nothing for longer than a notice lasts: it holds windows again
        merge.process(new Record<>(DelayedJoinWatermarkKey.KEY, new AggregateInput.Idle(1, 2), 0));
        assertEquals(2, finals(mergeContext), "idle again: the next window closes");
        a.preAggregate.process(new Record<>(KEY, new AggregateInput.Contribution(2 * WINDOWS.sizeMs(), null,
                labelled(0.4, "0", new Random(3))), next));
        sendUpdates(a);
        interleave(List.of(a), merge, null);
        mergeContext.setCurrentSystemTimeMs(JoinPartitionStatus.IDLE_NOTICE_VALIDITY.toMillis());
        long third = WINDOWS.closeTime(2 * WINDOWS.sizeMs());
        merge.process(new Record<>(DelayedJoinWatermarkKey.KEY, new AggregateInput.Watermark(0, 2, third), third));
        assertEquals(2, finals(mergeContext), "the notice lapsed: partition 1 holds the third window");
    }

    /** An idle notice leaves the pre-aggregation behind everything it held, so the merge closes nothing short. */
    @Test
    void anIdleNoticeFollowsThePartitionsUnsentDeltas() {
        JoinPartition a = new JoinPartition(0);
        a.preAggregate.process(new Record<>(KEY, new AggregateInput.Contribution(0, null, labelled(0.9, "1", new Random(1))), MIN));
        a.preAggregate.process(new Record<>(DelayedJoinWatermarkKey.KEY, new AggregateInput.Idle(0, 2), MIN));
        List<AggregateInput> sent = new ArrayList<>();
        a.context.forwarded().forEach(f -> sent.add(f.record().value()));
        assertEquals(2, sent.size(), sent.toString());
        assertTrue(sent.get(0) instanceof AggregateInput.Partial p && !p.isFinal(), sent.toString());
        assertEquals(new AggregateInput.Idle(0, 2), sent.get(1));
    }

    private static long finals(MockProcessorContext<String, String> mergeContext) throws Exception {
        long n = 0;
        for (var f : mergeContext.forwarded()) {
            if (JSON.readTree(f.record().value()).path("final").asBoolean()) {
                n++;
            }
        }
        return n;
    }

    /** A merge with its stores, initialised (update interval 1 s). */
    private static WindowAggregateProcessor merge(MockProcessorContext<String, String> mergeContext) {
        return merge(mergeContext, new WindowCounters());
    }

    private static WindowAggregateProcessor merge(MockProcessorContext<String, String> mergeContext,
                                                  WindowCounters counters) {
        return merge(mergeContext, counters, WindowAggregateProcessor.COMPACT_AFTER,
                WindowAggregateProcessor.FOLD_CHUNK_BYTES);
    }

    private static WindowAggregateProcessor merge(MockProcessorContext<String, String> mergeContext,
                                                  WindowCounters counters, int compactAfter, int chunkBytes) {
        mergeContext.setCurrentStreamTimeMs(MIN);
        mergeContext.setCurrentSystemTimeMs(0);
        WindowAggregation stage = new WindowAggregation(WINDOWS, 1, MetricsHistory.DEFAULT_RETAINED_WINDOWS,
                Duration.ofSeconds(1), counters, true);
        for (StoreBuilder<?> b : stage.stores()) {
            org.apache.kafka.streams.processor.StateStore s = b.withCachingDisabled().withLoggingDisabled().build();
            s.init(mergeContext.getStateStoreContext(), s);
            mergeContext.addStateStore(s);
        }
        WindowAggregateProcessor merge = new WindowAggregateProcessor(WINDOWS, 1, MetricsHistory.DEFAULT_RETAINED_WINDOWS,
                Duration.ofSeconds(1), counters, compactAfter, chunkBytes);
        merge.init(mergeContext);
        return merge;
    }

    /**
     * Moves what the join partitions forwarded to the merge as one input partition would hold it: each join
     * partition's records in their order, the partitions' records interleaved at random.
     */
    private static void interleave(List<JoinPartition> joins, WindowAggregateProcessor merge, Random random) {
        List<java.util.ArrayDeque<Record<AggregationKey, AggregateInput>>> queues = new ArrayList<>();
        for (JoinPartition join : joins) {
            java.util.ArrayDeque<Record<AggregationKey, AggregateInput>> q = new java.util.ArrayDeque<>();
            for (var f : join.context.forwarded()) {
                q.add(new Record<>(f.record().key(), f.record().value(), f.record().timestamp()));
            }
            join.context.resetForwards();
            queues.add(q);
        }
        queues.removeIf(java.util.ArrayDeque::isEmpty);
        while (!queues.isEmpty()) {
            java.util.ArrayDeque<Record<AggregationKey, AggregateInput>> q =
                    queues.get(random == null ? 0 : random.nextInt(queues.size()));
            merge.process(q.poll());
            if (q.isEmpty()) {
                queues.remove(q);
            }
        }
    }

    private static void sendUpdates(JoinPartition join) {
        join.context.scheduledPunctuators().get(0).getPunctuator().punctuate(0);
    }

    /** A task restart: a fresh pre-aggregation, then what the join's replay sends (reset, entries, flush). */
    private static void restart(JoinPartition join) {
        join.start();
        join.preAggregate.process(new Record<>(DelayedJoinWatermarkKey.KEY,
                new AggregateInput.Reset(join.id, PARTITIONS, Long.MIN_VALUE), 0));
        for (Outcome o : join.standing.values()) {
            join.preAggregate.process(new Record<>(KEY, new AggregateInput.Contribution(0, null, o), MIN));
        }
        join.preAggregate.process(new Record<>(DelayedJoinWatermarkKey.KEY, new AggregateInput.Flush(), 0));
    }

    /** Moves what the join partitions forwarded to the merge, interleaving partitions in a random order. */
    /** Every partial the merge was given, by content: what a stored value that is not one of them was folded from. */
    private final Set<java.nio.ByteBuffer> delivered = new HashSet<>();

    private void deliver(List<JoinPartition> joins, WindowAggregateProcessor merge, Random random) {
        List<JoinPartition> order = new ArrayList<>(joins);
        if (random != null) {
            java.util.Collections.shuffle(order, random);
        }
        for (JoinPartition join : order) {
            for (var f : join.context.forwarded()) {
                if (f.record().value() instanceof AggregateInput.Partial p) {
                    delivered.add(java.nio.ByteBuffer.wrap(p.aggregate()));
                }
                merge.process(new Record<>(f.record().key(), f.record().value(), f.record().timestamp()));
            }
            join.context.resetForwards();
        }
    }

    private static Outcome unlabelled(double score) {
        return new Outcome(score >= 0.5 ? "1" : "0", null, new String[] {"0", "1"}, new double[] {1 - score, score}, 0);
    }

    private static Outcome labelled(double score, String label, Random random) {
        return new Outcome(score >= 0.5 ? "1" : "0", label, new String[] {"0", "1"}, new double[] {1 - score, score},
                random.nextInt(100_000));
    }

    private static Outcome relabel(Outcome old, String label, Random random) {
        return new Outcome(old.predicted(), label, old.scoreClasses(), old.scores(), random.nextInt(100_000));
    }

    /** The key the join sends watermarks, resets and flushes under (its value does not matter here). */
    static final class DelayedJoinWatermarkKey {
        static final AggregationKey KEY = new AggregationKey("", "", "", "");
    }
}
