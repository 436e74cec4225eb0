package io.modelwatch.service;

import java.time.Duration;

/** Waits of the service's integration tests. */
final class Await {

    private Await() {
    }

    /** Until the instance's latest windows hold {@code count} labelled pairs in all. */
    static void labeled(ModelwatchService service, long count, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        long seen = 0;
        while (System.nanoTime() < deadline) {
            seen = service.view().latestMetrics().stream().mapToLong(r -> r.get("labeled").asLong()).sum();
            if (seen == count) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("labelled pairs: " + seen + ", not " + count);
    }
}
