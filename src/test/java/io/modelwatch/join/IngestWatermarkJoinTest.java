package io.modelwatch.join;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.ingest.IngestLimits;
import io.modelwatch.ingest.IngestWatermark;
import io.modelwatch.ingest.JoinInput;
import io.modelwatch.ingest.Label;
import io.modelwatch.ingest.Prediction;
import io.modelwatch.window.AggregateInput;
import io.modelwatch.window.WindowSpec;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With repartitioned inputs the join counts time by the slowest ingest task's watermark, not by the largest
 * event time any ingest task sent: an ingest task that lags behind another (a backlog, a late start) must
 * not find its events late. Late now means: the window is final downstream already.
 */
class IngestWatermarkJoinTest {

    static final long MIN = 60_000;
    static final long HOUR = 60 * MIN;
    static final long T0 = 1_767_225_600_000L; // an hour boundary
    static final WindowSpec WINDOWS = new WindowSpec(HOUR, HOUR); // a window closes 2 h after its start

    JoinTestContext join;
    final JoinCounters counters = new JoinCounters();

    @BeforeEach
    void stores() {
        join = new JoinTestContext();
    }

    private DelayedJoinProcessor start() {
        return start(100_000);
    }

    /** With at most {@code cap} entries visited per scan step. */
    private DelayedJoinProcessor start(int cap) {
        DelayedJoinProcessor p = new DelayedJoinProcessor(DelayedJoin.PENDING_STORE, WINDOWS, List.of(), 8,
                Duration.ofMinutes(1), 2, counters, IngestLimits.DEFAULTS, 1000, cap, false, true);
        p.init(join.context);
        return p;
    }

    @Test
    void aLaggingIngestTasksLabelStillPairsAfterAnotherRanAhead() {
        DelayedJoinProcessor p = start();
        join.feed(p, prediction("a", T0 + 10 * MIN));
        // ingest task 0 runs five hours ahead: this task's stream time follows it
        for (int i = 0; i < 10; i++) {
            join.feed(p, prediction("ahead-" + i, T0 + 5 * HOUR + i));
        }
        join.feed(p, watermark(0, T0 + 5 * HOUR));
        assertEquals(0, watermarksSent(), "ingest task 1 has not reported: time has not moved");
        // ingest task 1 is still at T0 + 20 min: its label for "a" is not late
        join.feed(p, label("a", T0 + 20 * MIN));
        assertEquals(0, counters.lateLabels());
        assertTrue(join.context.forwarded().stream().anyMatch(f -> f.record().value()
                instanceof AggregateInput.Contribution c && c.add() != null && c.add().labeled()),
                "the pair was counted");
    }

    @Test
    void timeIsTheLeastIngestWatermarkAndLateMeansFinalDownstream() {
        DelayedJoinProcessor p = start();
        join.feed(p, watermark(0, T0 + 5 * HOUR));
        join.feed(p, watermark(1, T0 + 3 * HOUR));
        assertEquals(List.of(T0 + 3 * HOUR), watermarkTimes());
        // the window of T0 + 20 min closed at T0 + 2 h, before the watermark sent: late
        join.feed(p, label("b", T0 + 20 * MIN));
        assertEquals(1, counters.lateLabels());
        // the window of T0 + 2 h closes at T0 + 4 h: open, though this task's stream time is T0 + 5 h
        join.feed(p, prediction("c", T0 + 2 * HOUR + MIN));
        assertEquals(0, counters.latePredictions());
        // less than a watermark interval further: no new watermark
        join.feed(p, watermark(1, T0 + 3 * HOUR + 30_000));
        assertEquals(1, watermarksSent());
    }

    @Test
    void theIngestWatermarksSurviveARestart() {
        DelayedJoinProcessor p = start();
        join.feed(p, watermark(0, T0 + 5 * HOUR));
        join.feed(p, watermark(1, T0 + 3 * HOUR));
        join.context.resetForwards();
        DelayedJoinProcessor restarted = start();
        // ingest task 0 moves on; task 1, still at T0 + 3 h as stored, holds time back
        join.feed(restarted, watermark(0, T0 + 6 * HOUR));
        assertEquals(List.of(), watermarkTimes());
        join.feed(restarted, watermark(1, T0 + 4 * HOUR));
        assertEquals(List.of(T0 + 4 * HOUR), watermarkTimes());
    }

