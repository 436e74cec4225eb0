package io.modelwatch.ingest;

/**
 * An ingest task's progress, sent to every join partition through the join-input topic: the stream time
 * (event time) of ingest partition {@code sourcePartition} when it sent this, behind every event it sent
 * before. The join counts time by the least of these, so an ingest task that lags (a backlog, a late
 * start) never finds its events late because another one ran ahead. {@code idle}: the ingest task has read
 * nothing for a while ({@link IngestProgress#IDLE_AFTER}); the join leaves it out of that least until it
 * sends a watermark again, so an input partition without traffic does not hold every window open.
 */
public record IngestWatermark(int sourcePartition, long timestampMs, boolean idle) implements JoinInput {

    public IngestWatermark(int sourcePartition, long timestampMs) {
        this(sourcePartition, timestampMs, false);
    }

    @Override
    public String predictionId() {
        return "";
    }
}
