package io.modelwatch.ingest;

import java.time.Duration;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Passes the ingest task's events on and, every {@code interval} of its stream time, an
 * {@link IngestWatermark} behind them, which the join-input partitioner sends to every join partition.
 */
public final class IngestProgress implements ProcessorSupplier<byte[], JoinInput, byte[], JoinInput> {

    public static final String PROCESSOR = "ingest-watermark";
    private static final byte[] NO_KEY = new byte[0];

    private final Duration interval;

    public IngestProgress(Duration interval) {
        this.interval = interval;
    }

    @Override
    public Processor<byte[], JoinInput, byte[], JoinInput> get() {
        return new Processor<>() {
            private ProcessorContext<byte[], JoinInput> context;

            @Override
            public void init(ProcessorContext<byte[], JoinInput> context) {
                this.context = context;
                context.schedule(interval, PunctuationType.STREAM_TIME, t -> {
                    long now = context.currentStreamTimeMs();
                    context.forward(new Record<>(NO_KEY, new IngestWatermark(context.taskId().partition(), now), now));
                });
            }

            @Override
            public void process(Record<byte[], JoinInput> record) {
                context.forward(record);
            }
        };
    }
}
