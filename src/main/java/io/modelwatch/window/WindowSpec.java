package io.modelwatch.window;

/**
 * Tumbling windows aligned to the epoch, {@code [start, start + size)}, each open until
 * {@code start + size + maxLabelDelay} in event time (so every label that can pair with one of its
 * predictions has had the chance to arrive).
 */
public record WindowSpec(long sizeMs, long maxLabelDelayMs) {

    public WindowSpec {
        if (sizeMs <= 0) {
            throw new IllegalArgumentException("window size must be positive");
        }
        if (maxLabelDelayMs < 0) {
            throw new IllegalArgumentException("maximum label delay must not be negative");
        }
    }

    public long windowStart(long timestampMs) {
        return Math.floorDiv(timestampMs, sizeMs) * sizeMs;
    }

    /** Event time at which the window starting at {@code windowStart} closes. */
    public long closeTime(long windowStart) {
        return windowStart + sizeMs + maxLabelDelayMs;
    }

    /** Close time of the window holding {@code timestampMs}. */
    public long closeTimeOf(long timestampMs) {
        return closeTime(windowStart(timestampMs));
    }
}
