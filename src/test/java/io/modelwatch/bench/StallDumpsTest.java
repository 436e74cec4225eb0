package io.modelwatch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StallDumpsTest {

    @Test
    void nothingIsDumpedWhileTheMetricsFlow() throws Exception {
        AtomicLong last = new AtomicLong(System.nanoTime());
        long start = System.nanoTime();
        StallDumps dumps = StallDumps.start(last::get, start, start);
        try {
            long until = System.nanoTime() + 1_500_000_000L;
            while (System.nanoTime() < until) {
                last.set(System.nanoTime());
                Thread.sleep(50);
            }
        } finally {
            dumps.close();
        }
        assertEquals("", dumps.describe());
    }

    @Test
    void aSilenceDumpsTheStreamThreadsWithWhereTheyWait() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Thread streamThread = new Thread(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "bench-lat-1-0a1b2c3d-4e5f-6789-abcd-ef0123456789-StreamThread-1");
        streamThread.start();
        java.nio.channels.Selector selector = java.nio.channels.Selector.open();
        Thread idleNetworkThread = new Thread(() -> {
            try {
                selector.select();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "kafka-producer-network-thread | producer-1");
        idleNetworkThread.start();
        long start = System.nanoTime();
        StallDumps dumps = StallDumps.start(() -> start, start, start); // one reading, never renewed: a stall
        try {
            Thread.sleep(StallDumps.SILENCE_NANOS / 1_000_000 + 700);
        } finally {
            dumps.close();
            release.countDown();
            streamThread.join();
            selector.wakeup();
            idleNetworkThread.join();
            selector.close();
        }
        String described = dumps.describe();
        assertTrue(described.matches("(?s)\\s+at 1\\.\\d s, no metrics record for 1\\d\\d\\d ms:\n.*"), described);
        assertTrue(described.contains("StreamThread-N WAITING: Unsafe.park"), described);
        assertTrue(described.contains("CountDownLatch.await"), described);
        // a thread waiting in a selector is runnable to Java but idle: left out
        assertFalse(described.contains("producer-network-thread"), described);
    }

    @Test
    void aSilenceInTheWarmUpIsNoStall() throws Exception {
        long start = System.nanoTime();
        StallDumps dumps = StallDumps.start(() -> start, start, start + 60_000_000_000L);
        Thread.sleep(StallDumps.SILENCE_NANOS / 1_000_000 + 300);
        dumps.close();
        assertEquals("", dumps.describe());
    }

    @Test
    void noProgressYetIsNoStall() throws Exception {
        long start = System.nanoTime();
        StallDumps dumps = StallDumps.start(() -> 0, start, start);
        Thread.sleep(StallDumps.SILENCE_NANOS / 1_000_000 + 300);
        dumps.close();
        assertEquals("", dumps.describe());
    }
}
