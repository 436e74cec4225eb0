package io.modelwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * The ingest task's routing and watermarks: an event read on its join partition goes straight to the join,
 * the others through the join-input topic; watermarks of this partition's own event time go behind them,
 * idle ones when it reads nothing.
 */
class IngestProgressTest {

    private static final long TS = 1_767_225_600_000L;
    private static final int PARTITION = 2;
    private static final int JOIN_PARTITIONS = 4;

    private final MockProcessorContext<byte[], JoinInput> context =
            new MockProcessorContext<>(config(), new TaskId(0, PARTITION), null);
    private final KeyValueStore<Integer, Long> store = progressStore(context);
    private final Processor<byte[], JoinInput, byte[], JoinInput> progress =
            new IngestProgress(Duration.ofMinutes(1), JOIN_PARTITIONS, "direct", "remote").get();

    @Test
    void anEventOnItsJoinPartitionGoesStraightToTheJoinAndOthersThroughTheTopic() {
        progress.init(context);
        String here = idJoinedOn(PARTITION);
        String elsewhere = idJoinedOn(PARTITION + 1);
        Record<byte[], JoinInput> local = label(here, TS);
        Record<byte[], JoinInput> remote = label(elsewhere, TS);
        progress.process(local);
        progress.process(remote);
        List<MockProcessorContext.CapturedForward<? extends byte[], ? extends JoinInput>> out = context.forwarded();
        assertSame(local.value(), out.get(0).record().value());
        assertEquals("direct", out.get(0).childName().orElseThrow());
        // the first event's watermark, then the second event
        assertEquals(new IngestWatermark(PARTITION, TS, false), out.get(1).record().value());
        assertEquals("remote", out.get(1).childName().orElseThrow());
        assertSame(remote.value(), out.get(2).record().value());
        assertEquals("remote", out.get(2).childName().orElseThrow());
        assertEquals(3, out.size());
    }

    @Test
    void countsTheEventsReadOnTheirJoinPartition() {
        IngestCounters counters = new IngestCounters();
        Processor<byte[], JoinInput, byte[], JoinInput> counting = new IngestProgress(Duration.ofMinutes(1),
                JOIN_PARTITIONS, "direct", "remote", false, Duration.ZERO, counters).get();
        counting.init(context);
        counting.process(label(idJoinedOn(PARTITION), TS));
        counting.process(prediction(idJoinedOn(PARTITION + 1), TS));
        counting.process(prediction(idJoinedOn(PARTITION), TS));
        // what tells an operator whether the inputs are keyed: only the events on this, their join partition
        assertEquals(2, counters.onJoinPartition());
    }

    @Test
    void aWatermarkFollowsOncePerIntervalOfThisPartitionsOwnEventTime() {
        progress.init(context);
        // the task's stream time, which join-input records from other partitions move too, is not this one's
        context.setCurrentStreamTimeMs(TS + 3_600_000);
        progress.process(label(idJoinedOn(PARTITION), TS));
        progress.process(label(idJoinedOn(PARTITION), TS + 30_000)); // same minute: no watermark
        progress.process(label(idJoinedOn(PARTITION), TS + 10_000)); // behind: no watermark
        progress.process(label(idJoinedOn(PARTITION), TS + 61_000)); // the next minute
        assertEquals(List.of(new IngestWatermark(PARTITION, TS, false), new IngestWatermark(PARTITION, TS + 61_000,
                false)), watermarks());
    }

