package io.modelwatch.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The log's sort must order the keys and keep every count with its own key. */
class LogSortTest {

    @Provide
    Arbitrary<List<Long>> keys() {
        // a narrow range forces ties, a wide one covers both signs and the extremes
        Arbitrary<Long> narrow = Arbitraries.longs().between(-20, 20);
        Arbitrary<Long> wide = Arbitraries.longs();
        return Arbitraries.oneOf(narrow, wide).list().ofMaxSize(700);
    }

    @Property(tries = 300)
    void sortsTheKeysAndCarriesEachCountAlong(@ForAll("keys") List<Long> input) {
        int n = input.size();
        long[] keys = new long[n + 3]; // longer than n: the tail is not part of the log
        long[] counts = new long[n + 3];
        for (int i = 0; i < n; i++) {
            keys[i] = input.get(i);
            counts[i] = i; // the original position: tells which key a count came with
        }
        keys[n] = Long.MIN_VALUE;
        counts[n] = -1;
        LogSort.sort(keys, counts, n);

        Integer[] order = new Integer[n];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingLong(input::get)); // stable, as the merge sort
        for (int i = 0; i < n; i++) {
            assertEquals((long) input.get(order[i]), keys[i], "key " + i);
            assertEquals((long) order[i], counts[i], "count " + i + " moved with its key");
        }
        assertEquals(Long.MIN_VALUE, keys[n], "beyond n untouched");
        assertEquals(-1, counts[n]);
    }

    @Property(tries = 50)
    void sortsReversedAndSortedInput(@ForAll("keys") List<Long> input) {
        long[] sorted = input.stream().mapToLong(Long::longValue).sorted().toArray();
        long[] reversed = new long[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            reversed[i] = sorted[sorted.length - 1 - i];
        }
        for (long[] keys : new long[][] {sorted.clone(), reversed}) {
            long[] counts = keys.clone();
            LogSort.sort(keys, counts, keys.length);
            assertArrayEquals(sorted, keys);
            assertArrayEquals(sorted, counts, "each count still beside its key");
        }
    }
}
