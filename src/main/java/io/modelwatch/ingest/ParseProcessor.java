package io.modelwatch.ingest;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Parses raw JSON events. Valid ones are re-keyed by prediction id; rejects keep their original key
 * and bytes and carry the reason and their origin in headers (see {@link DeadLetters}).
 */
final class ParseProcessor implements Processor<byte[], byte[], byte[], Parsed> {

    private final EventParser parser;
    private final boolean predictions;
    private final IngestCounters counters;
    /** The join partitions events must already sit on (inputs not repartitioned); 0: no check. */
    private final int keyedJoinPartitions;
    private ProcessorContext<byte[], Parsed> context;

    ParseProcessor(EventParser parser, boolean predictions, IngestCounters counters, int keyedJoinPartitions) {
        this.parser = parser;
        this.predictions = predictions;
        this.counters = counters;
        this.keyedJoinPartitions = keyedJoinPartitions;
    }

    @Override
    public void init(ProcessorContext<byte[], Parsed> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        JoinInput event;
        try {
            // the validating EventTimeExtractor of this thread has usually parsed these very bytes already
            event = ParseHandoff.take(record.value(), predictions, parser);
            if (event == null) {
                event = predictions ? parser.parsePrediction(record.value()) : parser.parseLabel(record.value());
            }
        } catch (BadInputException e) {
            reject(record, e);
            return;
        } catch (RuntimeException e) {
            reject(record, new BadInputException(RejectReason.UNREADABLE, "unreadable record: " + e));
            return;
        }
        byte[] key = event.predictionId().getBytes(StandardCharsets.UTF_8);
        if (keyedJoinPartitions > 0 && !onJoinPartition(key)) {
            reject(record, new BadInputException(RejectReason.NOT_ON_JOIN_PARTITION, "prediction_id '"
                    + event.predictionId() + "' is joined on partition "
                    + JoinPartitioner.partitionOf(key, keyedJoinPartitions) + ", not on this one: with "
                    + "repartition-inputs false, key both topics by prediction_id (default partitioner)"));
            return;
        }
        counters.accepted(event);
        context.forward(new Record<>(key, new Parsed.Valid(event), event.timestampMs(), record.headers()));
    }

    private boolean onJoinPartition(byte[] key) {
        RecordMetadata meta = context.recordMetadata().orElse(null);
        return meta == null || meta.partition() == JoinPartitioner.partitionOf(key, keyedJoinPartitions);
    }

    private void reject(Record<byte[], byte[]> record, BadInputException e) {
        counters.reject(e.reason());
        RecordMetadata meta = context.recordMetadata().orElse(null);
        String topic = meta == null ? "" : meta.topic();
        int partition = meta == null ? -1 : meta.partition();
        long offset = meta == null ? -1 : meta.offset();
        Headers headers = DeadLetters.headers(record.headers(), e.reason(), e.getMessage(), topic, partition, offset);
        // stamped with the time of rejection, not the record's (extracted) event time: a dead letter stamped
        // with an old event time falls to the topic's time-based retention at once, and one stamped more than
        // log.message.timestamp.after.max.ms ahead is refused by the broker, which would stop the task
        context.forward(new Record<>(record.key(),
                new Parsed.Rejected(record.value(), e.reason(), e.getMessage(), topic, partition, offset),
                context.currentSystemTimeMs(), headers));
    }
}
