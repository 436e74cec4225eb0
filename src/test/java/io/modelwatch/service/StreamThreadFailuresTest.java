package io.modelwatch.service;

import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StreamThreadFailuresTest {

    private static final long MINUTE = 60_000_000_000L;

    @Test
    void aThreadIsReplacedUntilThreadsFailMoreThanFiveTimesWithinTenMinutes() {
        AtomicLong now = new AtomicLong(1_000 * MINUTE);
        StreamThreadFailures failures = new StreamThreadFailures(now::get, StreamThreadFailures.WITHIN);
        for (int i = 0; i < StreamThreadFailures.MAX_FAILURES; i++) {
            assertEquals(REPLACE_THREAD, failures.onFailure(), "failure " + (i + 1));
            now.addAndGet(MINUTE);
        }
        assertEquals(SHUTDOWN_CLIENT, failures.onFailure(), "the sixth within ten minutes");
    }

    @Test
    void failuresFurtherApartThanTheSpanAreEachReplaced() {
        AtomicLong now = new AtomicLong(0);
        StreamThreadFailures failures = new StreamThreadFailures(now::get, StreamThreadFailures.WITHIN);
        for (int i = 0; i < 50; i++) {
            assertEquals(REPLACE_THREAD, failures.onFailure(), "failure " + (i + 1));
            now.addAndGet(2 * MINUTE + 1); // five within any ten minutes, never six
        }
    }

    private static Duration span(String... nameValues) {
        Properties p = new Properties();
        for (int i = 0; i < nameValues.length; i += 2) {
            p.setProperty(nameValues[i], nameValues[i + 1]);
        }
        return StreamThreadFailures.spanFor(p);
    }

    /** A replacement can wait for the failed member's session to time out: six of them must fit the span. */
    @Test
    void theSpanGrowsWithTheSessionTimeout() {
        assertEquals(Duration.ofMinutes(10), span(), "45 s by default: 6 × 2 × 45 s = 9 min, under ten");
        assertEquals(Duration.ofMinutes(24), span("session.timeout.ms", "120000"));
        assertEquals(Duration.ofMinutes(24), span("consumer.session.timeout.ms", "120000", "session.timeout.ms", "1"));
        assertEquals(Duration.ofMinutes(36), span("main.consumer.session.timeout.ms", "180000",
                "consumer.session.timeout.ms", "120000"));
        assertEquals(Duration.ofMinutes(10), span("session.timeout.ms", "6000"), "never under ten minutes");
    }

    @Test
    void withALongSessionTimeoutAFailureOnEveryTryStillStopsTheClient() {
        AtomicLong now = new AtomicLong(0);
        StreamThreadFailures failures = new StreamThreadFailures(now::get, span("session.timeout.ms", "120000"));
        for (int i = 0; i < StreamThreadFailures.MAX_FAILURES; i++) {
            assertEquals(REPLACE_THREAD, failures.onFailure(), "failure " + (i + 1));
            now.addAndGet(2 * MINUTE + MINUTE / 2); // each replacement waits out the 2-minute session
        }
        assertEquals(SHUTDOWN_CLIENT, failures.onFailure(), "six failures in 12.5 minutes");
    }
}
