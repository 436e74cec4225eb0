package io.modelwatch.ingest;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Stream time of the input topics is the events' own {@code timestamp}, not the Kafka record
 * timestamp (often the producer's clock): the join, reading the inputs directly when the
 * repartition is skipped, and the choice between predictions and labels both need event time.
 * The topology validates with the parser (a record it rejects must not move stream time); the
 * one-argument form is a cheap scan for the top-level field, no full parse, where anything
 * unreadable or outside the accepted range falls back to the record's timestamp.
 *
 * <p>The validating form hands its parse to the {@link ParseProcessor} of the same stream thread
 * ({@link ParseHandoff}), so that a record is parsed once, not once here and once there.
 */
public final class EventTimeExtractor implements TimestampExtractor {

    private static final byte[] FIELD = "\"timestamp\"".getBytes(StandardCharsets.US_ASCII);
    private final IngestLimits limits;
    /** When set, only a record the parser accepts gives its event time (see the two-argument constructor). */
    private final EventParser parser;
    private final boolean predictions;
    /** With repartition-inputs false, the join partition count (an event off its join partition is rejected); else 0. */
    private final int keyedJoinPartitions;

    /** The cheap scan: a readable top-level timestamp within the limits, else the record's timestamp. */
    public EventTimeExtractor(IngestLimits limits) {
        this.limits = limits;
        this.parser = null;
        this.predictions = false;
        this.keyedJoinPartitions = 0;
    }

    /**
     * The event time of records the parser accepts (as predictions or labels); any other record
     * keeps the partition's time (0 before the first), so that a rejected record, whatever its
     * {@code timestamp} field says, neither moves stream time (a join in this task would close
     * windows early: with {@code repartition-inputs: false}, and in replay, where one task runs the
     * whole topology) nor changes the order in which the task takes the two input topics.
     */
    public EventTimeExtractor(IngestLimits limits, boolean predictions) {
        this(limits, predictions, 0);
    }

    /**
     * As {@link #EventTimeExtractor(IngestLimits, boolean)}, for inputs that must already sit on their join
     * partition ({@code repartition-inputs: false}, {@code keyedJoinPartitions} partitions): an event read
     * from another partition is rejected downstream ({@code not_on_join_partition}), so like any reject it
     * keeps the partition's time, and a mis-keyed record stamped ahead cannot close windows early there.
     */
    public EventTimeExtractor(IngestLimits limits, boolean predictions, int keyedJoinPartitions) {
        this(limits, null, predictions, keyedJoinPartitions);
    }

    /**
     * As {@link #EventTimeExtractor(IngestLimits, boolean, int)}, with a parser that keeps only the tags named in
     * {@code keptTags} (null: every tag; see {@link EventParser#EventParser(IngestLimits, java.util.List)}): the
     * parser's of the topic's {@link ParseProcessor}, so that both accept the same records and the processor
     * takes this parse ({@link ParseHandoff}).
     */
    public EventTimeExtractor(IngestLimits limits, java.util.List<String> keptTags, boolean predictions,
                              int keyedJoinPartitions) {
        this.limits = limits;
        this.parser = new EventParser(limits, keptTags);
        this.predictions = predictions;
        this.keyedJoinPartitions = keyedJoinPartitions;
    }

    /** The validating parser (null for the cheap scan); tests. */
    EventParser parser() {
        return parser;
    }

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        if (parser != null) {
            byte[] value;
            try {
                value = (byte[]) record.value();
            } catch (RuntimeException e) {
                return Math.max(0, partitionTime);
            }
            try {
                JoinInput event = predictions ? parser.parsePrediction(value) : parser.parseLabel(value);
                ParseHandoff.offer(value, predictions, parser, event); // the ParseProcessor will not parse again
                if (keyedJoinPartitions > 0 && record.partition() != JoinPartitioner.partitionOf(
                        event.predictionId().getBytes(StandardCharsets.UTF_8), keyedJoinPartitions)) {
                    return Math.max(0, partitionTime); // rejected downstream: not_on_join_partition
                }
                return event.timestampMs();
            } catch (BadInputException e) {
                ParseHandoff.offer(value, predictions, parser, e);
                return Math.max(0, partitionTime);
            } catch (RuntimeException e) {
                return Math.max(0, partitionTime); // not handed over: the processor parses and reports it itself
            }
        }
        long fallback = record.timestamp() >= 0 ? record.timestamp() : partitionTime;
        if (!(record.value() instanceof byte[] value)) {
            return fallback;
        }
        long ts = scan(value);
        return ts >= limits.minTimestampMs() && ts < limits.maxTimestampMs() ? ts : fallback;
    }

    /** The value of the first {@code "timestamp"} key at nesting depth 1, or Long.MIN_VALUE. */
    static long scan(byte[] v) {
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < v.length; i++) {
            byte b = v[i];
            if (inString) {
                if (b == '\\') {
                    i++;
                } else if (b == '"') {
                    inString = false;
                }
                continue;
            }
            if (b == '{' || b == '[') {
                depth++;
            } else if (b == '}' || b == ']') {
                depth--;
            } else if (b == '"') {
                if (depth == 1 && matches(v, i)) {
                    return valueAfter(v, i + FIELD.length);
                }
                inString = true;
            }
        }
        return Long.MIN_VALUE;
    }

    private static boolean matches(byte[] v, int at) {
        if (at + FIELD.length > v.length) {
            return false;
        }
        for (int k = 0; k < FIELD.length; k++) {
            if (v[at + k] != FIELD[k]) {
                return false;
            }
        }
        return true;
    }

    private static long valueAfter(byte[] v, int i) {
        while (i < v.length && (v[i] == ' ' || v[i] == '\t' || v[i] == '\n' || v[i] == '\r')) {
            i++;
        }
        if (i >= v.length || v[i] != ':') {
            return Long.MIN_VALUE;
        }
        i++;
        while (i < v.length && (v[i] == ' ' || v[i] == '\t' || v[i] == '\n' || v[i] == '\r')) {
            i++;
        }
        if (i >= v.length) {
            return Long.MIN_VALUE;
        }
        if (v[i] == '"') {
            int end = i + 1;
            while (end < v.length && v[end] != '"') {
                end++;
            }
            try {
                return Instant.parse(new String(v, i + 1, end - i - 1, StandardCharsets.US_ASCII)).toEpochMilli();
            } catch (RuntimeException e) {
                return Long.MIN_VALUE; // offsets and odd forms: the record timestamp will do for ordering
            }
        }
        long ts = 0;
        int digits = 0;
        for (; i < v.length && v[i] >= '0' && v[i] <= '9' && digits < 18; i++, digits++) {
            ts = ts * 10 + (v[i] - '0');
        }
        boolean integral = digits > 0 && (i >= v.length || v[i] == ',' || v[i] == '}' || v[i] == ' '
                || v[i] == '\n' || v[i] == '\r' || v[i] == '\t');
        return integral ? ts : Long.MIN_VALUE;
    }
}