    @Test
    void whenEventTimeRunsAheadOfTheWallClockAWatermarkComesAtMostOncePerSpacing() {
        Processor<byte[], JoinInput, byte[], JoinInput> spaced = new IngestProgress(Duration.ofMinutes(1),
                JOIN_PARTITIONS, "direct", "remote", false, Duration.ofSeconds(1), new IngestCounters()).get();
        context.setCurrentSystemTimeMs(5_000);
        spaced.init(context);
        var spacing = context.scheduledPunctuators().stream()
                .filter(p -> p.getType() == PunctuationType.WALL_CLOCK_TIME && p.getInterval().equals(Duration.ofSeconds(1)))
                .findFirst().orElseThrow();
        spaced.process(label(idJoinedOn(PARTITION), TS)); // the first at once
        // a backlog: three more minutes of event time within the same wall-clock second
        spaced.process(label(idJoinedOn(PARTITION), TS + 61_000));
        spaced.process(label(idJoinedOn(PARTITION), TS + 125_000));
        context.setCurrentSystemTimeMs(5_900);
        spaced.process(label(idJoinedOn(PARTITION), TS + 190_000));
        assertEquals(List.of(new IngestWatermark(PARTITION, TS, false)), watermarks(), "the others are held");
        spacing.getPunctuator().punctuate(6_000);
        assertEquals(new IngestWatermark(PARTITION, TS + 190_000, false), watermarks().get(1),
                "the held one goes with the event time reached");
        spacing.getPunctuator().punctuate(7_000);
        assertEquals(2, watermarks().size(), "nothing held: nothing sent");
        // a second of wall clock after the last: the next crossing goes at once
        context.setCurrentSystemTimeMs(7_500);
        spaced.process(label(idJoinedOn(PARTITION), TS + 250_000));
        assertEquals(new IngestWatermark(PARTITION, TS + 250_000, false), watermarks().get(2));
        // live, a minute of event time is a minute of wall clock: every interval's watermark goes at once
        for (int m = 5; m <= 8; m++) {
            context.setCurrentSystemTimeMs(7_500 + (m - 4) * 60_000L);
            spaced.process(label(idJoinedOn(PARTITION), TS + m * 60_000L + 10_000));
        }
        assertEquals(7, watermarks().size());
    }

    @Test
    void withoutSpacingEveryIntervalsWatermarkGoesAtOnce() {
        progress.init(context);
        for (int m = 0; m < 5; m++) {
            progress.process(label(idJoinedOn(PARTITION), TS + m * 60_000L)); // wall clock standing still
        }
        assertEquals(5, watermarks().size());
        assertEquals(2, context.scheduledPunctuators().size(), "the idle check and the write of the inputs' times only");
    }

    @Test
    void aWallClockPeriodWithoutRecordsSendsAnIdleWatermark() {
        progress.init(context);
        var wallClock = punctuator(PunctuationType.WALL_CLOCK_TIME);
        assertEquals(IngestProgress.IDLE_AFTER, wallClock.getInterval());
        progress.process(label(idJoinedOn(PARTITION), TS));
        wallClock.getPunctuator().punctuate(0);
        assertEquals(1, watermarks().size(), "a record came in the period: not idle");
        wallClock.getPunctuator().punctuate(0);
        assertEquals(new IngestWatermark(PARTITION, TS, true), watermarks().get(1));
    }

    @Test
    void theFirstEventPastItsTimeAfterAnIdleWatermarkSaysThePartitionIsBackAtOnce() {
        progress.init(context);
        var wallClock = punctuator(PunctuationType.WALL_CLOCK_TIME).getPunctuator();
        progress.process(label(idJoinedOn(PARTITION), TS + 30_000));
        wallClock.punctuate(0);
        wallClock.punctuate(0);
        // behind the largest event time: not traffic, the partition stays idle
        progress.process(label(idJoinedOn(PARTITION), TS));
        assertEquals(2, watermarks().size());
        // same minute, past it: only the idle watermark before it makes this one
        progress.process(label(idJoinedOn(PARTITION), TS + 40_000));
        assertEquals(List.of(new IngestWatermark(PARTITION, TS + 30_000, false),
                new IngestWatermark(PARTITION, TS + 30_000, true),
                new IngestWatermark(PARTITION, TS + 40_000, false)), watermarks());
    }

