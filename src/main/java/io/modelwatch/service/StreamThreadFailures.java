package io.modelwatch.service;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/**
 * What a failed stream thread gets. A thread that fails now and then is replaced: with exactly-once its
 * uncommitted work is redone, never lost. But a failure that comes back on every try (a record the producer
 * cannot write, a topic it may not write to) would replace threads for ever while the partition stands still and
 * the service looks healthy: past {@link #MAX_FAILURES} failures within {@link #WITHIN}, the client stops, so
 * that {@code /health} says DOWN and an orchestrator restarts the process (and shows the loop, if it goes on).
 */
final class StreamThreadFailures {

    static final int MAX_FAILURES = 5;
    static final Duration WITHIN = Duration.ofMinutes(10);

    private final LongSupplier nanoClock;
    private final Deque<Long> recent = new ArrayDeque<>();

    StreamThreadFailures(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** Records a failure now and says what to do with the thread. */
    synchronized StreamThreadExceptionResponse onFailure() {
        long now = nanoClock.getAsLong();
        recent.addLast(now);
        while (now - recent.peekFirst() >= WITHIN.toNanos()) {
            recent.removeFirst();
        }
        return recent.size() > MAX_FAILURES ? StreamThreadExceptionResponse.SHUTDOWN_CLIENT
                : StreamThreadExceptionResponse.REPLACE_THREAD;
    }
}
