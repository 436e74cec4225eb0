package io.modelwatch.join;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.modelwatch.ingest.IngestLimits;
import io.modelwatch.ingest.JoinInput;
import io.modelwatch.ingest.Label;
import io.modelwatch.ingest.Prediction;
import io.modelwatch.window.AggregateInput;
import io.modelwatch.window.AggregationKey;
import io.modelwatch.window.WindowSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The window pre-aggregation keeps its partials in memory, so a join task that starts (after a crash,
 * or on another instance) hands it every pending entry of a window not yet final downstream, once,
 * before anything else; entries of windows closed by the last persisted watermark are left out.
 */
class JoinReplayTest {

    static final long MIN = 60_000;
    static final long HOUR = 60 * MIN;
    static final WindowSpec WINDOWS = new WindowSpec(HOUR, HOUR); // a window closes 2 h after its start

    JoinTestContext join;
    MockProcessorContext<AggregationKey, AggregateInput> context;
    final JoinCounters counters = new JoinCounters();

    @BeforeEach
    void stores() {
        join = new JoinTestContext();
        context = join.context;
    }

    private DelayedJoinProcessor start() {
        DelayedJoinProcessor p = new DelayedJoinProcessor(DelayedJoin.PENDING_STORE, WINDOWS, List.of(), 8,
                Duration.ofMinutes(1), 1, counters, IngestLimits.DEFAULTS);
        p.init(context);
        return p;
    }

    private void feed(DelayedJoinProcessor p, Record<byte[], JoinInput> r) {
        join.feed(p, r);
    }

    private static Record<byte[], JoinInput> prediction(String id, long ts) {
        return new Record<>(id.getBytes(), new Prediction(id, "m", "v1", ts, "1", new String[] {"0", "1"},
                new double[] {0.3, 0.7}, new String[0], new String[0]), ts);
    }

    private static Record<byte[], JoinInput> label(String id, long ts) {
        return new Record<>(id.getBytes(), new Label(id, "1", ts), ts);
    }

    /** Contributions forwarded since the last reset, by window start: how many, and how many labelled. */
    private Map<Long, long[]> contributions() {
        Map<Long, long[]> out = new TreeMap<>();
        for (var f : context.forwarded()) {
            if (f.record().value() instanceof AggregateInput.Contribution c) {
                long[] n = out.computeIfAbsent(c.windowStart(), k -> new long[2]);
                n[0]++;
                if (c.add() != null && c.add().labeled()) {
                    n[1]++;
                }
            }
        }
        context.resetForwards();
        return out;
    }

    @Test
    void aStartingTaskReplaysThePendingEntriesOfOpenWindowsOnce() {
        DelayedJoinProcessor first = start();
        feed(first, prediction("a", 10 * MIN));
        feed(first, label("a", 20 * MIN));
        feed(first, prediction("b", 30 * MIN));
        feed(first, prediction("c", HOUR + 5 * MIN));
        contributions();

        DelayedJoinProcessor restarted = start(); // same stores: what a restore from the changelog gives
        feed(restarted, prediction("d", HOUR + 10 * MIN));
        Map<Long, long[]> replayed = contributions();
        assertEquals(3, counters.replayedEntries());
        assertEquals(2, replayed.get(0L)[0]); // a (labelled) and b replayed
        assertEquals(1, replayed.get(0L)[1]);
        assertEquals(2, replayed.get(HOUR)[0]); // c replayed, d new

        feed(restarted, prediction("e", HOUR + 20 * MIN));
        assertEquals(1, contributions().get(HOUR)[0], "the replay happens once per task start");
    }

    /**
     * With the inputs read in the join task (repartition-inputs: false) its time is its own input's: a task
     * that read nothing for an idle period says so (the merge then closes windows without it); one that
     * read something does not.
     */
    @Test
    void aTaskReadingItsOwnInputsSaysWhenItIsIdle() {
        DelayedJoinProcessor p = start();
        var idleCheck = idleCheck();
        context.setCurrentStreamTimeMs(-1); // a task that never read a record
        idleCheck.punctuate(0);
        assertEquals(List.of(), watermarks(), "nothing read: no time to send");
        assertEquals(List.of(new AggregateInput.Idle(0, 1)), idles(), "nothing read: idle");
        feed(p, prediction("a", 10 * MIN));
        idleCheck.punctuate(30_000);
        assertEquals(List.of(), idles(), "a record since the last check: not idle");
        idleCheck.punctuate(60_000);
        List<Object> sent = context.forwarded().stream().map(f -> (Object) f.record().value())
                .filter(v -> v instanceof AggregateInput.Watermark || v instanceof AggregateInput.Idle).toList();
        assertEquals(List.of(new AggregateInput.Watermark(0, 1, 10 * MIN), new AggregateInput.Idle(0, 1)), sent,
                "quiet again: first the stream time reached (not only its last interval step), then idle");
        context.resetForwards();
        idleCheck.punctuate(90_000);
        assertEquals(List.of(), watermarks(), "no time passed since: no watermark");
        assertEquals(List.of(new AggregateInput.Idle(0, 1)), idles(), "still quiet: idle again");
    }

