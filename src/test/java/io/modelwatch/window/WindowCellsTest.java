package io.modelwatch.window;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.metrics.AggregateCells;
import io.modelwatch.metrics.Outcome;
import io.modelwatch.metrics.Outcomes;
import io.modelwatch.metrics.WindowAggregate;
import io.modelwatch.serde.BinaryWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.LongRange;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cells written through a real key-value store must sum to the same aggregate as the in-memory
 * {@link WindowAggregate}, window by window, through additions and retractions.
 */
class WindowCellsTest {

    static final double TOL = 1e-9;
    static final long HOUR = 3_600_000L;

    static final AggregationKey WHOLE = AggregationKey.wholeModel("fraud", "v1");
    static final AggregationKey SLICE = new AggregationKey("fraud", "v1", "cloud", "aws");
    /** Windows that share a model, or a start, or neither; adjacent in the store's key order. */
    static final byte[][] PREFIXES = {
            WindowCells.prefix(10 * HOUR, WHOLE),
            WindowCells.prefix(10 * HOUR, SLICE),
            WindowCells.prefix(11 * HOUR, WHOLE),
            WindowCells.prefix(10 * HOUR, AggregationKey.wholeModel("fraud", "v10")),
    };

    private KeyValueStore<Bytes, byte[]> store;

    /** One mock context for all stores (each store under its own name): it only provides metrics. */
    private static final MockProcessorContext<Object, Object> CONTEXT = new MockProcessorContext<>();
    private static final AtomicInteger STORES = new AtomicInteger();

