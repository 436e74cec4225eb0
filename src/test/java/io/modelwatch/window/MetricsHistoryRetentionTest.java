package io.modelwatch.window;

import static io.modelwatch.TopologyFixture.HOUR;
import static io.modelwatch.TopologyFixture.T0;
import static io.modelwatch.TopologyFixture.finals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.TopologyFixture;
import io.modelwatch.TopologySettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.LongStream;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * {@code history-windows}: the {@code metrics-history} store keeps exactly that many closed windows of each key
 * (the latest closable one and those before it, with their rolling records) besides the open ones, through the
 * real topology in a TopologyTestDriver.
 */
class MetricsHistoryRetentionTest {

    private static final long MIN = 60_000;

    /** One prediction (labelled) in each of the windows 0 to {@code windows - 1}, one-hour windows from T0. */
    private static void onePairPerWindow(TopologyFixture t, int windows) {
        for (int i = 0; i < windows; i++) {
            t.prediction("p" + i, T0 + i * HOUR + MIN, "1", 0.9);
            t.label("p" + i, T0 + i * HOUR + 2 * MIN, i % 2 == 0 ? "1" : "0");
        }
    }

    private static List<MetricsHistory.Entry> history(TopologyFixture t) {
        KeyValueStore<Bytes, String> store = t.driver.getKeyValueStore(WindowAggregation.HISTORY_STORE);
        assertLatestPointsWhereAScanFinds(t);
        return MetricsHistory.ofModel(store, "m");
    }

    /** {@code metrics-latest} holds exactly the series in the history, each pointing where a whole scan finds. */
    private static void assertLatestPointsWhereAScanFinds(TopologyFixture t) {
        KeyValueStore<Bytes, String> store = t.driver.getKeyValueStore(WindowAggregation.HISTORY_STORE);
        KeyValueStore<Bytes, byte[]> latest = t.driver.getKeyValueStore(WindowAggregation.LATEST_STORE);
        Map<AggregationKey, MetricsLatest.Pointers> held = new HashMap<>();
        try (var it = latest.all()) {
            it.forEachRemaining(kv -> held.put(AggregationKey.decode(kv.key.get()),
                    MetricsLatest.Pointers.decode(kv.value)));
        }
        assertEquals(MetricsLatestTest.scan(store), held);
    }

    /** Window indexes (from T0) of the history's entries of the given rolling span. */
    private static TreeSet<Long> windowsHeld(TopologyFixture t, int rolling) {
        TreeSet<Long> out = new TreeSet<>();
        for (MetricsHistory.Entry e : history(t)) {
            if (e.rolling() == rolling) {
                out.add((e.windowStart() - T0) / HOUR);
            }
        }
        return out;
    }

    /** A run of window indexes, as "first to last, n windows" (a gap shows as a count that does not fit). */
    private static String span(TreeSet<Long> windows) {
        return windows.isEmpty() ? "none" : windows.first() + " to " + windows.last() + ", " + windows.size()
                + " windows";
    }

    private static String span(long fromInclusive, long toInclusive) {
        return span(range(fromInclusive, toInclusive));
    }

    private static TreeSet<Long> range(long fromInclusive, long toInclusive) {
        TreeSet<Long> out = new TreeSet<>();
        LongStream.rangeClosed(fromInclusive, toInclusive).forEach(out::add);
        return out;
    }

    @Test
    void threeHistoryWindowsKeepTheLastThreeClosedWindowsAndTheOpenOnes() {
        TopologySettings settings = TopologySettings.builder().window(Duration.ofHours(1), Duration.ofHours(1))
                .rolling(2).historyWindows(3).build();
        try (TopologyFixture t = new TopologyFixture(settings)) {
            // window i closes at T0 + (i + 2) h: the last label, at T0 + 9 h 2 min, closes windows 0 to 7
            onePairPerWindow(t, 10);
            assertEquals(range(0, 7), windowsOf(finals(t.metrics())), "windows 0 to 7 closed");
            t.driver.advanceWallClockTime(Duration.ofSeconds(11)); // an update of the open windows 8 and 9
            assertEquals(range(5, 9), windowsHeld(t, 1), "the last 3 closed windows (5, 6, 7) and the open 8 and 9");
            assertEquals(range(5, 9), windowsHeld(t, 2), "a window's rolling record goes with it");
            for (MetricsHistory.Entry e : history(t)) {
                long window = (e.windowStart() - T0) / HOUR;
                assertEquals(window <= 7, MetricsHistory.isFinal(e.json()), "window " + window + ": " + e.json());
            }

            // window 8 closes, right at its close time: window 5 goes, three closed windows again (6, 7, 8)
            t.advanceEventTime(T0 + 10 * HOUR);
            assertEquals(range(8, 8), windowsOf(finals(t.metrics())));
            assertEquals(range(6, 9), windowsHeld(t, 1));
            assertEquals(range(6, 9), windowsHeld(t, 2));

            // half a window on: nothing more closed, nothing more dropped
            t.advanceEventTime(T0 + 10 * HOUR + 30 * MIN);
            assertEquals(range(6, 9), windowsHeld(t, 1));
        }
    }