    @Test
    void anIdleIngestPartitionDoesNotHoldTimeBackUntilItReportsAgain() {
        DelayedJoinProcessor p = start();
        join.feed(p, watermark(0, T0 + 5 * HOUR));
        join.feed(p, idle(1));
        assertEquals(List.of(T0 + 5 * HOUR), watermarkTimes(), "partition 1 never reported and is idle");
        join.feed(p, watermark(1, T0 + 5 * HOUR + 10 * MIN));
        join.feed(p, watermark(0, T0 + 7 * HOUR));
        assertEquals(List.of(T0 + 5 * HOUR, T0 + 5 * HOUR + 10 * MIN), watermarkTimes(),
                "awake again, partition 1 holds time at its own watermark");
        join.feed(p, idle(1));
        join.feed(p, watermark(0, T0 + 8 * HOUR));
        assertEquals(T0 + 8 * HOUR, watermarkTimes().get(watermarkTimes().size() - 1));
    }

    /**
     * A partition that wakes up (or sends on) with events whose windows are all final, a producer stamping hours
     * back: it held every window open for as long as it sent, though nothing it reads can count. It is left out
     * until it reaches time whose windows are open, and then holds time as any partition does.
     */
    @Test
    void aPartitionBehindTheClosedWindowsDoesNotHoldTimeUntilItCatchesUp() {
        DelayedJoinProcessor p = start();
        join.feed(p, watermark(0, T0 + 3 * HOUR));
        join.feed(p, watermark(1, T0 + 3 * HOUR));
        join.feed(p, idle(1));
        join.feed(p, watermark(0, T0 + 6 * HOUR));
        assertEquals(List.of(T0 + 3 * HOUR, T0 + 6 * HOUR), watermarkTimes());
        // awake at T0 + 1 h: a label there pairs at most into the window of T0 + 2 h, final at T0 + 4 h
        join.feed(p, watermark(1, T0 + HOUR));
        join.feed(p, label("old", T0 + HOUR));
        assertEquals(1, counters.lateLabels());
        join.feed(p, watermark(0, T0 + 7 * HOUR));
        assertEquals(T0 + 7 * HOUR, last(watermarkTimes()), "partition 1 does not hold time");
        // at T0 + 6 h 30 min its labels can pair into the open window of T0 + 7 h: it holds time again
        join.feed(p, watermark(1, T0 + 6 * HOUR + 30 * MIN));
        join.feed(p, watermark(0, T0 + 9 * HOUR));
        assertEquals(T0 + 7 * HOUR, last(watermarkTimes()), "held at the join's time until partition 1 passes it");
        join.feed(p, watermark(1, T0 + 8 * HOUR));
        assertEquals(T0 + 8 * HOUR, last(watermarkTimes()));
    }

    private static long last(List<Long> times) {
        return times.get(times.size() - 1);
    }

    @Test
    void onceEveryIngestPartitionIsIdleTimeMovesToTheLeastEventTimeTheyReached() {
        DelayedJoinProcessor p = start();
        join.feed(p, watermark(0, T0 + 5 * HOUR));
        join.feed(p, watermark(1, T0 + 3 * HOUR));
        assertEquals(List.of(T0 + 3 * HOUR), watermarkTimes());
        // each read on within the interval, then went idle carrying the event time it reached
        join.feed(p, idle(0, T0 + 5 * HOUR + 40_000));
        assertEquals(List.of(T0 + 3 * HOUR), watermarkTimes(), "partition 1 is not idle: it holds time");
        join.feed(p, idle(1, T0 + 3 * HOUR + 40_000));
        assertEquals(List.of(T0 + 3 * HOUR, T0 + 3 * HOUR + 40_000), watermarkTimes(),
                "all idle: the least time reached, though not a whole interval further");
        join.feed(p, idle(1, T0 + 3 * HOUR + 40_000));
        assertEquals(2, watermarksSent(), "nothing new: no watermark");
        // partition 1 wakes up: time is the least of the partitions not idle again, in interval steps
        join.feed(p, watermark(1, T0 + 3 * HOUR + 50_000));
        assertEquals(2, watermarksSent());
        join.feed(p, watermark(1, T0 + 4 * HOUR));
        assertEquals(T0 + 4 * HOUR, watermarkTimes().get(watermarkTimes().size() - 1));
    }

