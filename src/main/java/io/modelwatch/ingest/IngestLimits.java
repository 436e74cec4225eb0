package io.modelwatch.ingest;

/**
 * Bounds on accepted input, so one bad producer cannot blow up state.
 *
 * @param maxRecordBytes          largest accepted record value
 * @param maxFieldBytes           longest id, class label or tag (UTF-8 bytes)
 * @param maxTags                 most tags on a prediction
 * @param maxScoreClasses         most entries in a score row
 * @param minTimestampMs          earliest accepted event time
 * @param maxTimestampMs          latest accepted event time (exclusive)
 * @param scoreSumTolerance       a score row must sum to 1 within this
 * @param maxModels               distinct model ids per join partition; beyond, predictions count under
 *                                the overflow model
 * @param maxVersionsPerModel     distinct versions per model and join partition; beyond, the overflow version
 * @param maxSliceValues          distinct values per slice dimension and join partition; beyond, the overflow value
 * @param maxFutureMs             latest accepted event time relative to the wall clock ({@link #NO_FUTURE_BOUND}:
 *                                none). The service bounds it (a broker refuses records stamped more than
 *                                {@code log.message.timestamp.after.max.ms}, 1 h by default, ahead, which would stop
 *                                the task); replay, which has no broker, does not, so that it stays deterministic
 * @param maxSeries               distinct series (model and version, each with its slices) per join partition: the
 *                                per-name limits bound each name, not their product; beyond, a new version counts
 *                                under the overflow version, a new slice value under the overflow value
 */
public record IngestLimits(int maxRecordBytes, int maxFieldBytes, int maxTags, int maxScoreClasses,
                           long minTimestampMs, long maxTimestampMs, double scoreSumTolerance,
                           int maxModels, int maxVersionsPerModel, int maxSliceValues, long maxFutureMs,
                           int maxSeries) {

    /** What model, version or slice value is counted under beyond the limits (input spelled so is refused). */
    public static final String OVERFLOW = "__overflow__";

    /** No bound on event times relative to the wall clock. */
    public static final long NO_FUTURE_BOUND = Long.MAX_VALUE;

    /** 2000-01-01T00:00:00Z and 2200-01-01T00:00:00Z, no bound relative to the wall clock. */
    public static final IngestLimits DEFAULTS = new IngestLimits(64 * 1024, 256, 32, 1000,
            946_684_800_000L, 7_258_118_400_000L, 1e-3, 1000, 100, 1000, NO_FUTURE_BOUND, 10_000);

    /**
     * Whether a row's sum is 1 within the tolerance, given as decimals: 0.5 + 0.499 adds up to 0.9989999999999999 in
     * doubles, which must pass as 1.001 (1.0010000000000001) does. The slack is far above the rounding of a sum of
     * 1000 classes and far below any tolerance.
     */
    public boolean sumsToOne(double sum) {
        return Math.abs(sum - 1.0) <= scoreSumTolerance + 1e-12;
    }

    /** A sum as a person wrote its terms: 12 significant digits (0.999, not 0.9989999999999999). */
    public static String readable(double sum) {
        if (!Double.isFinite(sum)) {
            return Double.toString(sum);
        }
        return new java.math.BigDecimal(sum).round(new java.math.MathContext(12)).stripTrailingZeros()
                .toPlainString();
    }

    public IngestLimits withCardinality(int models, int versionsPerModel, int sliceValues) {
        return new IngestLimits(maxRecordBytes, maxFieldBytes, maxTags, maxScoreClasses, minTimestampMs,
                maxTimestampMs, scoreSumTolerance, models, versionsPerModel, sliceValues, maxFutureMs, maxSeries);
    }

    public IngestLimits withMaxSeries(int series) {
        return new IngestLimits(maxRecordBytes, maxFieldBytes, maxTags, maxScoreClasses, minTimestampMs,
                maxTimestampMs, scoreSumTolerance, maxModels, maxVersionsPerModel, maxSliceValues, maxFutureMs, series);
    }
}