    /**
     * A partition that read current events, then only events an hour back (a producer whose clock jumped back, a
     * backlog replayed into it): it neither moved nor went idle, and held every window at its time while it sent.
     */
    @Test
    void aPartitionReadingOnlyEventsBehindItsTimeGoesIdleAfterAWholePeriod() {
        progress.init(context);
        var wallClock = punctuator(PunctuationType.WALL_CLOCK_TIME).getPunctuator();
        progress.process(label(idJoinedOn(PARTITION), TS + 3_600_000));
        wallClock.punctuate(0);
        for (int period = 0; period < 2; period++) {
            for (int i = 0; i < 30; i++) {
                progress.process(label(idJoinedOn(PARTITION), TS + i * 1_000L));
            }
            wallClock.punctuate(0);
        }
        // idle after a whole period of events behind its time, and again at each period while they come
        assertEquals(List.of(new IngestWatermark(PARTITION, TS + 3_600_000, false),
                new IngestWatermark(PARTITION, TS + 3_600_000, true),
                new IngestWatermark(PARTITION, TS + 3_600_000, true)), watermarks());
    }

    @Test
    void aPartitionThatNeverReadAnythingSaysItIsIdleUnderAValidTimestamp() {
        progress.init(context);
        context.setCurrentStreamTimeMs(-1); // a task that never read a record
        context.setCurrentSystemTimeMs(TS);
        punctuator(PunctuationType.WALL_CLOCK_TIME).getPunctuator().punctuate(TS);
        assertEquals(List.of(new IngestWatermark(PARTITION, 0, true)), watermarks());
        // a broker may refuse old timestamps (log.message.timestamp.before.max.ms): not 0, the wall clock
        assertEquals(TS, context.forwarded().get(0).record().timestamp());
    }

    @Test
    void afterARestartAnIdleWatermarkCarriesNoTimeUntilThePartitionReads() {
        progress.init(context);
        context.setCurrentStreamTimeMs(TS - 60_000); // restored from the committed offsets' metadata
        context.setCurrentSystemTimeMs(TS);
        punctuator(PunctuationType.WALL_CLOCK_TIME).getPunctuator().punctuate(TS);
        // it read nothing since: no time of its own (the stream time may be another partition's), 0
        assertEquals(List.of(new IngestWatermark(PARTITION, 0, true)), watermarks());
        assertEquals(TS - 60_000, context.forwarded().get(0).record().timestamp());
    }

    // inputs in arrival order (max.task.idle.ms -1): this partition's event time is the least of its two inputs'

    private final Processor<byte[], JoinInput, byte[], JoinInput> leastOfInputs =
            new IngestProgress(Duration.ofMinutes(1), JOIN_PARTITIONS, "direct", "remote", true, Duration.ZERO, new IngestCounters()).get();

    @Test
    void labelsReadAheadOfTheirPredictionsDoNotMoveTheEventTime() {
        leastOfInputs.init(context);
        String id = idJoinedOn(PARTITION);
        leastOfInputs.process(label(id, TS + 300_000)); // a label five minutes ahead: predictions not read yet
        assertEquals(List.of(), watermarks(), "one input has read nothing: no event time yet");
        leastOfInputs.process(prediction(id, TS));
        leastOfInputs.process(label(id, TS + 600_000));
        leastOfInputs.process(prediction(id, TS + 120_000));
        assertEquals(List.of(new IngestWatermark(PARTITION, TS, false), new IngestWatermark(PARTITION, TS + 120_000,
                false)), watermarks());
        // the same events with one input (Kafka Streams ordering them): the largest, the label's
        Processor<byte[], JoinInput, byte[], JoinInput> largest = progress;
        MockProcessorContext<byte[], JoinInput> other = new MockProcessorContext<>(config(), new TaskId(0, PARTITION),
                null);
        progressStore(other);
        largest.init(other);
        largest.process(label(id, TS + 300_000));
        assertEquals(new IngestWatermark(PARTITION, TS + 300_000, false), other.forwarded().get(1).record().value());
    }

