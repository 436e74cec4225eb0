package io.modelwatch.ingest;

/** A validated ground-truth label event. */
public record Label(String predictionId, String label, long timestampMs) implements JoinInput {
}
