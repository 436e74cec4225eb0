package io.modelwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/** The ingest task's watermarks: on stream time, behind its events; idle ones when it reads nothing. */
class IngestProgressTest {

    private static final long TS = 1_767_225_600_000L;

    private final MockProcessorContext<byte[], JoinInput> context = new MockProcessorContext<>(config(), new TaskId(0, 2), null);
    private final Processor<byte[], JoinInput, byte[], JoinInput> progress =
            new IngestProgress(Duration.ofMinutes(1)).get();

    @Test
    void eventsPassUnchangedAndStreamTimeSendsAWatermarkOfThisPartition() {
        progress.init(context);
        Record<byte[], JoinInput> label = new Record<>("a".getBytes(), new Label("a", "1", TS), TS);
        progress.process(label);
        assertSame(label.value(), context.forwarded().get(0).record().value());
        context.setCurrentStreamTimeMs(TS + 60_000);
        punctuator(PunctuationType.STREAM_TIME).getPunctuator().punctuate(TS + 60_000);
        assertEquals(new IngestWatermark(2, TS + 60_000, false), context.forwarded().get(1).record().value());
    }

    @Test
    void aWallClockPeriodWithoutRecordsSendsAnIdleWatermark() {
        progress.init(context);
        var wallClock = punctuator(PunctuationType.WALL_CLOCK_TIME);
        assertEquals(IngestProgress.IDLE_AFTER, wallClock.getInterval());
        progress.process(new Record<>("a".getBytes(), new Label("a", "1", TS), TS));
        context.setCurrentStreamTimeMs(TS);
        wallClock.getPunctuator().punctuate(0);
        assertEquals(1, context.forwarded().size(), "a record came in the period: not idle");
        wallClock.getPunctuator().punctuate(0);
        assertEquals(List.of(new IngestWatermark(2, TS, true)), context.forwarded().stream().skip(1)
                .map(f -> f.record().value()).toList());
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
