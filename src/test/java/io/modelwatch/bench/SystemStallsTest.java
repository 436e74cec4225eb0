package io.modelwatch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SystemStallsTest {

    private static final String IO_PRESSURE = """
            some avg10=0.00 avg60=0.02 avg300=0.28 total=838415852
            full avg10=0.00 avg60=0.01 avg300=0.10 total=280194795
            """;

    @Test
    void aPressureFileGivesItsSomeAndFullTotals() {
        assertEquals(838415852L, SystemStalls.stallMicros(IO_PRESSURE, "some"));
        assertEquals(280194795L, SystemStalls.stallMicros(IO_PRESSURE, "full"));
        assertEquals(-1L, SystemStalls.stallMicros("", "some"));
    }

    @Test
    void dirtyPagesAreDirtyPlusWriteback() {
        String meminfo = """
                MemTotal:       24683748 kB
                Dirty:             10240 kB
                Writeback:          2048 kB
                WritebackTmp:          0 kB
                """;
        assertEquals(12288L, SystemStalls.dirtyKb(meminfo));
        assertEquals(-1L, SystemStalls.dirtyKb("MemTotal: 1 kB\n"));
    }

    @Test
    void theSpanBetweenTwoReadingsIsInSecondsAndTheDirtyPagesAsOfTheLater() {
        SystemStalls start = new SystemStalls(1_000_000, 2_000_000, 500_000, 100, 30);
        SystemStalls end = new SystemStalls(2_200_000, 2_300_000, 600_000, 150 * 1024, 50);
        assertEquals("; stalled: io 0.3 s (all tasks 0.1), CPU 1.2 s; dirty 150 MB; steal 0.2 s", end.since(start));
    }

    @Test
    void whatProcDoesNotGiveIsLeftOut() {
        SystemStalls none = new SystemStalls(-1, -1, -1, -1, -1);
        assertEquals("", none.since(none));
        SystemStalls cpuOnly = new SystemStalls(3_000_000, -1, -1, -1, -1);
        assertEquals("; stalled: CPU 2.0 s", cpuOnly.since(new SystemStalls(1_000_000, -1, -1, -1, -1)));
    }

    @Test
    void onThisMachineAReadingSaysAtLeastTheDirtyPages() {
        // every Linux has /proc/meminfo; pressure files need a kernel with PSI on
        assertTrue(SystemStalls.read().dirtyKb() >= 0 || !new java.io.File("/proc/meminfo").exists());
    }
}
