package io.modelwatch.service;

import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StreamThreadFailuresTest {

    private static final long MINUTE = 60_000_000_000L;

    @Test
    void aThreadIsReplacedUntilThreadsFailMoreThanFiveTimesWithinTenMinutes() {
        AtomicLong now = new AtomicLong(1_000 * MINUTE);
        StreamThreadFailures failures = new StreamThreadFailures(now::get);
        for (int i = 0; i < StreamThreadFailures.MAX_FAILURES; i++) {
            assertEquals(REPLACE_THREAD, failures.onFailure(), "failure " + (i + 1));
            now.addAndGet(MINUTE);
        }
        assertEquals(SHUTDOWN_CLIENT, failures.onFailure(), "the sixth within ten minutes");
    }

    @Test
    void failuresFurtherApartThanTheSpanAreEachReplaced() {
        AtomicLong now = new AtomicLong(0);
        StreamThreadFailures failures = new StreamThreadFailures(now::get);
        for (int i = 0; i < 50; i++) {
            assertEquals(REPLACE_THREAD, failures.onFailure(), "failure " + (i + 1));
            now.addAndGet(2 * MINUTE + 1); // five within any ten minutes, never six
        }
    }
}
