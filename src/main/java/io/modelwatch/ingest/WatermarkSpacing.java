package io.modelwatch.ingest;

import java.time.Duration;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * At most one watermark per {@code minSpacing} of wall-clock time. While a backlog is read, event time runs
 * tens of times faster than the wall clock, and each watermark is a record to every partition of an internal
 * topic: one that comes due sooner is held, and a wall-clock punctuator sends it when the spacing is up, with
 * the time reached by then. Zero: every watermark at once (drivers without a wall clock: replay, topology
 * tests). Used by the ingest tasks ({@link IngestProgress}) and, with keyed inputs, by the join tasks.
 */
public final class WatermarkSpacing {

    private final long minSpacingMs;
    /** Wall-clock time of the last watermark sent (Long.MIN_VALUE: none yet, or no spacing). */
    private long sentAtMs = Long.MIN_VALUE;
    private boolean held;

    public WatermarkSpacing(Duration minSpacing) {
        this.minSpacingMs = Math.max(0, minSpacing.toMillis());
    }

    /** The owner's task (re)starts: nothing sent, nothing held. */
    public void reset() {
        sentAtMs = Long.MIN_VALUE;
        held = false;
    }

    /**
     * Sends {@code send} at every {@code minSpacing} of wall-clock time when a watermark is held (no punctuator
     * without spacing). Call from the processor's {@code init}.
     */
    public void schedule(ProcessorContext<?, ?> context, Runnable send) {
        if (minSpacingMs > 0) {
            context.schedule(Duration.ofMillis(minSpacingMs), PunctuationType.WALL_CLOCK_TIME, t -> {
                if (held) {
                    send.run();
                }
            });
        }
    }

    /**
     * A watermark is due: true to send it now, false when it is held. The wall clock is read only with a
     * spacing (drivers without one, such as topology tests, may have none set).
     */
    public boolean sendNow(ProcessorContext<?, ?> context) {
        if (minSpacingMs == 0 || sentAtMs == Long.MIN_VALUE
                || context.currentSystemTimeMs() - sentAtMs >= minSpacingMs) {
            return true;
        }
        held = true;
        return false;
    }

    /** A watermark was sent now. */
    public void sent(ProcessorContext<?, ?> context) {
        held = false;
        if (minSpacingMs > 0) {
            sentAtMs = context.currentSystemTimeMs();
        }
    }
}
