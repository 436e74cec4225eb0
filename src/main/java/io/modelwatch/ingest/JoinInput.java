package io.modelwatch.ingest;

/** What the delayed join consumes: a prediction or a label, keyed by prediction id. */
public sealed interface JoinInput permits Prediction, Label {

    String predictionId();

    long timestampMs();
}
