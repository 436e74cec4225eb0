package io.modelwatch.ingest;

/** The outcome of parsing one input record: a valid event, or a reject bound for the dead-letter topic. */
public sealed interface Parsed permits Parsed.Valid, Parsed.Rejected {

    record Valid(JoinInput event) implements Parsed {
    }

    /** The original bytes, why they were rejected, and where they came from. */
    record Rejected(byte[] original, RejectReason reason, String message, String topic, int partition, long offset)
            implements Parsed {
    }
}
