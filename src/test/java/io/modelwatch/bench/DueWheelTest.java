package io.modelwatch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class DueWheelTest {

    private record Item(long due, int seq) {
    }

    /** Adds and polls interleaved as the latency probe does: the order a PriorityQueue of (due, seq) gives. */
    @Property(tries = 200)
    void takesInDueOrderTiesInTheOrderAddedAndOnlyWhenDue(@ForAll long seed,
                                                          @ForAll @IntRange(min = 1, max = 3000) int items) {
        Random random = new Random(seed);
        long start = 1_700_000_000_000L;
        DueWheel<Item> wheel = new DueWheel<>(start, 5_000);
        List<Item> added = new ArrayList<>();
        List<Item> taken = new ArrayList<>();
        long now = start;
        for (int seq = 0; seq < items; seq++) {
            Item item = new Item(now + random.nextInt(5_001), seq);
            wheel.add(item.due(), item);
            added.add(item);
            if (random.nextInt(8) == 0) {
                now += random.nextInt(50);
                takeDue(wheel, now, taken);
            }
        }
        while (!wheel.isEmpty()) {
            now += 1 + random.nextInt(300);
            takeDue(wheel, now, taken);
        }
        // each poll took only items due by then; overall, in due order across polls as a sorted queue would
        added.sort(Comparator.comparingLong(Item::due).thenComparingInt(Item::seq));
        assertEquals(added.size(), taken.size());
        for (int i = 1; i < taken.size(); i++) {
            Item a = taken.get(i - 1);
            Item b = taken.get(i);
            assertTrue(a.due() < b.due() || (a.due() == b.due() && a.seq() < b.seq()),
                    "out of order: " + a + " before " + b);
        }
    }

    private static void takeDue(DueWheel<Item> wheel, long now, List<Item> taken) {
        for (Item item = wheel.pollDue(now); item != null; item = wheel.pollDue(now)) {
            assertTrue(item.due() <= now, item + " taken at " + now);
            taken.add(item);
        }
    }

    @Test
    void anItemDueBeforeTheLastMillisecondTakenGoesOutWithTheNextPoll() {
        DueWheel<String> wheel = new DueWheel<>(1000, 100);
        wheel.add(1010, "a");
        assertEquals("a", wheel.pollDue(1010));
        assertNull(wheel.pollDue(1010));
        wheel.add(1005, "late");
        wheel.add(1011, "b");
        assertEquals("late", wheel.pollDue(1011));
        assertEquals("b", wheel.pollDue(1011));
        assertTrue(wheel.isEmpty());
    }

    @Test
    void anEmptyWheelMovesOnWithTheClock() {
        DueWheel<String> wheel = new DueWheel<>(0, 100);
        assertNull(wheel.pollDue(1_000_000)); // an hour idle: the next slot is the clock's
        wheel.add(1_000_050, "a");
        assertNull(wheel.pollDue(1_000_049));
        assertEquals("a", wheel.pollDue(1_000_050));
    }

    @Test
    void anItemDueBeyondTheRingIsRefused() {
        DueWheel<String> wheel = new DueWheel<>(0, 100); // a ring of 128 ms
        wheel.add(127, "last slot");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wheel.add(128, "too far"));
        assertTrue(e.getMessage().contains("128 ms after the next slot"), e.getMessage());
    }
}
