package io.modelwatch.ingest;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The outcome of parsing one input record: a valid event (a {@link JoinInput} itself, so that it travels
 * on without a wrapper), or a reject bound for the dead-letter topic.
 */
public sealed interface Parsed permits JoinInput, Parsed.Rejected {

    /**
     * The original bytes (of an oversized record, its first {@code limits.max-record-bytes}), why they were
     * rejected, and where they came from.
     */
    record Rejected(byte[] original, RejectReason reason, String message, String topic, int partition, long offset)
            implements Parsed {
    }

    /** Writes a reject as its original bytes, for the dead-letter sink (which receives nothing else). */
    Serde<Parsed> DEAD_LETTER_SERDE = Serdes.serdeFrom((topic, parsed) -> ((Rejected) parsed).original(),
            (topic, bytes) -> {
                throw new UnsupportedOperationException("dead letters are only written");
            });
}
