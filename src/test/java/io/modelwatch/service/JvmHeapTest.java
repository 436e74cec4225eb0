package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class JvmHeapTest {

    private static final long GB = 1L << 30;

    @Test
    void onlyAFixedPreTouchedHeapCounts() {
        assertTrue(JvmHeap.fixedAndTouched(3 * GB, 3 * GB, true));
        assertFalse(JvmHeap.fixedAndTouched(3 * GB, 3 * GB, false), "fixed, but its pages come at first use");
        assertFalse(JvmHeap.fixedAndTouched(GB / 4, 6 * GB, true), "touched, but it grows");
    }

    @Test
    void aHeapThatCanGrowGetsTheAdviceWithItsSizes() {
        assertNull(JvmHeap.advice(3 * GB, 3 * GB, true));
        assertEquals("JVM heap 256 MB at start, up to 6144 MB, not pre-touched: a heap that grows under load stalls "
                + "processing for seconds while the new pages are faulted in; for steady latency start the JVM with "
                + "-Xms equal to -Xmx and -XX:+AlwaysPreTouch (README, \"Running on your own cluster\")",
                JvmHeap.advice(GB / 4, 6 * GB, false));
    }
}
