package io.modelwatch.ingest;

import java.time.Duration;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Passes the ingest task's events on and, every {@code interval} of its stream time, an
 * {@link IngestWatermark} behind them, which the join-input partitioner sends to every join partition;
 * when it has read nothing for {@link #IDLE_AFTER} of wall-clock time, an idle one.
 */
public final class IngestProgress implements ProcessorSupplier<byte[], JoinInput, byte[], JoinInput> {

    public static final String PROCESSOR = "ingest-watermark";
    private static final byte[] NO_KEY = new byte[0];
    /** Wall-clock time without a record after which an ingest task says it is idle. */
    public static final Duration IDLE_AFTER = Duration.ofSeconds(30);

    private final Duration interval;

    public IngestProgress(Duration interval) {
        this.interval = interval;
    }

    @Override
    public Processor<byte[], JoinInput, byte[], JoinInput> get() {
        return new Processor<>() {
            private ProcessorContext<byte[], JoinInput> context;
            /** Whether a record came since the last wall-clock check. */
            private boolean active;

            @Override
            public void init(ProcessorContext<byte[], JoinInput> context) {
                this.context = context;
                this.active = false;
                context.schedule(interval, PunctuationType.STREAM_TIME, t -> send(false));
                context.schedule(IDLE_AFTER, PunctuationType.WALL_CLOCK_TIME, t -> {
                    if (!active) {
                        send(true);
                    }
                    active = false;
                });
            }

            private void send(boolean idle) {
                long now = Math.max(0, context.currentStreamTimeMs());
                context.forward(new Record<>(NO_KEY, new IngestWatermark(context.taskId().partition(), now, idle), now));
            }

            @Override
            public void process(Record<byte[], JoinInput> record) {
                active = true;
                context.forward(record);
            }
        };
    }
}