    @Test
    void anIdlePartitionThatReadNothingNeitherMovesNorHoldsTimeWhenAllAreIdle() {
        DelayedJoinProcessor p = start();
        join.feed(p, idle(0));
        join.feed(p, idle(1));
        assertEquals(List.of(), watermarkTimes(), "neither read anything: no time");
        join.feed(p, watermark(0, T0 + 5 * HOUR));
        assertEquals(List.of(T0 + 5 * HOUR), watermarkTimes());
        join.feed(p, idle(0, T0 + 5 * HOUR + 40_000));
        assertEquals(List.of(T0 + 5 * HOUR, T0 + 5 * HOUR + 40_000), watermarkTimes());
    }

    @Test
    void theFirstWatermarkAfterABacklogExpiresEveryDueEntryAtOnce() {
        // with inputs in arrival order an ingest partition may send its first watermark only after a backlog
        // was read: time jumps from nothing to past the entries' expiry, and the scan owes a whole pass
        DelayedJoinProcessor p = start();
        for (int i = 0; i < 5000; i++) {
            join.feed(p, prediction(String.format("k%04d", i), T0 + 10 * MIN));
        }
        join.feed(p, watermark(0, T0 + 5 * HOUR));
        join.feed(p, watermark(1, T0 + 5 * HOUR));
        assertEquals(List.of(T0 + 5 * HOUR), watermarkTimes());
        assertEquals(5000, counters.expiredEntries(), "a whole pass, not a chunk of 1000");
        assertEquals(0, join.pending.approximateNumEntries());
    }

    @Test
    void aJumpWhileAWholePassIsUnderWayMakesTheScanPassAgain() {
        DelayedJoinProcessor p = start(1000);
        for (int i = 0; i < 5000; i++) {
            join.feed(p, prediction(String.format("k%04d", i), T0 + 10 * MIN));
        }
        // the first watermark, before the entries' expiry (2 h): a whole pass, 1000 entries a step
        join.feed(p, watermark(0, T0 + 30 * MIN));
        join.feed(p, watermark(1, T0 + 30 * MIN));
        wallClockSecond();
        assertEquals(0, counters.expiredEntries());
        // a jump past the expiry with the pass at k1999: k0000..k1999 are due too, though visited
        join.feed(p, watermark(0, T0 + 5 * HOUR));
        join.feed(p, watermark(1, T0 + 5 * HOUR));
        for (int s = 0; s < 10; s++) {
            wallClockSecond();
        }
        assertEquals(5000, counters.expiredEntries());
        assertEquals(0, join.pending.approximateNumEntries());
    }

    /** One second of the wall clock: the scan's next capped step. */
    private void wallClockSecond() {
        join.context.scheduledPunctuators().stream()
                .filter(c -> c.getType() == org.apache.kafka.streams.processor.PunctuationType.WALL_CLOCK_TIME
                        && c.getInterval().equals(Duration.ofSeconds(1)))
                .reduce((a, b) -> b).orElseThrow().getPunctuator().punctuate(0);
    }

    private static Record<byte[], JoinInput> idle(int ingestPartition) {
        return new Record<>(new byte[0], new IngestWatermark(ingestPartition, 0, true), 0);
    }

    /** An idle watermark carrying the event time its partition reached. */
    private static Record<byte[], JoinInput> idle(int ingestPartition, long ts) {
        return new Record<>(new byte[0], new IngestWatermark(ingestPartition, ts, true), ts);
    }

    private long watermarksSent() {
        return watermarkTimes().size();
    }

    private List<Long> watermarkTimes() {
        return join.context.forwarded().stream().map(f -> f.record().value())
                .filter(v -> v instanceof AggregateInput.Watermark)
                .map(v -> ((AggregateInput.Watermark) v).streamTimeMs()).toList();
    }

    private static Record<byte[], JoinInput> watermark(int ingestPartition, long ts) {
        return new Record<>(new byte[0], new IngestWatermark(ingestPartition, ts), ts);
    }

    private static Record<byte[], JoinInput> prediction(String id, long ts) {
        return new Record<>(id.getBytes(), new Prediction(id, "m", "v1", ts, "1", new String[] {"0", "1"},
                new double[] {0.3, 0.7}, new String[0], new String[0]), ts);
    }

    private static Record<byte[], JoinInput> label(String id, long ts) {
        return new Record<>(id.getBytes(), new Label(id, "1", ts), ts);
    }
}
