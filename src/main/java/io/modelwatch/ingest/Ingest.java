package io.modelwatch.ingest;

import java.util.List;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;

/** The ingest stage: parsers for the two input topics. */
public final class Ingest {

    /** The node both topics' valid events go to (their merge). */
    public static final String EVENTS = "merge-events";

    /** The sink of the topic's rejects ({@code name}: predictions or labels). */
    public static String deadLetterSink(String name) {
        return "dead-letter-" + name + "-sink";
    }

    private Ingest() {
    }

    /**
     * sliceDimensions: the only tags kept (any other is dropped unchecked, see {@link EventParser});
     * joinPartitions: the join stage's partition count (events on their join partition are counted);
     * keyedInputs: the inputs are not repartitioned, and an event not on its join partition is rejected.
     */
    public static ProcessorSupplier<byte[], byte[], byte[], Parsed> predictionParser(IngestLimits limits,
            List<String> sliceDimensions, IngestCounters counters, int joinPartitions, boolean keyedInputs) {
        EventParser parser = new EventParser(limits, sliceDimensions);
        return () -> new ParseProcessor(parser, true, counters, joinPartitions, keyedInputs, EVENTS,
                deadLetterSink("predictions"));
    }

    public static ProcessorSupplier<byte[], byte[], byte[], Parsed> labelParser(IngestLimits limits,
            IngestCounters counters, int joinPartitions, boolean keyedInputs) {
        EventParser parser = new EventParser(limits);
        return () -> new ParseProcessor(parser, false, counters, joinPartitions, keyedInputs, EVENTS,
                deadLetterSink("labels"));
    }
}