    @Test
    void oneHistoryWindowStillHoldsTheLatestFinal() {
        TopologySettings settings = TopologySettings.builder().window(Duration.ofHours(1), Duration.ofHours(1))
                .historyWindows(1).build();
        try (TopologyFixture t = new TopologyFixture(settings)) {
            onePairPerWindow(t, 4);
            t.advanceEventTime(T0 + 5 * HOUR + 20 * MIN); // windows 0 to 3 closed
            assertEquals(range(0, 3), windowsOf(finals(t.metrics())));
            assertEquals(range(3, 3), windowsHeld(t, 1));
            assertTrue(MetricsHistory.isFinal(history(t).get(0).json()), "what /api/models gives as latest_final");
        }
    }

    @Test
    void byDefaultTheHistoryKeeps168ClosedWindows() {
        TopologySettings settings = TopologySettings.builder().window(Duration.ofHours(1), Duration.ZERO).build();
        assertEquals(168, settings.historyWindows());
        try (TopologyFixture t = new TopologyFixture(settings)) {
            // with no label delay window i closes at T0 + (i + 1) h: the last label (T0 + 174 h 2 min) closes
            // windows 0 to 173, then T0 + 175 h, right at its close time, window 174
            onePairPerWindow(t, 175);
            assertEquals(span(0, 173), span(windowsOf(finals(t.metrics()))));
            t.driver.advanceWallClockTime(Duration.ofSeconds(11)); // an update of the open window 174
            assertEquals(span(6, 174), span(windowsHeld(t, 1)), "168 closed windows (6 to 173) and the open 174");
            t.advanceEventTime(T0 + 175 * HOUR);
            assertEquals(span(174, 174), span(windowsOf(finals(t.metrics()))));
            assertEquals(span(7, 174), span(windowsHeld(t, 1)), "168 closed windows: 7 to 174");
        }
    }

    @Test
    void aVersionThatStoppedLeavesTheLatestPointersWithItsLastWindow() {
        TopologySettings settings = TopologySettings.builder().window(Duration.ofHours(1), Duration.ofHours(1))
                .historyWindows(2).build();
        try (TopologyFixture t = new TopologyFixture(settings)) {
            // v2 predicts in window 0 only; v1 in windows 0 to 7 (closing windows 0 to 5)
            t.predictionJson("{\"prediction_id\":\"old\",\"model_id\":\"m\",\"model_version\":\"v2\","
                    + "\"timestamp\":" + (T0 + MIN) + ",\"predicted\":\"1\",\"scores\":{\"0\":0.2,\"1\":0.8}}", T0 + MIN);
            onePairPerWindow(t, 3);
            KeyValueStore<Bytes, byte[]> latest = t.driver.getKeyValueStore(WindowAggregation.LATEST_STORE);
            AggregationKey v2 = AggregationKey.wholeModel("m", "v2");
            assertEquals(new MetricsLatest.Pointers(T0, T0), MetricsLatest.Pointers.decode(
                    latest.get(MetricsLatest.key(v2))), "v2's window 0, closed");
            history(t);
            for (int i = 3; i < 8; i++) {
                t.prediction("p" + i, T0 + i * HOUR + MIN, "1", 0.9);
                t.label("p" + i, T0 + i * HOUR + 2 * MIN, "1");
            }
            t.driver.advanceWallClockTime(Duration.ofSeconds(11)); // an update of the open windows 6 and 7
            history(t);
            assertEquals(null, latest.get(MetricsLatest.key(v2)), "v2's only window left the history");
            assertEquals(new MetricsLatest.Pointers(T0 + 7 * HOUR, T0 + 5 * HOUR), MetricsLatest.Pointers.decode(
                    latest.get(MetricsLatest.key(AggregationKey.wholeModel("m", "v1")))));
        }
    }

    /** Window indexes (from T0) of the single-window records among {@code records}. */
    private static TreeSet<Long> windowsOf(List<JsonNode> records) {
        TreeSet<Long> out = new TreeSet<>();
        records.stream().filter(r -> r.path("rolling").asInt(1) == 1)
                .forEach(r -> out.add((r.get("window_start").asLong() - T0) / HOUR));
        return out;
    }
}