    /** Records behind the time a task reached are not traffic: it says it is idle while it reads only those. */
    @Test
    void aTaskReadingOnlyRecordsBehindItsTimeSaysItIsIdle() {
        DelayedJoinProcessor p = start();
        var idleCheck = idleCheck();
        feed(p, prediction("a", 10 * MIN));
        idleCheck.punctuate(0);
        assertEquals(List.of(), idles(), "a record since the last check: not idle");
        feed(p, prediction("b", 5 * MIN));
        feed(p, label("a", 6 * MIN));
        idleCheck.punctuate(30_000);
        assertEquals(List.of(new AggregateInput.Idle(0, 1)), idles(), "only records behind its time: idle");
        feed(p, prediction("c", 11 * MIN));
        idleCheck.punctuate(60_000);
        assertEquals(List.of(), idles(), "past its time again: not idle");
    }

    /** The task's idle check (repartition-inputs: false), every IngestProgress.IDLE_AFTER of wall-clock time. */
    private org.apache.kafka.streams.processor.Punctuator idleCheck() {
        return context.scheduledPunctuators().stream()
                .filter(s -> s.getInterval().equals(io.modelwatch.ingest.IngestProgress.IDLE_AFTER))
                .findFirst().orElseThrow().getPunctuator();
    }

    private List<Long> watermarks() {
        return context.forwarded().stream().map(f -> f.record().value())
                .filter(v -> v instanceof AggregateInput.Watermark)
                .map(v -> ((AggregateInput.Watermark) v).streamTimeMs()).toList();
    }

    @Test
    void aTaskFedByIngestWatermarksHasNoIdleCheck() {
        new DelayedJoinProcessor(DelayedJoin.PENDING_STORE, WINDOWS, List.of(), 8, Duration.ofMinutes(1), 1,
                counters, IngestLimits.DEFAULTS, DelayedJoinProcessor.MIN_SCAN_CHUNK,
                DelayedJoinProcessor.MAX_SCAN_PER_PUNCTUATION, false, true).init(context);
        assertEquals(List.of(Duration.ofSeconds(1)), context.scheduledPunctuators().stream().map(s -> s.getInterval()).toList(),
                "only the 1-second scan continuation: its time comes from the ingest tasks' idle-aware watermarks");
    }

    private List<AggregateInput.Idle> idles() {
        List<AggregateInput.Idle> out = context.forwarded().stream().map(f -> f.record().value())
                .filter(v -> v instanceof AggregateInput.Idle).map(v -> (AggregateInput.Idle) v).toList();
        context.resetForwards();
        return out;
    }

    @Test
    void windowsFinalDownstreamAreNotReplayed() {
        DelayedJoinProcessor first = start();
        feed(first, prediction("a", 10 * MIN));          // window [0, 1h), closes at 2h
        feed(first, prediction("b", HOUR + 10 * MIN));   // window [1h, 2h), closes at 3h
        feed(first, prediction("clock", 2 * HOUR + 30 * MIN));
        context.scheduledPunctuators().get(0).getPunctuator().punctuate(2 * HOUR + 30 * MIN); // watermark 2h30
        List<AggregateInput.Watermark> marks = context.forwarded().stream()
                .map(f -> f.record().value()).filter(v -> v instanceof AggregateInput.Watermark)
                .map(v -> (AggregateInput.Watermark) v).toList();
        assertEquals(1, marks.size());
        contributions();

        DelayedJoinProcessor restarted = start();
        feed(restarted, prediction("late-clock", 2 * HOUR + 40 * MIN));
        Map<Long, long[]> replayed = contributions();
        assertNull(replayed.get(0L), "window [0, 1h) was final at watermark " + marks.get(0).streamTimeMs());
        assertEquals(1, replayed.get(HOUR)[0]);
        assertInstanceOf(Long.class, replayed.keySet().iterator().next());
    }

    @Test
    void theSameInstanceInitialisedAgainReplaysAgain() {
        // Kafka Streams re-initialises the same processor instance when a task returns to an instance
        // (a standby promoted after the active was recycled): the replay must happen then too
        DelayedJoinProcessor p = start();
        feed(p, prediction("a", 10 * MIN));
        contributions();
        p.init(context);
        feed(p, prediction("b", 20 * MIN));
        Map<Long, long[]> out = contributions();
        assertEquals(2, out.get(0L)[0], "a replayed, b new");
        assertEquals(1, counters.replayedEntries());
    }

    @Test
    void theReplayIsFramedByAResetAndAFlush() {
        // the merge forgets what this partition sent for windows still open here, then gets them whole
        DelayedJoinProcessor first = start();
        feed(first, prediction("a", 10 * MIN));
        context.resetForwards();
        DelayedJoinProcessor restarted = start();
        feed(restarted, prediction("b", 20 * MIN));
        List<AggregateInput> out = context.forwarded().stream().map(f -> (AggregateInput) f.record().value()).toList();
        AggregateInput.Reset reset = assertInstanceOf(AggregateInput.Reset.class, out.get(0));
        assertEquals(Long.MIN_VALUE, reset.closedThrough(), "no watermark sent yet: every window is replayed");
        assertInstanceOf(AggregateInput.Contribution.class, out.get(1)); // a, replayed
        assertInstanceOf(AggregateInput.Flush.class, out.get(2));
        assertInstanceOf(AggregateInput.Contribution.class, out.get(3)); // b, new
        assertEquals(4, out.size());
    }
}