    @Test
    void anInputSilentForAWholePeriodIsLeftOutUntilItsNextEvent() {
        leastOfInputs.init(context);
        var wallClock = punctuator(PunctuationType.WALL_CLOCK_TIME).getPunctuator();
        String id = idJoinedOn(PARTITION);
        leastOfInputs.process(prediction(id, TS));
        leastOfInputs.process(label(id, TS + 60_000));
        leastOfInputs.process(label(id, TS + 180_000));
        wallClock.punctuate(0); // both read in this period: nothing changes
        assertEquals(List.of(new IngestWatermark(PARTITION, TS, false)), watermarks());
        leastOfInputs.process(label(id, TS + 240_000));
        wallClock.punctuate(0); // the predictions stopped: the labels' event time counts alone
        assertEquals(new IngestWatermark(PARTITION, TS + 240_000, false), watermarks().get(1));
        // a prediction again: the least again, the event time never goes back
        leastOfInputs.process(prediction(id, TS + 200_000));
        leastOfInputs.process(label(id, TS + 420_000));
        leastOfInputs.process(prediction(id, TS + 300_000));
        assertEquals(List.of(new IngestWatermark(PARTITION, TS, false), new IngestWatermark(PARTITION, TS + 240_000,
                false), new IngestWatermark(PARTITION, TS + 300_000, false)), watermarks());
        wallClock.punctuate(0);
        wallClock.punctuate(0); // both silent: idle, at the largest time they reached (all they held was read)
        assertEquals(new IngestWatermark(PARTITION, TS + 420_000, true), watermarks().get(3));
        // and it never goes back: the next prediction, behind the labels, sends the same time, not idle
        leastOfInputs.process(prediction(id, TS + 360_000));
        assertEquals(new IngestWatermark(PARTITION, TS + 420_000, false), watermarks().get(4));
    }

    /** Both inputs stop within one period: the partition says idle at the labels' time, not the predictions'. */
    @Test
    void inputsThatStopTogetherSayIdleAtTheLargestTimeTheyReached() {
        leastOfInputs.init(context);
        var wallClock = punctuator(PunctuationType.WALL_CLOCK_TIME).getPunctuator();
        String id = idJoinedOn(PARTITION);
        leastOfInputs.process(prediction(id, TS));
        leastOfInputs.process(label(id, TS + 8 * 3_600_000)); // labels come hours after their predictions
        wallClock.punctuate(0); // both read in this period
        wallClock.punctuate(0); // both silent
        assertEquals(List.of(new IngestWatermark(PARTITION, TS, false),
                new IngestWatermark(PARTITION, TS + 8 * 3_600_000, true)), watermarks(),
                "the windows the labels' time closes can close without new traffic");
    }

    @Test
    void anInputThatNeverReadAnythingIsLeftOutAfterAWholePeriod() {
        leastOfInputs.init(context);
        var wallClock = punctuator(PunctuationType.WALL_CLOCK_TIME).getPunctuator();
        context.setCurrentStreamTimeMs(-1);
        context.setCurrentSystemTimeMs(TS);
        wallClock.punctuate(0); // nothing read at all: idle, as with one input
        assertEquals(List.of(new IngestWatermark(PARTITION, 0, true)), watermarks());
        // the first label: both inputs were silent, the predictions stay left out until their first event
        leastOfInputs.process(label(idJoinedOn(PARTITION), TS));
        assertEquals(new IngestWatermark(PARTITION, TS, false), watermarks().get(1));
        leastOfInputs.process(label(idJoinedOn(PARTITION), TS + 60_000));
        leastOfInputs.process(prediction(idJoinedOn(PARTITION), TS + 30_000));
        leastOfInputs.process(label(idJoinedOn(PARTITION), TS + 180_000));
        assertEquals(List.of(new IngestWatermark(PARTITION, 0, true), new IngestWatermark(PARTITION, TS, false),
                new IngestWatermark(PARTITION, TS + 60_000, false)), watermarks(), "the least again from "
                + "the first prediction on");
    }

    @Test
    void anInputNotReadYetHoldsTheEventTimeUntilAWholePeriodPasses() {
        leastOfInputs.init(context);
        var wallClock = punctuator(PunctuationType.WALL_CLOCK_TIME).getPunctuator();
        leastOfInputs.process(label(idJoinedOn(PARTITION), TS));
        assertEquals(List.of(), watermarks(), "the predictions were never read: they still count");
        wallClock.punctuate(0);
        assertEquals(List.of(new IngestWatermark(PARTITION, TS, false)), watermarks());
    }

