package io.modelwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** One record through a fresh {@link ParseProcessor}, read from {@code topic}/{@code partition}. */
final class ParseRun {

    private ParseRun() {
    }

    /** What the processor forwarded (exactly one record), checked to have gone to the right child. */
    static Parsed once(EventParser parser, boolean predictions, IngestCounters counters, int joinPartitions,
                       boolean keyedInputs, String topic, int partition, long nowMs, byte[] key, byte[] value) {
        ParseProcessor processor = new ParseProcessor(parser, predictions, counters, joinPartitions, keyedInputs,
                "events", "dead-letters");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "parse-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        MockProcessorContext<byte[], Parsed> context = new MockProcessorContext<>(props);
        context.setRecordMetadata(topic, partition, 7);
        context.setCurrentSystemTimeMs(nowMs);
        processor.init(context);
        processor.process(new Record<>(key, value, 1L));
        assertEquals(1, context.forwarded().size());
        var forwarded = context.forwarded().get(0);
        assertEquals(forwarded.record().value() instanceof JoinInput ? "events" : "dead-letters",
                forwarded.childName().orElseThrow(), "events and rejects go to their own child");
        return forwarded.record().value();
    }
}
