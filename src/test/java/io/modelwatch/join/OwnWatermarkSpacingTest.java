package io.modelwatch.join;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.modelwatch.ingest.IngestLimits;
import io.modelwatch.ingest.JoinInput;
import io.modelwatch.ingest.Prediction;
import io.modelwatch.window.AggregateInput;
import io.modelwatch.window.WindowSpec;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/**
 * With {@code repartition-inputs: false} the join task reads the inputs itself and sends its own watermark per
 * interval of its stream time: at most one per {@code watermark-min-spacing} of wall-clock time, as the ingest
 * tasks do otherwise. Minute watermarks, a spacing of 2 s (apart from the scan's 1 s wall-clock punctuator).
 */
class OwnWatermarkSpacingTest {

    static final long MIN = 60_000;
    static final long SPACING_MS = 2_000;

    final JoinTestContext join = new JoinTestContext();
    final MockProcessorContext<io.modelwatch.window.AggregationKey, AggregateInput> context = join.context;

    private DelayedJoinProcessor start(long spacingMs) {
        DelayedJoinProcessor p = new DelayedJoinProcessor(DelayedJoin.PENDING_STORE, new WindowSpec(60 * MIN, 60 * MIN),
                List.of(), 8, Duration.ofMinutes(1), 1, new JoinCounters(), IngestLimits.DEFAULTS,
                DelayedJoinProcessor.MIN_SCAN_CHUNK, DelayedJoinProcessor.MAX_SCAN_PER_PUNCTUATION, false, false,
                spacingMs);
        context.setCurrentSystemTimeMs(0);
        p.init(context);
        return p;
    }

    /** Reads a prediction at {@code ts} (the task's stream time moves there) and fires the stream-time punctuator. */
    private void streamTime(DelayedJoinProcessor p, long ts) {
        join.feed(p, new Record<>(("p" + ts).getBytes(), (JoinInput) new Prediction("p" + ts, "m", "v1", ts, "1",
                new String[] {"0", "1"}, new double[] {0.3, 0.7}, new String[0], new String[0]), ts));
        punctuators(PunctuationType.STREAM_TIME, MIN).forEach(x -> x.punctuate(ts));
    }

    private void wallClock(long ms) {
        context.setCurrentSystemTimeMs(ms);
        punctuators(PunctuationType.WALL_CLOCK_TIME, SPACING_MS).forEach(x -> x.punctuate(ms));
    }

    private List<org.apache.kafka.streams.processor.Punctuator> punctuators(PunctuationType type, long intervalMs) {
        return context.scheduledPunctuators().stream()
                .filter(s -> s.getType() == type && s.getInterval().toMillis() == intervalMs)
                .map(MockProcessorContext.CapturedPunctuator::getPunctuator).toList();
    }

    /** The event times of the watermarks sent so far. */
    private List<Long> watermarks() {
        return context.forwarded().stream().map(f -> f.record().value())
                .filter(v -> v instanceof AggregateInput.Watermark)
                .map(v -> ((AggregateInput.Watermark) v).streamTimeMs()).toList();
    }

    @Test
    void aWatermarkDueWithinTheSpacingIsHeldAndSentWithTheLatestStreamTime() {
        DelayedJoinProcessor p = start(SPACING_MS);
        streamTime(p, 10 * MIN);
        assertEquals(List.of(10 * MIN), watermarks(), "the first at once");
        context.setCurrentSystemTimeMs(500);
        streamTime(p, 11 * MIN);
        streamTime(p, 12 * MIN + 30_000);
        assertEquals(List.of(10 * MIN), watermarks(), "within 2 s of wall clock: held");
        wallClock(SPACING_MS);
        assertEquals(List.of(10 * MIN, 12 * MIN + 30_000), watermarks(), "one, with the stream time reached");
        wallClock(2 * SPACING_MS);
        assertEquals(2, watermarks().size(), "nothing held: nothing more");
        context.setCurrentSystemTimeMs(SPACING_MS + 2_500);
        streamTime(p, 13 * MIN);
        assertEquals(13 * MIN, watermarks().get(2), "2.5 s after the last one sent: at once");
        context.setCurrentSystemTimeMs(SPACING_MS + 3_000);
        streamTime(p, 14 * MIN);
        assertEquals(3, watermarks().size(), "0.5 s after the last: held");
        context.setCurrentSystemTimeMs(SPACING_MS + 4_600);
        streamTime(p, 15 * MIN);
        assertEquals(List.of(10 * MIN, 12 * MIN + 30_000, 13 * MIN, 15 * MIN), watermarks(),
                "the next due 2 s after the last goes at once, with the latest stream time");
        wallClock(10 * SPACING_MS);
        assertEquals(4, watermarks().size(), "the held one went with it");
    }

    @Test
    void liveEveryIntervalsWatermarkGoesAtOnce() {
        DelayedJoinProcessor p = start(SPACING_MS);
        for (int m = 1; m <= 5; m++) {
            context.setCurrentSystemTimeMs(m * MIN); // stream time at the wall clock's pace
            streamTime(p, m * MIN);
        }
        assertEquals(List.of(MIN, 2 * MIN, 3 * MIN, 4 * MIN, 5 * MIN), watermarks());
    }

    @Test
    void withoutSpacingEveryIntervalsWatermarkGoesAtOnceAndNoSpacingPunctuatorRuns() {
        DelayedJoinProcessor p = start(0);
        streamTime(p, 10 * MIN);
        streamTime(p, 11 * MIN);
        streamTime(p, 12 * MIN);
        assertEquals(List.of(10 * MIN, 11 * MIN, 12 * MIN), watermarks());
        assertEquals(List.of(), punctuators(PunctuationType.WALL_CLOCK_TIME, SPACING_MS));
    }

    @Test
    void theIngestWatermarksModeLeavesSpacingToTheIngestTasks() {
        DelayedJoinProcessor p = new DelayedJoinProcessor(DelayedJoin.PENDING_STORE, new WindowSpec(60 * MIN, 60 * MIN),
                List.of(), 8, Duration.ofMinutes(1), 1, new JoinCounters(), IngestLimits.DEFAULTS,
                DelayedJoinProcessor.MIN_SCAN_CHUNK, DelayedJoinProcessor.MAX_SCAN_PER_PUNCTUATION, false, true,
                SPACING_MS);
        p.init(context);
        assertEquals(List.of(), punctuators(PunctuationType.STREAM_TIME, MIN));
        assertEquals(List.of(), punctuators(PunctuationType.WALL_CLOCK_TIME, SPACING_MS));
    }
}
