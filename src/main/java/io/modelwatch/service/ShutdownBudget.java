package io.modelwatch.service;

import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One budget for the whole clean stop ({@code shutdown-timeout}): the quick parts close first (the HTTP server,
 * the alert feed: nothing to commit), and Kafka Streams gets what they left. With a timeout of its own each
 * (Streams 30 s, the HTTP server 2 s, the alert feed up to 4 s) the sum passed Kubernetes' default grace period
 * of 30 s, and the pod was killed mid-close: with exactly_once_v2 its transactions aborted (work redone) and its
 * stores' checkpoints unwritten (a longer restore).
 */
final class ShutdownBudget {

    private static final Logger LOG = LoggerFactory.getLogger(ShutdownBudget.class);

    /** What Kafka Streams was given, and whether it closed within that (its {@code close} returns false when not). */
    record Outcome(Duration streamsGot, boolean streamsClosed) {
    }

    private ShutdownBudget() {
    }

    static Outcome close(Duration budget, LongSupplier nanoClock, Predicate<Duration> closeStreams,
            Runnable... quickParts) {
        long start = nanoClock.getAsLong();
        for (Runnable part : quickParts) {
            try {
                part.run();
            } catch (RuntimeException e) {
                // the other parts and Kafka Streams (its commit, its checkpoints) are closed all the same
                LOG.warn("closing a part before Kafka Streams failed; closing the rest all the same", e);
            }
        }
        Duration left = budget.minusNanos(nanoClock.getAsLong() - start);
        if (left.isNegative()) {
            left = Duration.ZERO; // Streams then stops its threads without waiting for them
        }
        return new Outcome(left, closeStreams.test(left));
    }
}
