package io.modelwatch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CpuYardstickTest {

    @Test
    void readsTheMediansOfTheSamplesTakenSinceAGivenTime() {
        CpuYardstick y = CpuYardstick.forTest();
        y.record(100, 9_000_000, 7_000_000, 1_000_000, 2_000_000);
        y.record(200, 2_000_000, 6_000_000, 5_000_000, 1_000_000);
        y.record(300, 4_000_000, 8_000_000, 3_000_000, 1_000_000);
        y.record(400, 3_000_000, 5_000_000, 4_000_000, 1_000_000);

        CpuYardstick.Reading all = y.since(0);
        assertEquals(4, all.samples());
        assertEquals(3.0, all.aluMs()); // lower middle of 2, 3, 4, 9
        assertEquals(6.0, all.llcMs()); // of 5, 6, 7, 8
        assertEquals(3.0, all.memMs()); // of 1, 3, 4, 5
        assertEquals(1.0, all.bwMs()); // of 1, 1, 1, 2
        assertEquals(15.5, all.meanTotalMs()); // (19 + 14 + 16 + 13) / 4: the slow first sample counts

        CpuYardstick.Reading late = y.since(200);
        assertEquals(3, late.samples());
        assertEquals(3.0, late.aluMs()); // 2, 3, 4
        assertEquals(6.0, late.llcMs()); // 5, 6, 8
        assertEquals(4.0, late.memMs()); // 3, 4, 5
        assertEquals("alu=3.00 ms llc=6.00 ms mem=4.00 ms bw=1.00 ms (medians of 3; mean of all together 14.33 ms)",
                late.describe());

        assertEquals(0, y.since(401).samples());
        assertEquals("no samples", y.since(401).describe());
    }

    @Test
    void keepsEverySampleBeyondItsFirstArrays() {
        CpuYardstick y = CpuYardstick.forTest();
        for (int i = 0; i < 1000; i++) {
            y.record(i, i, 3L * i, 2L * i, 4L * i);
        }
        CpuYardstick.Reading r = y.since(500);
        assertEquals(500, r.samples());
        assertEquals(749 / 1e6, r.aluMs());
        assertEquals(2247 / 1e6, r.llcMs());
        assertEquals(2996 / 1e6, r.bwMs());
        assertEquals(1498 / 1e6, r.memMs());
    }

    @Test
    void aSampleTimesBothKindsOfWorkInCpuTime() {
        CpuYardstick y = CpuYardstick.forTest();
        long before = System.nanoTime();
        y.sample();
        CpuYardstick.Reading r = y.since(before);
        assertEquals(1, r.samples());
        assertTrue(r.aluMs() > 0 && r.llcMs() > 0 && r.memMs() > 0 && r.bwMs() > 0, r.describe());
    }

    @Test
    void theWorkDependsOnItsLengthSoTheJitCannotDropIt() {
        assertNotEquals(CpuYardstick.aluWork(1000), CpuYardstick.aluWork(1001));
        CpuYardstick y = CpuYardstick.forTest();
        assertNotEquals(y.chase(CpuYardstick.LLC_INTS, 1000), y.chase(CpuYardstick.LLC_INTS, 1001));
        assertNotEquals(y.chase(1 << 22, 1000), y.chase(1 << 22, 1001));
        assertEquals(CpuYardstick.BW_LONGS, y.sweep()); // every long read once (each is 1)
    }

    @Test
    void threadCpuReportsTheYardstickOverItsSpan() {
        String described = ThreadCpu.start().describeSinceStart();
        assertTrue(described.contains("; machine yardstick: "), described);
    }
}