    /**
     * A task restarted after its inputs stopped reads nothing more: the times its inputs reached, kept in its
     * store, are what it says idle at, so the last windows close without new traffic (a kill -9 run left them
     * open until the next event).
     */
    @Test
    void aTaskRestartedAfterItsInputsStoppedSaysIdleAtTheTimeTheyReached() {
        leastOfInputs.init(context);
        String id = idJoinedOn(PARTITION);
        leastOfInputs.process(prediction(id, TS));
        leastOfInputs.process(label(id, TS + 8 * 3_600_000));
        persistPunctuator(context).punctuate(0);
        assertEquals(TS, store.get(0));
        assertEquals(TS + 8 * 3_600_000, store.get(1));

        // the restart: a new processor over the same (restored) store, nothing left to read
        MockProcessorContext<byte[], JoinInput> restarted = new MockProcessorContext<>(config(),
                new TaskId(0, PARTITION), null);
        restarted.addStateStore(store);
        Processor<byte[], JoinInput, byte[], JoinInput> again = new IngestProgress(Duration.ofMinutes(1),
                JOIN_PARTITIONS, "direct", "remote", true, Duration.ZERO, new IngestCounters()).get();
        again.init(restarted);
        restarted.scheduledPunctuators().stream().filter(p -> p.getType() == PunctuationType.WALL_CLOCK_TIME)
                .findFirst().orElseThrow().getPunctuator().punctuate(0); // a whole period without a record
        assertEquals(List.of(new IngestWatermark(PARTITION, TS + 8 * 3_600_000, true)), restarted.forwarded().stream()
                .map(f -> (JoinInput) f.record().value()).filter(v -> v instanceof IngestWatermark).toList());
        // written only when they moved
        persistPunctuator(restarted).punctuate(0);
        assertEquals(TS + 8 * 3_600_000, store.get(1));
    }

    private static org.apache.kafka.streams.processor.Punctuator persistPunctuator(
            MockProcessorContext<byte[], JoinInput> context) {
        return context.scheduledPunctuators().stream()
                .filter(p -> p.getInterval().equals(IngestProgress.PERSIST_EVERY)).findFirst().orElseThrow()
                .getPunctuator();
    }

    /** The ingest task's store of its inputs' event times, registered with the mock context. */
    private static KeyValueStore<Integer, Long> progressStore(MockProcessorContext<byte[], JoinInput> context) {
        KeyValueStore<Integer, Long> s = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(IngestProgress.STORE),
                Serdes.Integer(), Serdes.Long()).withLoggingDisabled().build();
        s.init(context.getStateStoreContext(), s);
        context.addStateStore(s);
        return s;
    }

    private List<JoinInput> watermarks() {
        return context.forwarded().stream().map(f -> (JoinInput) f.record().value())
                .filter(v -> v instanceof IngestWatermark).toList();
    }

    private static Record<byte[], JoinInput> label(String id, long ts) {
        return new Record<>(id.getBytes(StandardCharsets.UTF_8), new Label(id, "1", ts), ts);
    }

    private static Record<byte[], JoinInput> prediction(String id, long ts) {
        return new Record<>(id.getBytes(StandardCharsets.UTF_8), new Prediction(id, "m", "v1", ts, "1",
                new String[] {"0", "1"}, new double[] {0.25, 0.75}, new String[0], new String[0]), ts);
    }

    private static String idJoinedOn(int partition) {
        for (int i = 0; ; i++) {
            String id = "p" + i;
            if (JoinPartitioner.partitionOf(id.getBytes(StandardCharsets.UTF_8), JOIN_PARTITIONS) == partition) {
                return id;
            }
        }
    }

    private MockProcessorContext.CapturedPunctuator punctuator(PunctuationType type) {
        return context.scheduledPunctuators().stream().filter(p -> p.getType() == type).findFirst().orElseThrow();
    }

    private static Properties config() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "progress-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        return props;
    }
}
