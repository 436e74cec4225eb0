package io.modelwatch.ingest;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Parses raw JSON events. Valid ones are re-keyed by prediction id and go to the {@code events} child;
 * rejects keep their original key, bytes and headers (cut to fit the dead-letter topic), carry the reason and
 * their origin in headers (see {@link DeadLetters}) and go to the {@code deadLetters}
 * child. Forwarding to the two children by name, rather than through a split and a mapValues, spares every
 * record three processor nodes.
 */
final class ParseProcessor implements Processor<byte[], byte[], byte[], Parsed> {

    private final EventParser parser;
    private final boolean predictions;
    private final IngestCounters counters;
    /** The number of join partitions (0 in tests that do not route). */
    private final int joinPartitions;
    /** Inputs not repartitioned: an event not on its join partition is rejected. */
    private final boolean keyedInputs;
    private final String events;
    private final String deadLetters;
    /** A dead letter's value is cut to this: a record far larger than its input's limits can reach the parser. */
    private final int maxDeadLetterBytes;
    private ProcessorContext<byte[], Parsed> context;

    ParseProcessor(EventParser parser, boolean predictions, IngestCounters counters, int joinPartitions,
                   boolean keyedInputs, String events, String deadLetters) {
        this.parser = parser;
        this.predictions = predictions;
        this.counters = counters;
        this.joinPartitions = joinPartitions;
        this.keyedInputs = keyedInputs;
        this.events = events;
        this.deadLetters = deadLetters;
        this.maxDeadLetterBytes = parser.limits().maxRecordBytes();
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
        if (keyedInputs && joinPartitions > 0) {
            // not repartitioned: the event must sit on its join partition (repartitioned, IngestProgress
            // computes the partition for its routing and counts the events already on theirs)
            int joinPartition = JoinPartitioner.partitionOf(key, joinPartitions);
            RecordMetadata meta = context.recordMetadata().orElse(null);
            if (meta != null && meta.partition() != joinPartition) {
                reject(record, new BadInputException(RejectReason.NOT_ON_JOIN_PARTITION, "prediction_id '"
                        + event.predictionId() + "' is joined on partition " + joinPartition + ", not on this one: "
                        + "with repartition-inputs false, key both topics by prediction_id (default partitioner)"));
                return;
            }
            counters.countOnJoinPartition();
        }
        counters.accepted(event);
        // the input's headers stay behind: nothing downstream reads them (a dead letter keeps them, below),
        // and passing them on would copy them into every record of the way
        context.forward(new Record<>(key, (Parsed) event, event.timestampMs()), events);
    }

    private void reject(Record<byte[], byte[]> record, BadInputException e) {
        counters.reject(e.reason());
        RecordMetadata meta = context.recordMetadata().orElse(null);
        String topic = meta == null ? "" : meta.topic();
        int partition = meta == null ? -1 : meta.partition();
        long offset = meta == null ? -1 : meta.offset();
        // value, key and headers cut to fit the dead-letter topic (see DeadLetters.of); stamped with the time of
        // rejection, not the record's (extracted) event time: a dead letter stamped with an old event time falls to
        // the topic's time-based retention at once, and one stamped more than log.message.timestamp.after.max.ms
        // ahead is refused by the broker, which would stop the task
        Record<byte[], byte[]> dead = DeadLetters.of(record, maxDeadLetterBytes, e.reason(), e.getMessage(), topic,
                partition, offset, context.currentSystemTimeMs());
        context.forward(dead.withValue((Parsed) new Parsed.Rejected(dead.value(), e.reason(), e.getMessage(), topic,
                partition, offset)), deadLetters);
    }
}
