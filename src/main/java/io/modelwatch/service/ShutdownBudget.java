package io.modelwatch.service;

import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * One budget for the whole clean stop ({@code shutdown-timeout}): the quick parts close first (the HTTP server,
 * the alert feed: nothing to commit), and Kafka Streams gets what they left. With a timeout of its own each
 * (Streams 30 s, the HTTP server 2 s, the alert feed up to 4 s) the sum passed Kubernetes' default grace period
 * of 30 s, and the pod was killed mid-close: with exactly_once_v2 its transactions aborted (work redone) and its
 * stores' checkpoints unwritten (a longer restore).
 */
final class ShutdownBudget {

    /** What Kafka Streams was given, and whether it closed within that (its {@code close} returns false when not). */
    record Outcome(Duration streamsGot, boolean streamsClosed) {
    }

    private ShutdownBudget() {
    }

    static Outcome close(Duration budget, LongSupplier nanoClock, Runnable quickParts, Predicate<Duration> closeStreams) {
        long start = nanoClock.getAsLong();
        quickParts.run();
        Duration left = budget.minusNanos(nanoClock.getAsLong() - start);
        if (left.isNegative()) {
            left = Duration.ZERO; // Streams then stops its threads without waiting for them
        }
        return new Outcome(left, closeStreams.test(left));
    }
}
