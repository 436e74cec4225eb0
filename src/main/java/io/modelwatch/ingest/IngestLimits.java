package io.modelwatch.ingest;

/**
 * Bounds on accepted input, so one bad producer cannot blow up state.
 *
 * @param maxRecordBytes     largest accepted record value
 * @param maxFieldBytes      longest id, class label or tag (UTF-8 bytes)
 * @param maxTags            most tags on a prediction
 * @param maxScoreClasses    most entries in a score row
 * @param minTimestampMs     earliest accepted event time
 * @param maxTimestampMs     latest accepted event time
 * @param scoreSumTolerance  a score row must sum to 1 within this
 */
public record IngestLimits(int maxRecordBytes, int maxFieldBytes, int maxTags, int maxScoreClasses,
                           long minTimestampMs, long maxTimestampMs, double scoreSumTolerance) {

    /** 2000-01-01T00:00:00Z and 2200-01-01T00:00:00Z. */
    public static final IngestLimits DEFAULTS = new IngestLimits(64 * 1024, 256, 32, 1000,
            946_684_800_000L, 7_258_118_400_000L, 1e-3);
}
