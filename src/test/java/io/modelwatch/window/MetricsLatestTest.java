package io.modelwatch.window;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.metrics.WindowAggregate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * {@code metrics-latest}: its pointers are what a scan of the whole history finds (newest window, newest final
 * one), whether kept write by write or rebuilt from a history written without them; its expiry follows the
 * history's; and the history's range read returns exactly one series' windows between two bounds.
 */
class MetricsLatestTest {

    private static final long HOUR = 3_600_000L;
    private static final AggregationKey V1 = AggregationKey.wholeModel("m", "v1");
    private static final AggregationKey V2 = AggregationKey.wholeModel("m", "v2");
    private static final AggregationKey SLICE = new AggregationKey("m", "v1", "cloud", "aws");
    private static final AggregationKey OTHER = AggregationKey.wholeModel("m2", "v1");

    private static <V> KeyValueStore<Bytes, V> store(String name, org.apache.kafka.common.serialization.Serde<V> values) {
        KeyValueStore<Bytes, V> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.Bytes(),
                values).withLoggingDisabled().build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
        return store;
    }

    private static KeyValueStore<Bytes, byte[]> latestStore() {
        return store("metrics-latest", Serdes.ByteArray());
    }

    private static KeyValueStore<Bytes, String> historyStore() {
        return store("metrics-history", Serdes.String());
    }

    private static String record(AggregationKey key, long start, int rolling, boolean isFinal) {
        return MetricsRecords.value(key, start, start + HOUR, rolling, isFinal, new WindowAggregate());
    }

    private static MetricsLatest.Pointers pointers(KeyValueStore<Bytes, byte[]> latest, AggregationKey key) {
        byte[] v = latest.get(MetricsLatest.key(key));
        return v == null ? null : MetricsLatest.Pointers.decode(v);
    }

    @Test
    void pointersRoundTripAndAnUnknownFormatIsRefused() {
        for (MetricsLatest.Pointers p : List.of(new MetricsLatest.Pointers(0, MetricsLatest.NONE),
                new MetricsLatest.Pointers(7 * HOUR, 6 * HOUR), new MetricsLatest.Pointers(Long.MAX_VALUE, 0))) {
            byte[] encoded = p.encode();
            assertEquals(17, encoded.length);
            assertEquals(p, MetricsLatest.Pointers.decode(encoded));
        }
        byte[] newer = new MetricsLatest.Pointers(0, 0).encode();
        newer[0] = 2;
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> MetricsLatest.Pointers.decode(newer));
        assertTrue(e.getMessage().contains("unknown format 2"), e.getMessage());
    }

    /** A single-window record written for a window, final or not, as the window processor writes them. */
    record Write(int series, long window, boolean isFinal) {
    }

    /**
     * Series whose encodings sort next to each other or share prefixes (one model's versions and slices, a model
     * whose name extends another's, a non-ASCII name); the last one gets rolling records only (no pointers), and
     * sorts amid the others (after model m's other versions, before the longer model names).
     */
    private static final List<AggregationKey> SERIES = List.of(V1, V2, SLICE, OTHER,
            AggregationKey.wholeModel("m-2", "v1"), new AggregationKey("m", "v1", "cloud", "aws-east"),
            AggregationKey.wholeModel("modèle", "v1"), AggregationKey.wholeModel("m", "rolling-only"));

    @Provide
    Arbitrary<List<Write>> writes() {
        return Combinators.combine(Arbitraries.integers().between(0, SERIES.size() - 1),
                Arbitraries.longs().between(0, 40), Arbitraries.of(true, false)).as(Write::new).list().ofMaxSize(80);
    }

    /**
     * Kept write by write or rebuilt from the history (by its seek per series, on the in-memory store replay uses
     * and on RocksDB as the service has it): per series the newest window written and the newest window written
     * final, as a scan of the whole history finds them.
     */
    @Property(tries = 300)
    void pointersAreWhatAScanOfTheHistoryFinds(@ForAll("writes") List<Write> writes, @ForAll boolean onRocksDb)
            throws IOException {
        Path dir = Files.createTempDirectory("metrics-latest-test");
        KeyValueStore<Bytes, String> history = onRocksDb ? rocksDbHistory(dir) : historyStore();
        try {
            KeyValueStore<Bytes, byte[]> latest = latestStore();
            Set<String> closed = new HashSet<>();
            for (Write w : writes) {
                AggregationKey key = SERIES.get(w.series());
                long start = w.window() * HOUR;
                String window = w.series() + "/" + w.window();
                if (closed.contains(window) && !w.isFinal()) {
                    continue; // nothing but a final record is written of a closed window
                }
                if (w.isFinal()) {
                    closed.add(window);
                }
                history.put(MetricsHistory.key(key, start, 3), record(key, start, 3, w.isFinal()));
                if (w.series() < SERIES.size() - 1) {
                    history.put(MetricsHistory.key(key, start, 1), record(key, start, 1, w.isFinal()));
                    MetricsLatest.written(latest, MetricsLatest.key(key), start, w.isFinal());
                }
            }
            Map<AggregationKey, MetricsLatest.Pointers> scanned = scan(history);
            for (AggregationKey key : SERIES) {
                assertEquals(scanned.get(key), pointers(latest, key), key.toString());
            }
            KeyValueStore<Bytes, byte[]> rebuilt = latestStore();
            assertEquals(scanned.size(), MetricsLatest.reconcile(rebuilt, history), "series rebuilt");
            for (AggregationKey key : SERIES) {
                assertEquals(scanned.get(key), pointers(rebuilt, key), "rebuilt: " + key);
            }
            assertEquals(0, MetricsLatest.reconcile(latest, history), "kept write by write: nothing to correct");
        } finally {
            history.close();
            Utils.delete(dir.toFile());
        }
    }

    private static KeyValueStore<Bytes, String> rocksDbHistory(Path dir) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "metrics-latest-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        MockProcessorContext<?, ?> context = new MockProcessorContext<>(props, new TaskId(1, 0), dir.toFile());
        KeyValueStore<Bytes, String> store = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore("metrics-history"), Serdes.Bytes(), Serdes.String())
                .withLoggingDisabled().withCachingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        return store;
    }

    /** The reference: the whole history read record by record. */
    static Map<AggregationKey, MetricsLatest.Pointers> scan(KeyValueStore<Bytes, String> history) {
        Map<AggregationKey, long[]> found = new HashMap<>();
        try (var it = history.all()) {
            while (it.hasNext()) {
                MetricsHistory.Entry e = MetricsHistory.decode(it.next());
                if (e.rolling() != 1) {
                    continue;
                }
                long[] p = found.computeIfAbsent(e.key(), k -> new long[] {Long.MIN_VALUE, MetricsLatest.NONE});
                p[0] = Math.max(p[0], e.windowStart());
                if (MetricsHistory.isFinal(e.json())) {
                    p[1] = Math.max(p[1], e.windowStart());
                }
            }
        }
        Map<AggregationKey, MetricsLatest.Pointers> out = new HashMap<>();
        found.forEach((k, p) -> out.put(k, new MetricsLatest.Pointers(p[0], p[1])));
        return out;
    }

    /**
     * A store a build without it left behind (an upgrade, a rollback, then the upgrade again): a series that build
     * added is missing, one it expired still held, one it moved on stale. The start corrects all three.
     */
    @Test
    void aStaleStoreIsCorrectedFromTheHistory() {
        KeyValueStore<Bytes, byte[]> latest = latestStore();
        KeyValueStore<Bytes, String> history = historyStore();
        MetricsLatest.written(latest, MetricsLatest.key(V1), HOUR, true);   // the history moved on to window 5
        MetricsLatest.written(latest, MetricsLatest.key(V2), HOUR, false);  // its windows expired since
        MetricsLatest.written(latest, MetricsLatest.key(OTHER), 4 * HOUR, false); // up to date
        for (long w = 3; w < 6; w++) {
            history.put(MetricsHistory.key(V1, w * HOUR, 1), record(V1, w * HOUR, 1, w < 5));
            history.put(MetricsHistory.key(SLICE, w * HOUR, 1), record(SLICE, w * HOUR, 1, false)); // new series
        }
        history.put(MetricsHistory.key(OTHER, 4 * HOUR, 1), record(OTHER, 4 * HOUR, 1, false));
        assertEquals(3, MetricsLatest.reconcile(latest, history));
        assertEquals(new MetricsLatest.Pointers(5 * HOUR, 4 * HOUR), pointers(latest, V1));
        assertNull(pointers(latest, V2));
        assertEquals(new MetricsLatest.Pointers(5 * HOUR, MetricsLatest.NONE), pointers(latest, SLICE));
        assertEquals(new MetricsLatest.Pointers(4 * HOUR, MetricsLatest.NONE), pointers(latest, OTHER));
        assertEquals(0, MetricsLatest.reconcile(latest, history), "nothing left to correct");
    }

    @Test
    void expiryDropsSeriesWhoseWindowsAreGoneAndFinalPointersToGoneWindows() {
        KeyValueStore<Bytes, byte[]> latest = latestStore();
        MetricsLatest.written(latest, MetricsLatest.key(V1), 2 * HOUR, true);   // stopped: every window gone
        MetricsLatest.written(latest, MetricsLatest.key(V2), 3 * HOUR, true);
        MetricsLatest.written(latest, MetricsLatest.key(V2), 9 * HOUR, false);  // its last final goes
        MetricsLatest.written(latest, MetricsLatest.key(SLICE), 6 * HOUR, true); // kept whole: its final is the cut
        MetricsLatest.written(latest, MetricsLatest.key(SLICE), 8 * HOUR, false);
        MetricsLatest.expire(latest, 6 * HOUR);
        assertNull(pointers(latest, V1));
        assertEquals(new MetricsLatest.Pointers(9 * HOUR, MetricsLatest.NONE), pointers(latest, V2));
        assertEquals(new MetricsLatest.Pointers(8 * HOUR, 6 * HOUR), pointers(latest, SLICE));
    }

    @Test
    void theHistorysExpiryDeletesEverySeriesWindowsBeforeTheCutAndNothingElse() {
        KeyValueStore<Bytes, byte[]> latest = latestStore();
        KeyValueStore<Bytes, String> history = historyStore();
        for (AggregationKey k : List.of(V1, V2, SLICE, OTHER)) {
            for (long w = 0; w < 6; w++) {
                history.put(MetricsHistory.key(k, w * HOUR, 1), record(k, w * HOUR, 1, true));
                history.put(MetricsHistory.key(k, w * HOUR, 300), record(k, w * HOUR, 300, true));
                MetricsLatest.written(latest, MetricsLatest.key(k), w * HOUR, true);
            }
        }
        MetricsHistory.expire(history, latest, -HOUR);
        MetricsHistory.expire(history, latest, 0);
        assertEquals(12, MetricsHistory.ofSeries(history, V1, 0, Long.MAX_VALUE).size(), "nothing before 0");
        MetricsHistory.expire(history, latest, 3 * HOUR);
        for (AggregationKey k : List.of(V1, V2, SLICE, OTHER)) {
            List<String> left = new ArrayList<>();
            MetricsHistory.ofSeries(history, k, 0, Long.MAX_VALUE)
                    .forEach(e -> left.add(e.windowStart() / HOUR + "/" + e.rolling()));
            assertEquals(List.of("3/1", "3/300", "4/1", "4/300", "5/1", "5/300"), left, k.toString());
        }
    }

    @Test
    void readGivesEachSeriesNewestRecordAndItsNewestFinalOnce() {
        KeyValueStore<Bytes, byte[]> latest = latestStore();
        KeyValueStore<Bytes, String> history = historyStore();
        for (long w = 0; w < 4; w++) {
            boolean closed = w < 2;
            history.put(MetricsHistory.key(V1, w * HOUR, 1), record(V1, w * HOUR, 1, closed));
            history.put(MetricsHistory.key(V1, w * HOUR, 2), record(V1, w * HOUR, 2, closed));
            MetricsLatest.written(latest, MetricsLatest.key(V1), w * HOUR, closed);
        }
        history.put(MetricsHistory.key(V2, 0, 1), record(V2, 0, 1, true)); // newest is final: one record
        MetricsLatest.written(latest, MetricsLatest.key(V2), 0, true);
        MetricsLatest.written(latest, MetricsLatest.key(SLICE), HOUR, false); // its record went meanwhile

        Map<String, MetricsLatest.Newest> byVersion = new HashMap<>();
        for (MetricsLatest.Newest n : MetricsLatest.read(latest, history, true)) {
            byVersion.put(n.latest().contains("\"model_version\":\"v2\"") ? "v2" : "v1", n);
        }
        assertEquals(2, byVersion.size(), byVersion.toString());
        assertEquals(record(V1, 3 * HOUR, 1, false), byVersion.get("v1").latest());
        assertEquals(record(V1, HOUR, 1, true), byVersion.get("v1").latestFinal());
        assertEquals(record(V2, 0, 1, true), byVersion.get("v2").latest());
        assertNull(byVersion.get("v2").latestFinal(), "the newest record is the final one");
        for (MetricsLatest.Newest n : MetricsLatest.read(latest, history, false)) {
            assertNull(n.latestFinal(), "not asked for");
        }
    }

    @Test
    void seriesOfAModelAreItsVersionsAndSlicesOnly() {
        KeyValueStore<Bytes, byte[]> latest = latestStore();
        for (AggregationKey k : List.of(V1, V2, SLICE, OTHER, AggregationKey.wholeModel("m-2", "v1"))) {
            MetricsLatest.written(latest, MetricsLatest.key(k), 0, false);
        }
        assertEquals(Set.of(V1, V2, SLICE), new HashSet<>(MetricsLatest.seriesOf(latest, "m")));
        assertEquals(List.of(), MetricsLatest.seriesOf(latest, "n"));
    }

    @Test
    void aSeriesRangeReadsItsWindowsBetweenTheBoundsOnly() {
        KeyValueStore<Bytes, String> history = historyStore();
        for (AggregationKey k : List.of(V1, V2, SLICE, OTHER)) {
            for (long w = 0; w < 6; w++) {
                history.put(MetricsHistory.key(k, w * HOUR, 1), record(k, w * HOUR, 1, false));
                history.put(MetricsHistory.key(k, w * HOUR, 300), record(k, w * HOUR, 300, false));
            }
        }
        List<String> got = new ArrayList<>();
        for (MetricsHistory.Entry e : MetricsHistory.ofSeries(history, V1, 2 * HOUR, 4 * HOUR)) {
            assertEquals(V1, e.key());
            got.add(e.windowStart() / HOUR + "/" + e.rolling());
        }
        assertEquals(List.of("2/1", "2/300", "3/1", "3/300"), got, "from inclusive, to exclusive, window order");
        assertEquals(12, MetricsHistory.ofSeries(history, SLICE, -5, Long.MAX_VALUE).size(), "every window");
        assertEquals(2, MetricsHistory.ofSeries(history, V2, 5 * HOUR - 1, 5 * HOUR + 1).size());
        assertEquals(List.of(), MetricsHistory.ofSeries(history, V2, 4 * HOUR, 4 * HOUR));
        assertEquals(List.of(), MetricsHistory.ofSeries(history, V2, 3 * HOUR, HOUR));
        assertEquals(List.of(), MetricsHistory.ofSeries(history, AggregationKey.wholeModel("m", "v3"), 0,
                Long.MAX_VALUE));
    }
}
