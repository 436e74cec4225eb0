package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ShutdownBudgetTest {

    @Test
    void kafkaStreamsGetsWhatTheQuickPartsLeftOfTheBudget() {
        AtomicLong now = new AtomicLong(7_000_000_000L);
        List<Duration> given = new ArrayList<>();
        ShutdownBudget.Outcome o = ShutdownBudget.close(Duration.ofSeconds(25), now::get,
                left -> given.add(left),
                () -> now.addAndGet(1_500_000_000L)); // the HTTP server and the alert feed took 1.5 s
        assertEquals(List.of(Duration.ofMillis(23_500)), given, "Streams closes once, with the rest of the budget");
        assertEquals(Duration.ofMillis(23_500), o.streamsGot());
        assertTrue(o.streamsClosed());
    }

    @Test
    void aStreamsCloseThatTimesOutIsReportedAndNothingIsGivenBeyondTheBudget() {
        AtomicLong now = new AtomicLong();
        List<Duration> given = new ArrayList<>();
        ShutdownBudget.Outcome o = ShutdownBudget.close(Duration.ofSeconds(2), now::get,
                left -> given.add(left) && false, () -> now.addAndGet(3_000_000_000L));
        assertEquals(List.of(Duration.ZERO), given);
        assertFalse(o.streamsClosed(), "close(...) returned false: timed out");
    }

    /** A part that fails to close must not cost Kafka Streams its commit and checkpoints, nor the other parts. */
    @Test
    void aQuickPartThatThrowsStillLetsTheOthersAndKafkaStreamsClose() {
        AtomicLong now = new AtomicLong();
        List<String> closed = new ArrayList<>();
        ShutdownBudget.Outcome o = ShutdownBudget.close(Duration.ofSeconds(25), now::get,
                left -> closed.add("streams"),
                () -> {
                    throw new java.util.ConcurrentModificationException("KafkaConsumer is not safe for multi-threaded access");
                },
                () -> closed.add("alert feed"));
        assertEquals(List.of("alert feed", "streams"), closed);
        assertTrue(o.streamsClosed());
    }
}
