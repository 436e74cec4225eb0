package io.modelwatch.ingest;

/**
 * What the delayed join consumes: a prediction or a label, keyed by prediction id; and, when the inputs
 * are repartitioned, the ingest tasks' watermarks ({@link IngestWatermark}).
 */
public sealed interface JoinInput extends Parsed permits Prediction, Label, IngestWatermark {

    String predictionId();

    long timestampMs();
}
