package io.modelwatch.join;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.modelwatch.TopologyFixture;
import io.modelwatch.TopologySettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Window PT10M, max-label-delay PT90S (watermark interval PT1M by default): the window [T0, T0+10m) closes at
 * T0+11m30s, which is not on a watermark-interval step. The inputs read events past that close within the same
 * interval, then all input goes quiet: once every input is idle, the window is final on the event time reached
 * (T0+11m40s), not only when traffic resumes (as replay, which reads to the end, has it).
 */
class IdleTailTopologyTest {

    static final long MIN = 60_000;
    static final long T0 = TopologyFixture.T0;

    @Test
    void aWindowWhoseCloseEveryPartitionPassedIsFinalOnceAllInputIsIdle() {
        TopologySettings s = TopologySettings.builder().window(Duration.ofMinutes(10), Duration.ofSeconds(90))
                .updateInterval(Duration.ZERO).build();
        try (TopologyFixture f = new TopologyFixture(s)) {
            runIdleTail(f, "event time (T0+11m40s) passed the close (T0+11m30s) on every partition");
        }
    }

    @Test
    void sameWithKeyedInputs() {
        TopologySettings.Builder b = TopologySettings.builder().window(Duration.ofMinutes(10), Duration.ofSeconds(90))
                .updateInterval(Duration.ZERO);
        b.repartitionInputs = false;
        try (TopologyFixture f = new TopologyFixture(b.build())) {
            runIdleTail(f, "the join's stream time (T0+11m40s) passed the close (T0+11m30s)");
        }
    }

    private static void runIdleTail(TopologyFixture f, String why) {
        f.prediction("p1", T0 + MIN, "1", 0.9);
        f.label("p1", T0 + 2 * MIN, "1");
        f.advanceEventTime(T0 + 11 * MIN + 10_000); // crosses the minute: watermark T0+11m10s (< close)
        f.advanceEventTime(T0 + 11 * MIN + 40_000); // past the close T0+11m30s, same minute: no watermark
        assertEquals(0, TopologyFixture.finals(f.metrics()).size());
        // no traffic anywhere from here on: the inputs are found idle (every 30 s of wall clock)
        f.driver.advanceWallClockTime(Duration.ofSeconds(31));
        f.driver.advanceWallClockTime(Duration.ofSeconds(31));
        f.driver.advanceWallClockTime(Duration.ofMinutes(10));
        assertEquals(1, TopologyFixture.finals(f.metrics()).size(), why);
    }
}
