package io.modelwatch.service;

import io.modelwatch.config.ModelwatchConfig;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Properties;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/**
 * What a failed stream thread gets. A thread that fails now and then is replaced: with exactly-once its
 * uncommitted work is redone, never lost. But a failure that comes back on every try (a record the producer
 * cannot write, a topic it may not write to) would replace threads for ever while the partition stands still and
 * the service looks healthy: past {@link #MAX_FAILURES} failures within {@link #spanFor the span}, the client
 * stops, so that {@code /health} says DOWN, {@code run} exits and an orchestrator restarts the process (and shows
 * the loop, if it goes on).
 */
final class StreamThreadFailures {

    static final int MAX_FAILURES = 5;
    static final Duration WITHIN = Duration.ofMinutes(10);

    private final LongSupplier nanoClock;
    private final Duration within;
    private final Deque<Long> recent = new ArrayDeque<>();

    StreamThreadFailures(LongSupplier nanoClock, Duration within) {
        this.nanoClock = nanoClock;
        this.within = within;
    }

    Duration within() {
        return within;
    }

    /**
     * The span in which more than {@link #MAX_FAILURES} failures stop the client: {@link #WITHIN}, or more when the
     * consumer's session timeout is long. A replacement thread starts work only after a rebalance, which can wait
     * for the failed thread's member to time out (about 40 s each with the default 45 s, measured by
     * {@code RunExitIT}): with a 2-minute session timeout a failure that recurs on every try would come less often
     * than six times in ten minutes and be replaced for ever. Twelve session timeouts leave the six room twice over.
     */
    static Duration spanFor(Properties streamsProps) {
        Duration session = ModelwatchConfig.consumerSessionTimeout(streamsProps);
        Duration byTimeout = session.multipliedBy(2L * (MAX_FAILURES + 1));
        return byTimeout.compareTo(WITHIN) > 0 ? byTimeout : WITHIN;
    }

    /** Records a failure now and says what to do with the thread. */
    synchronized StreamThreadExceptionResponse onFailure() {
        long now = nanoClock.getAsLong();
        recent.addLast(now);
        while (now - recent.peekFirst() >= within.toNanos()) {
            recent.removeFirst();
        }
        return recent.size() > MAX_FAILURES ? StreamThreadExceptionResponse.SHUTDOWN_CLIENT
                : StreamThreadExceptionResponse.REPLACE_THREAD;
    }
}