    static KeyValueStore<Bytes, byte[]> newStore() {
        KeyValueStore<Bytes, byte[]> s = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore("cells-" + STORES.incrementAndGet()), Serdes.Bytes(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        s.init(CONTEXT.getStateStoreContext(), s);
        return s;
    }

    @BeforeEach
    void openStore() {
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    // ---- random outcomes: binary or multiclass, ties, unlabelled, unscored, unknown labels, -0.0 ----

    static final List<List<String>> MODELS = List.of(List.of("0", "1"), List.of("a", "b", "c"),
            List.of("cat", "chien", "日本"));

    @Provide
    static Arbitrary<List<Outcome>> outcomes() {
        return Arbitraries.of(MODELS).flatMap(classes -> outcome(classes).list().ofMaxSize(30));
    }

    static Arbitrary<Outcome> outcome(List<String> classes) {
        String[] names = classes.toArray(String[]::new);
        Arbitrary<String> label = Arbitraries.frequencyOf(Tuple.of(20, Arbitraries.of(classes)),
                Tuple.of(1, Arbitraries.just("zz"))).injectNull(0.3);
        Arbitrary<Double> score = Arbitraries.oneOf(Arbitraries.of(0.0, -0.0, 0.1, 0.5, 1.0),
                Arbitraries.doubles().between(0, 1));
        Arbitrary<double[]> row = score.array(double[].class).ofSize(names.length);
        Arbitrary<Integer> scored = Arbitraries.of(0, 1, 2, 2, 2); // 0: null row, 1: empty row, 2: scored
        Arbitrary<Long> delay = Arbitraries.longs().between(-7_200_000, 7_200_000);
        return Combinators.combine(Arbitraries.of(classes), label, row, scored, delay).as((p, y, s, kind, d) ->
                new Outcome(p, y, kind == 0 ? null : kind == 1 ? new String[0] : names,
                        kind == 0 ? null : kind == 1 ? new double[0] : s, y == null ? 0 : d));
    }

    /** Per outcome: which window it goes to, and whether it is retracted again later. */
    @Provide
    static Arbitrary<List<Integer>> windowChoice() {
        return Arbitraries.integers().between(0, PREFIXES.length - 1).list().ofMinSize(1).ofMaxSize(30);
    }

    @Provide
    static Arbitrary<List<Boolean>> retractMask() {
        return Arbitraries.of(true, false).list().ofMinSize(1).ofMaxSize(30);
    }

    @Property(tries = 300)
    void cellsInAStoreSumToTheInMemoryAggregate(@ForAll("outcomes") List<Outcome> all,
                                                @ForAll("windowChoice") List<Integer> windowOf,
                                                @ForAll("retractMask") List<Boolean> retract) {
        KeyValueStore<Bytes, byte[]> s = newStore();
        try {
            WindowCells cells = new WindowCells(s);
            WindowAggregate[] expected = new WindowAggregate[PREFIXES.length];
            List<List<Outcome>> kept = new ArrayList<>();
            for (int w = 0; w < PREFIXES.length; w++) {
                kept.add(new ArrayList<>());
            }
            // add everything, then retract the masked ones, in an interleaved order over windows
            for (int i = 0; i < all.size(); i++) {
                int w = windowOf.get(i % windowOf.size());
                Outcomes.decompose(all.get(i), 1, cells.at(PREFIXES[w]));
                if (expected[w] == null) {
                    expected[w] = new WindowAggregate();
                }
                expected[w].add(all.get(i), 1);
            }
            for (int i = all.size() - 1; i >= 0; i--) {
                int w = windowOf.get(i % windowOf.size());
                if (retract.get(i % retract.size())) {
                    Outcomes.decompose(all.get(i), -1, cells.at(PREFIXES[w]));
                    expected[w].add(all.get(i), -1);
                } else {
                    kept.get(w).add(all.get(i));
                }
            }
            for (int w = 0; w < PREFIXES.length; w++) {
                WindowAggregate stored = WindowCells.read(s, PREFIXES[w]);
                if (expected[w] == null) {
                    assertNull(stored, "a window nothing was written to has no cells");
                    continue;
                }
                assertNotNull(stored);
                WindowAggregate inMemory = expected[w];
                assertTrue(stored.sameAs(inMemory, TOL), () -> stored + " vs " + inMemory);
                WindowAggregate recomputed = WindowAggregate.of(kept.get(w));
                assertTrue(stored.sameAs(recomputed, TOL), () -> stored + " vs recomputed " + recomputed);
            }
        } finally {
            s.close();
        }
    }

    @Property(tries = 300)
    void fullyRetractedWindowKeepsOnlyItsHeaderCell(@ForAll("outcomes") List<Outcome> all) {
        if (all.isEmpty()) {
            return;
        }
        KeyValueStore<Bytes, byte[]> s = newStore();
        try {
            WindowCells cells = new WindowCells(s);
            byte[] prefix = PREFIXES[0];
            byte[] other = PREFIXES[1];
            Outcomes.decompose(all.get(0), 1, cells.at(other));
            all.forEach(o -> Outcomes.decompose(o, 1, cells.at(prefix)));
            all.forEach(o -> Outcomes.decompose(o, -1, cells.at(prefix)));

            List<byte[]> keys = keysUnder(s, prefix);
            assertEquals(1, keys.size(), "only the header cell is left");
            assertArrayEquals(concat(prefix, WindowCells.HEADER), keys.get(0));
            WindowCells.Header h = WindowCells.Header.decode(s.get(Bytes.wrap(keys.get(0))));
            assertEquals(0, h.predictions);
            assertEquals(0, h.labeled);
            assertEquals(0, h.logLossCount);
            assertEquals(0, h.brierCount);
            assertEquals(0, h.labelDelaySumMs);
            assertEquals(0.0, h.logLossSum, TOL);
            assertEquals(0.0, h.brierSum, TOL);
            assertEquals(new WindowAggregate(), WindowCells.read(s, prefix), "reads back as an empty aggregate");

            WindowAggregate otherExpected = WindowAggregate.of(List.of(all.get(0)));
            assertTrue(WindowCells.read(s, other).sameAs(otherExpected, TOL), "the other window is untouched");
        } finally {
            s.close();
        }
    }

    @Test
    void deleteWindowRemovesAllCellsOfThatWindowAndNoneOfAnother() {
        WindowCells cells = new WindowCells(store);
        Outcome scored = new Outcome("1", "0", new String[] {"0", "1"}, new double[] {0.4, 0.6}, 1000);
        Outcome multi = new Outcome("b", "c", new String[] {"a", "b", "c"}, new double[] {0.2, 0.5, 0.3}, -5);
        Outcome unlabeled = new Outcome("a", null, new String[0], new double[0], 0);
        for (byte[] prefix : PREFIXES) {
            Outcomes.decompose(scored, 1, cells.at(prefix));
            Outcomes.decompose(multi, 1, cells.at(prefix));
            Outcomes.decompose(unlabeled, 1, cells.at(prefix));
        }
        int perWindow = keysUnder(store, PREFIXES[0]).size();
        // header, 2 universes, 2 confusion cells, 2 + 3 score cells
        assertEquals(10, perWindow);
        long before = countAll(store);
        assertEquals(PREFIXES.length * (long) perWindow, before);

        assertEquals(perWindow, WindowCells.deleteWindow(store, PREFIXES[0]));
        assertEquals(0, keysUnder(store, PREFIXES[0]).size());
        assertNull(WindowCells.read(store, PREFIXES[0]));
        assertEquals(before - perWindow, countAll(store));
        WindowAggregate expected = WindowAggregate.of(List.of(scored, multi, unlabeled));
        for (int w = 1; w < PREFIXES.length; w++) {
            assertEquals(perWindow, keysUnder(store, PREFIXES[w]).size());
            assertTrue(WindowCells.read(store, PREFIXES[w]).sameAs(expected, TOL));
        }
        assertEquals(0, WindowCells.deleteWindow(store, PREFIXES[0]), "deleting again finds nothing");
    }

    @Test
    void aWindowWithoutCellsReadsAsNull() {
        assertNull(WindowCells.read(store, PREFIXES[2]));
    }

    @Test
    void readMatchesTheAggregateForAHandWrittenWindow() {
        WindowCells cells = new WindowCells(store);
        List<Outcome> outcomes = List.of(
                new Outcome("1", "1", new String[] {"0", "1"}, new double[] {0.1, 0.9}, 60_000),
                new Outcome("1", "0", new String[] {"0", "1"}, new double[] {0.3, 0.7}, -60_000),
                new Outcome("0", "0", new String[] {"0", "1"}, new double[] {0.8, 0.2}, 0),
                new Outcome("0", null, new String[] {"0", "1"}, new double[] {0.6, 0.4}, 0));
        outcomes.forEach(o -> Outcomes.decompose(o, 1, cells.at(PREFIXES[0])));
        WindowAggregate stored = WindowCells.read(store, PREFIXES[0]);
        WindowAggregate expected = WindowAggregate.of(outcomes);
        assertTrue(stored.sameAs(expected, TOL), () -> stored + " vs " + expected);
        assertEquals(4, stored.predictions());
        assertEquals(3, stored.labeled());
        assertEquals(0, stored.labelDelaySumMs());
        assertEquals(1, stored.confusionCount("0", "1"));
        assertEquals(List.of("0", "1"), stored.modelClasses());
        assertEquals(3, stored.brierCount());
    }

    /** The index scan that closes windows relies on prefixes sorting by window start. */
    @Property(tries = 1000)
    void prefixesSortByNonNegativeWindowStart(@ForAll @LongRange(min = 0, max = 8_000_000_000_000L) long a,
                                              @ForAll @LongRange(min = 0, max = 8_000_000_000_000L) long b) {
        if (a == b) {
            return;
        }
        byte[] pa = WindowCells.prefix(a, new AggregationKey("zzz", "zzz", "zzz", "zzz"));
        byte[] pb = WindowCells.prefix(b, AggregationKey.wholeModel("", ""));
        assertEquals(Long.signum(a - b), Integer.signum(Arrays.compareUnsigned(pa, pb)));
    }

    @Test
    void prefixIsWindowStartThenKey() {
        byte[] prefix = WindowCells.prefix(HOUR, SLICE);
        byte[] expected = new BinaryWriter(8).writeLong(HOUR).writeBytes(SLICE.encode()).toByteArray();
        assertArrayEquals(expected, prefix);
    }

    // ---- the header cell ----

    @Provide
    static Arbitrary<WindowCells.Header> header() {
        Arbitrary<Long> counts = Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.longs().between(-1000, 1000));
        Arbitrary<Double> sums = Arbitraries.oneOf(Arbitraries.doubles(), Arbitraries.of(0.0, -0.0, 1e-17, 36.04));
        return Combinators.combine(counts, counts, sums, counts, sums, counts, counts).as((p, l, ls, lc, bs, bc, d) -> {
            WindowCells.Header h = new WindowCells.Header();
            h.predictions = p;
            h.labeled = l;
            h.logLossSum = ls;
            h.logLossCount = lc;
            h.brierSum = bs;
            h.brierCount = bc;
            h.labelDelaySumMs = d;
            return h;
        });
    }

    @Property(tries = 1000)
    void headerRoundTrips(@ForAll("header") WindowCells.Header h) {
        byte[] bytes = h.encode();
        assertEquals(1, bytes[0], "format version 1");
        WindowCells.Header back = WindowCells.Header.decode(bytes);
        assertEquals(h.predictions, back.predictions);
        assertEquals(h.labeled, back.labeled);
        assertEquals(Double.doubleToRawLongBits(h.logLossSum), Double.doubleToRawLongBits(back.logLossSum));
        assertEquals(h.logLossCount, back.logLossCount);
        assertEquals(Double.doubleToRawLongBits(h.brierSum), Double.doubleToRawLongBits(back.brierSum));
        assertEquals(h.brierCount, back.brierCount);
        assertEquals(h.labelDelaySumMs, back.labelDelaySumMs);
    }

    @Test
    void headerWithAnUnknownVersionIsRejected() {
        byte[] bytes = new WindowCells.Header().encode();
        for (int version : new int[] {0, 2, 0xFF}) {
            bytes[0] = (byte) version;
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> WindowCells.Header.decode(bytes));
            assertTrue(e.getMessage().contains("version"), e.getMessage());
        }
    }

    @Test
    void unknownCellTypeIsRejected() {
        byte[] key = concat(PREFIXES[0], 9);
        byte[] value = new BinaryWriter(1).writeSignedVarLong(1).toByteArray();
        AggregateCells sink = new WindowAggregate();
        assertThrows(IllegalStateException.class, () -> WindowCells.applyCell(sink, key, PREFIXES[0].length, value));
    }

    // ---- helpers ----

    static byte[] concat(byte[] prefix, int type) {
        return new BinaryWriter(prefix.length + 1).writeBytes(prefix).writeByte(type).toByteArray();
    }

    static List<byte[]> keysUnder(KeyValueStore<Bytes, byte[]> s, byte[] prefix) {
        List<byte[]> keys = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = s.prefixScan(Bytes.wrap(prefix), Serdes.Bytes().serializer())) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                keys.add(kv.key.get());
            }
        }
        return keys;
    }

    static long countAll(KeyValueStore<Bytes, byte[]> s) {
        long n = 0;
        try (KeyValueIterator<Bytes, byte[]> it = s.all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }
}
