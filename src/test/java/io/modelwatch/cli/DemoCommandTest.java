package io.modelwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.LocalTime;
import org.junit.jupiter.api.Test;

class DemoCommandTest {

    @Test
    void theSummaryClockAlwaysShowsSeconds() {
        assertEquals("03:11:00", DemoCommand.clock(LocalTime.of(3, 11)));
        assertEquals("03:11:07", DemoCommand.clock(LocalTime.of(3, 11, 7, 999_000_000)));
        assertEquals("00:00:00", DemoCommand.clock(LocalTime.MIDNIGHT));
    }
}
