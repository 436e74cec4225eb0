package io.modelwatch.join;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class PendingKeyFilterTest {

    private static byte[] id(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anEmptyFilterRulesOutEveryId() {
        PendingKeyFilter filter = new PendingKeyFilter();
        for (int i = 0; i < 1000; i++) {
            assertFalse(filter.mightContain(id("p" + i)));
        }
    }

    @Test
    void fewerThanThreePercentFalsePositivesAtTheSizeItWasMadeFor() {
        int n = 100_000;
        PendingKeyFilter filter = new PendingKeyFilter();
        filter.reset(2 * n); // as a pass sizes it: twice the store
        for (int i = 0; i < 2 * n; i++) {
            filter.add(id("fraud-v2-" + i));
        }
        int falsePositives = 0;
        for (int i = 0; i < n; i++) {
            if (filter.mightContain(id("churn-v1-" + i))) {
                falsePositives++;
            }
        }
        assertTrue(falsePositives < n * 3 / 100, falsePositives + " false positives in " + n);
    }

    @Test
    void itsSizeIsBoundedWhateverTheStoreHolds() {
        PendingKeyFilter filter = new PendingKeyFilter();
        filter.reset(1_000_000_000L);
        assertEquals(PendingKeyFilter.MAX_BITS, filter.bits());
        filter.reset(0);
        assertEquals(PendingKeyFilter.MIN_BITS, filter.bits());
        filter.reset(100_000);
        assertTrue(filter.bits() >= 1_000_000 && filter.bits() < 2_000_000 * 2, "bits " + filter.bits());
    }

    @Test
    void aStoreThatGrowsAddsLayersUpToTheBoundNeverLosingAnId() {
        PendingKeyFilter filter = new PendingKeyFilter(); // made for an empty store, as at a first start
        int n = 600_000;
        for (int i = 0; i < n; i++) {
            filter.add(id("fraud-v2-" + i));
        }
        assertTrue(filter.bits() > PendingKeyFilter.MIN_BITS && filter.bits() <= PendingKeyFilter.MAX_BITS,
                "bits " + filter.bits());
        int falsePositives = 0;
        for (int i = 0; i < 100_000; i++) {
            if (filter.mightContain(id("churn-v1-" + i))) {
                falsePositives++;
            }
        }
        assertTrue(falsePositives < 5_000, falsePositives + " false positives in 100000");
        for (int i = n; i < 4 * n; i++) { // past the bound: the last layer fills up
            filter.add(id("fraud-v2-" + i));
        }
        assertTrue(filter.bits() <= PendingKeyFilter.MAX_BITS, "bits " + filter.bits());
        for (int i = 0; i < 4 * n; i += 7) {
            assertTrue(filter.mightContain(id("fraud-v2-" + i)), "lost fraud-v2-" + i);
        }
    }

    @Test
    void aPassForgetsTheIdsItDidNotKeep() {
        PendingKeyFilter filter = new PendingKeyFilter();
        for (int i = 0; i < 10_000; i++) {
            filter.add(id("old-" + i));
        }
        filter.passStarted(10_000);
        filter.kept(id("old-7"));
        filter.add(id("new-1")); // inserted while the pass runs
        assertTrue(filter.mightContain(id("old-9")), "the old filter answers until the pass ends");
        filter.passEnded();
        assertTrue(filter.mightContain(id("old-7")));
        assertTrue(filter.mightContain(id("new-1")));
        int stillThere = 0;
        for (int i = 0; i < 10_000; i++) {
            if (i != 7 && filter.mightContain(id("old-" + i))) {
                stillThere++;
            }
        }
        assertTrue(stillThere < 100, stillThere + " deleted ids still pass");
    }

    @Test
    void theHashTakesEveryByteOfTheId() {
        // ids that differ in their tail only (after whole 8-byte words) or in one middle byte
        assertFalse(PendingKeyFilter.hash(id("fraud-v2-0007385")) == PendingKeyFilter.hash(id("fraud-v2-0007386")));
        assertFalse(PendingKeyFilter.hash(id("fraud-v2-000738")) == PendingKeyFilter.hash(id("fraud-v2-000738\0")));
        assertFalse(PendingKeyFilter.hash(id("abcdefgh1")) == PendingKeyFilter.hash(id("abcdefgX1")));
    }

    /**
     * The store and the expiry scan as the join drives them, at random: inserts, passes that start at the first key
     * and visit the keys in order (deleting some, keeping the rest), interleaved with more inserts, passes cut short
     * by a restart from the first key. Never a false negative for an id the store holds.
     */
    @Property(tries = 200)
    void neverRulesOutAnIdTheStoreHolds(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long seed,
                                        @ForAll @IntRange(min = 1, max = 400) int steps) {
        Random random = new Random(seed);
        TreeSet<String> store = new TreeSet<>();
        PendingKeyFilter filter = new PendingKeyFilter();
        String cursor = null; // null: no pass under way
        int next = 0;
        for (int step = 0; step < steps; step++) {
            int op = random.nextInt(10);
            if (op < 5) {
                String k = "id-" + random.nextInt(5_000) + "-" + next++;
                if (store.add(k)) {
                    filter.add(id(k));
                }
            } else if (op < 9) {
                // a scan step: from the cursor (or the first key) visit a few keys, delete about half of them
                if (cursor == null || op == 8 && random.nextInt(4) == 0) {
                    filter.passStarted(store.size()); // a (re)start from the first key
                    cursor = "";
                }
                List<String> visited = new ArrayList<>(store.tailSet(cursor, false)).subList(0,
                        Math.min(random.nextInt(20), store.tailSet(cursor, false).size()));
                for (String k : visited) {
                    if (random.nextBoolean()) {
                        store.remove(k);
                    } else {
                        filter.kept(id(k));
                    }
                    cursor = k;
                }
                if (store.tailSet(cursor, false).isEmpty()) {
                    filter.passEnded();
                    cursor = null;
                }
            } else {
                filter.reset(store.size()); // a restart: the replay adds every id the store holds
                store.forEach(k -> filter.add(id(k)));
                cursor = null;
            }
            for (String k : store) {
                assertTrue(filter.mightContain(id(k)), "lost " + k + " at step " + step);
            }
        }
    }
}
