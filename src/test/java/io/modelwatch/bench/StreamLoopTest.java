package io.modelwatch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class StreamLoopTest {

    @Test
    void theLoopRatesComeFromTheCountsOverThePhaseNotFromStreamsWindowedRates() {
        java.util.Map<String, Double> start = java.util.Map.of("commit-total", 10.0, "poll-total", 100.0,
                "process-total", 1_000.0, "punctuate-total", 0.0, "threads", 2.0);
        java.util.Map<String, Double> end = java.util.Map.of("commit-total", 410.0, "poll-total", 2_100.0,
                "process-total", 2_001_000.0, "punctuate-total", 80.0, "threads", 2.0);
        java.util.Map<String, Double> latencies = new java.util.LinkedHashMap<>();
        latencies.put("commit-latency-avg", 4.25);
        // 25 s, 2 threads: 400 commits are 8 per thread and second, 2M records 40000, 2000 polls of 1000 each
        assertEquals("per thread and second over the 25.0 s: commits 8.0, polls 40.0, records 40000, punctuations "
                + "1.6; records per poll 1000; ms (last 30-60 s): commit-latency-avg=4.3",
                StreamLoop.describe(start, end, 25, latencies));
    }

    @Test
    void theTimeBlockedOnKafkaIsAShareOfTheThreadsWallClock() {
        java.util.Map<String, Double> start = java.util.Map.of("commit-total", 0.0, "poll-total", 0.0,
                "process-total", 0.0, "punctuate-total", 0.0, "blocked-time-ns-total", 5e9, "threads", 2.0);
        java.util.Map<String, Double> end = java.util.Map.of("commit-total", 0.0, "poll-total", 10.0,
                "process-total", 10.0, "punctuate-total", 0.0, "blocked-time-ns-total", 20e9, "threads", 2.0);
        // 15 s blocked of 2 threads x 25 s
        assertEquals("per thread and second over the 25.0 s: commits 0.0, polls 0.2, records 0, punctuations "
                + "0.0; records per poll 1; blocked on Kafka 30% of the time",
                StreamLoop.describe(start, end, 25, java.util.Map.of()));
    }
}
