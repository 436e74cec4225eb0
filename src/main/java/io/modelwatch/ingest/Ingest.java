package io.modelwatch.ingest;

import org.apache.kafka.streams.processor.api.ProcessorSupplier;

/** The ingest stage: parsers for the two input topics. */
public final class Ingest {

    private Ingest() {
    }

    /**
     * keyedJoinPartitions: when the inputs are not repartitioned, the join partition count, and events not on
     * their join partition are rejected; 0 when they are repartitioned (no check).
     */
    public static ProcessorSupplier<byte[], byte[], byte[], Parsed> predictionParser(IngestLimits limits,
                                                                                    IngestCounters counters, int keyedJoinPartitions) {
        EventParser parser = new EventParser(limits);
        return () -> new ParseProcessor(parser, true, counters, keyedJoinPartitions);
    }

    public static ProcessorSupplier<byte[], byte[], byte[], Parsed> labelParser(IngestLimits limits,
                                                                               IngestCounters counters, int keyedJoinPartitions) {
        EventParser parser = new EventParser(limits);
        return () -> new ParseProcessor(parser, false, counters, keyedJoinPartitions);
    }
}
