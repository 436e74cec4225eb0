package io.modelwatch.ingest;

import org.apache.kafka.streams.processor.api.ProcessorSupplier;

/** The ingest stage: parsers for the two input topics. */
public final class Ingest {

    private Ingest() {
    }

    public static ProcessorSupplier<byte[], byte[], byte[], Parsed> predictionParser(IngestLimits limits,
                                                                                    IngestCounters counters) {
        EventParser parser = new EventParser(limits);
        return () -> new ParseProcessor(parser, true, counters);
    }

    public static ProcessorSupplier<byte[], byte[], byte[], Parsed> labelParser(IngestLimits limits,
                                                                               IngestCounters counters) {
        EventParser parser = new EventParser(limits);
        return () -> new ParseProcessor(parser, false, counters);
    }
}
