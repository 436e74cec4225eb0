package io.modelwatch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchmarkTest {

    @Test
    void readsTheKernelsTransparentHugePageModeFromSysfs() {
        assertEquals("madvise", Benchmark.thpMode("always [madvise] never\n"));
        assertEquals("always", Benchmark.thpMode("[always] madvise never"));
        assertEquals("never", Benchmark.thpMode("always madvise [never]"));
        assertEquals("unknown", Benchmark.thpMode(""));
        assertEquals("unknown", Benchmark.thpMode("always madvise never"));
    }

    @Test
    void namesAModeOnThisMachineOrSaysItDoesNotKnow() {
        String mode = Benchmark.transparentHugePages();
        assertTrue(List.of("always", "madvise", "never", "unknown").contains(mode), mode);
    }

    @Test
    void keepsTheHeapThroughTheFullGcsItAsksFor() {
        String said = Benchmark.keepHeapThroughFullGcs();
        assertEquals("MaxHeapFreeRatio=100 (the bench's full GCs do not shrink the heap)", said);
        assertEquals("100", java.lang.management.ManagementFactory
                .getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                .getVMOption("MaxHeapFreeRatio").getValue());
    }

    @Test
    void theMedianOfAnEvenCountIsTheLowerMiddle() {
        assertEquals(2.0, Benchmark.median(new double[] {4, 1, 2, 3}));
        assertEquals(3.0, Benchmark.median(new double[] {5, 3, 1}));
    }
}
