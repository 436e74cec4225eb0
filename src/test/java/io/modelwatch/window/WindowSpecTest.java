package io.modelwatch.window;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** Tumbling windows aligned to the epoch, closing maxLabelDelay after their end. */
class WindowSpecTest {

    @Test
    void alignsPositiveTimestampsToTheEpoch() {
        WindowSpec w = new WindowSpec(3_600_000, 600_000);
        assertEquals(0, w.windowStart(0));
        assertEquals(0, w.windowStart(3_599_999));
        assertEquals(3_600_000, w.windowStart(3_600_000));
        assertEquals(1_793_577_600_000L, w.windowStart(1_793_577_600_000L));
        assertEquals(1_793_577_600_000L, w.windowStart(1_793_581_199_999L));
        assertEquals(1_793_581_200_000L, w.windowStart(1_793_581_200_000L));
    }

    @Test
    void alignsNegativeTimestampsDownwards() {
        WindowSpec w = new WindowSpec(10, 0);
        assertEquals(-10, w.windowStart(-1));
        assertEquals(-10, w.windowStart(-10));
        assertEquals(-20, w.windowStart(-11));
        assertEquals(0, w.windowStart(9));
        assertEquals(10, w.windowStart(10));
    }

    @Test
    void closeTimeIsEndPlusMaximumLabelDelay() {
        WindowSpec w = new WindowSpec(3_600_000, 600_000);
        assertEquals(4_200_000, w.closeTime(0));
        assertEquals(4_200_000, w.closeTimeOf(0));
        assertEquals(4_200_000, w.closeTimeOf(3_599_999));
        assertEquals(7_800_000, w.closeTimeOf(3_600_000));
        assertEquals(600_000, w.closeTimeOf(-1));
        assertEquals(20, new WindowSpec(10, 0).closeTimeOf(15));
    }

    @Test
    void rejectsNonPositiveSizeAndNegativeDelay() {
        assertThrows(IllegalArgumentException.class, () -> new WindowSpec(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new WindowSpec(-5, 0));
        assertThrows(IllegalArgumentException.class, () -> new WindowSpec(10, -1));
        assertEquals(0, new WindowSpec(1, 0).maxLabelDelayMs());
    }

    @Property(tries = 2000)
    void everyTimestampFallsInItsWindow(@ForAll @LongRange(min = -4_000_000_000_000L, max = 8_000_000_000_000L) long ts,
                                        @ForAll @LongRange(min = 1, max = 86_400_000L) long size,
                                        @ForAll @LongRange(min = 0, max = 86_400_000L) long delay) {
        WindowSpec w = new WindowSpec(size, delay);
        long start = w.windowStart(ts);
        assertTrue(start <= ts && ts < start + size, () -> ts + " not in [" + start + ", " + (start + size) + ")");
        assertEquals(0, Math.floorMod(start, size));
        assertEquals(start + size + delay, w.closeTimeOf(ts));
        assertTrue(w.closeTimeOf(ts) > ts);
        assertEquals(start, w.windowStart(start), "a window start is its own window's start");
    }
}
