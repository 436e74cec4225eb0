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
        StallDumps dumps = StallDumps.start(last::get, last::get, start, start);
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
        java.util.concurrent.ScheduledExecutorService idlePool = java.util.concurrent.Executors
                .newSingleThreadScheduledExecutor(r -> new Thread(r, "kafka-scheduler-7"));
        idlePool.schedule(() -> { }, 1, java.util.concurrent.TimeUnit.HOURS); // its thread parks, waiting for work
        java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
        lock.lock();
        Thread lockWaiter = new Thread(lock::lock, "data-plane-kafka-request-handler-3");
        lockWaiter.start();
        long start = System.nanoTime();
        AtomicLong processed = new AtomicLong(start);
        Thread processing = new Thread(() -> { // records keep being processed: only the metrics stand still
            while (!Thread.currentThread().isInterrupted()) {
                processed.set(System.nanoTime());
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-test-processing");
        processing.start();
        // one metrics reading, never renewed: a stall
        StallDumps dumps = StallDumps.start(() -> start, processed::get, start, start);
        try {
            Thread.sleep(StallDumps.SILENCE_NANOS / 1_000_000 + 700);
        } finally {
            dumps.close();
            processing.interrupt();
            processing.join();
            release.countDown();
            streamThread.join();
            selector.wakeup();
            idleNetworkThread.join();
            selector.close();
            idlePool.shutdownNow();
            lock.unlock();
            lockWaiter.join();
        }
        String described = dumps.describe();
        assertTrue(described.matches("(?s)\\s+at 1\\.\\d s, no metrics record for 1\\d\\d\\d ms, "
                + "no record processed for \\d{1,3} ms:\n.*"), described);
        assertTrue(described.contains("StreamThread-N WAITING: Unsafe.park"), described);
        assertTrue(described.contains("CountDownLatch.await"), described);
        // a thread waiting in a selector is runnable to Java but idle: left out
        assertFalse(described.contains("producer-network-thread"), described);
        // a pool thread parked until there is work: left out; one waiting for a lock: in
        assertFalse(described.contains("kafka-scheduler-N"), described);
        assertTrue(described.contains("data-plane-kafka-request-handler-N WAITING"), described);
        assertTrue(described.contains("ReentrantLock"), described);
    }

    @Test
    void recordsNotProcessedWhileTheMetricsFlowAreAStallToo() throws Exception {
        long start = System.nanoTime();
        AtomicLong metrics = new AtomicLong(start);
        StallDumps dumps = StallDumps.start(metrics::get, () -> start, start, start);
        try {
            long until = System.nanoTime() + StallDumps.SILENCE_NANOS + 400_000_000L;
            while (System.nanoTime() < until) {
                metrics.set(System.nanoTime());
                Thread.sleep(50);
            }
        } finally {
            dumps.close();
        }
        assertTrue(dumps.describe().matches("(?s)\\s+at 1\\.\\d s, no metrics record for \\d{1,3} ms, "
                + "no record processed for 1\\d\\d\\d ms:\n.*"), dumps.describe());
    }

    @Test
    void aSilenceInTheWarmUpIsNoStall() throws Exception {
        long start = System.nanoTime();
        StallDumps dumps = StallDumps.start(() -> start, () -> start, start, start + 60_000_000_000L);
        Thread.sleep(StallDumps.SILENCE_NANOS / 1_000_000 + 300);
        dumps.close();
        assertEquals("", dumps.describe());
    }

    @Test
    void noProgressYetIsNoStall() throws Exception {
        long start = System.nanoTime();
        StallDumps dumps = StallDumps.start(() -> 0, () -> start, start, start);
        Thread.sleep(StallDumps.SILENCE_NANOS / 1_000_000 + 300);
        dumps.close();
        assertEquals("", dumps.describe());
    }
}
