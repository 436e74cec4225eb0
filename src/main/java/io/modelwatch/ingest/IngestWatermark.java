package io.modelwatch.ingest;

/**
 * An ingest task's progress, sent to every join partition through the join-input topic: the stream time
 * (event time) of ingest partition {@code sourcePartition} when it sent this, behind every event it sent
 * before. The join counts time by the least of these, so an ingest task that lags (a backlog, a late
 * start) never finds its events late because another one ran ahead.
 */
public record IngestWatermark(int sourcePartition, long timestampMs) implements JoinInput {

    @Override
    public String predictionId() {
        return "";
    }
}
