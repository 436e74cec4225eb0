package io.modelwatch.join;

import static io.modelwatch.TopologyFixture.HOUR;
import static io.modelwatch.TopologyFixture.T0;
import static io.modelwatch.TopologyFixture.finals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.TopologyFixture;
import io.modelwatch.window.MetricsHistory;
import io.modelwatch.window.WindowAggregation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every join rule of the contract, through the real topology in a TopologyTestDriver. */
class DelayedJoinTopologyTest {

    private static final long MIN = 60_000;
    private final TopologyFixture t = TopologyFixture.hourly(Duration.ofHours(2));

    @AfterEach
    void close() {
        t.close();
    }

    /** Closes every window up to the given time and returns the single-window final records. */
    private List<JsonNode> closeAll() {
        t.advanceEventTime(T0 + 10 * HOUR);
        return finals(t.metrics());
    }

    private static JsonNode window(List<JsonNode> records, long start) {
        return records.stream().filter(r -> r.get("window_start").asLong() == start).findFirst().orElseThrow();
    }

    private static String matrix(JsonNode r) {
        return r.get("confusion_matrix").toString();
    }

    @Test
    void labelAfterPredictionPairs() {
        t.prediction("a", T0 + MIN, "1", 0.9);
        t.prediction("b", T0 + 2 * MIN, "0", 0.2);
        t.label("a", T0 + 30 * MIN, "1");
        JsonNode w = window(closeAll(), T0);
        assertEquals(2, w.get("predictions").asInt());
        assertEquals(1, w.get("labeled").asInt());
        assertEquals("{\"labels\":[\"1\"],\"matrix\":[[1]]}", matrix(w));
    }

    @Test
    void labelBeforePredictionPairs() {
        t.label("a", T0 + MIN, "0");
        t.prediction("a", T0 + 5 * MIN, "1", 0.7);
        JsonNode w = window(closeAll(), T0);
        assertEquals(1, w.get("labeled").asInt());
        assertEquals("{\"labels\":[\"0\",\"1\"],\"matrix\":[[0,1],[0,0]]}", matrix(w));
    }

    @Test
    void duplicatePredictionsKeepTheEarliest() {
        t.prediction("a", T0 + 10 * MIN, "1", 0.9);
        t.prediction("a", T0 + 20 * MIN, "0", 0.1); // later copy: ignored
        t.label("a", T0 + 30 * MIN, "1");
        JsonNode w = window(closeAll(), T0);
        assertEquals(1, w.get("predictions").asInt());
        assertEquals("{\"labels\":[\"1\"],\"matrix\":[[1]]}", matrix(w));
    }

    /**
     * Copies stamped alike and labels stamped alike: their content decides, not their arrival, which differs
     * between input partitions from run to run (and in a replay after a crash).
     */
    @Test
    void copiesAndCorrectionsStampedAlikeCountTheSameInEitherArrivalOrder() {
        List<String> matrices = new ArrayList<>();
        for (boolean flipped : new boolean[] {false, true}) {
            try (TopologyFixture f = TopologyFixture.hourly(Duration.ofHours(2))) {
                String[] predicted = flipped ? new String[] {"1", "0"} : new String[] {"0", "1"};
                String[] labels = flipped ? new String[] {"1", "0"} : new String[] {"0", "1"};
                f.prediction("a", T0 + 10 * MIN, predicted[0], 0.4);
                f.prediction("a", T0 + 10 * MIN, predicted[1], 0.6);
                f.label("a", T0 + 20 * MIN, labels[0]);
                f.label("a", T0 + 20 * MIN, labels[1]);
                f.advanceEventTime(T0 + 10 * HOUR);
                JsonNode w = window(finals(f.metrics()), T0);
                assertEquals(1, w.get("predictions").asInt());
                matrices.add(matrix(w));
            }
        }
        // the copy predicting "0" orders first; of the labels, "1" is the greatest
        assertEquals(List.of("{\"labels\":[\"0\",\"1\"],\"matrix\":[[0,0],[1,0]]}",
                "{\"labels\":[\"0\",\"1\"],\"matrix\":[[0,0],[1,0]]}"), matrices);
    }

    @Test
    void anEarlierCopyArrivingLaterReplacesTheCountedOneEvenAcrossWindows() {
        t.prediction("a", T0 + HOUR + 5 * MIN, "1", 0.9); // window 1
        t.prediction("a", T0 + 50 * MIN, "0", 0.3);       // earlier copy, window 0: it wins
        t.label("a", T0 + HOUR + 10 * MIN, "0");
        List<JsonNode> finals = closeAll();
        assertEquals(1, finals.size(), "window 1 lost its only prediction, so it has no record");
        JsonNode w = window(finals, T0);
        assertEquals(1, w.get("predictions").asInt());
        assertEquals("{\"labels\":[\"0\"],\"matrix\":[[1]]}", matrix(w));
    }

    @Test
    void aWindowEmptiedAfterItsUpdateWentOutSaysSoAndGetsItsFinal() {
        t.prediction("a", T0 + HOUR + 5 * MIN, "1", 0.9); // window 1
        t.driver.advanceWallClockTime(Duration.ofSeconds(11));
        List<JsonNode> update = t.metrics();
        assertEquals(1, update.size(), "an update of window 1");
        assertEquals(1, update.get(0).get("predictions").asInt());

        t.prediction("a", T0 + 50 * MIN, "0", 0.3);       // earlier copy, window 0: it wins
        t.driver.advanceWallClockTime(Duration.ofSeconds(11));
        List<JsonNode> all = new ArrayList<>(t.metrics());
        JsonNode emptied = window(all, T0 + HOUR);
        assertEquals(0, emptied.get("predictions").asInt(), "the update says window 1 is empty now: " + emptied);
        assertFalse(emptied.get("final").asBoolean());

        all.addAll(closeAll());
        List<JsonNode> ofWindow1 = all.stream().filter(r -> r.get("window_start").asLong() == T0 + HOUR).toList();
        JsonNode last = ofWindow1.get(ofWindow1.size() - 1);
        assertTrue(last.get("final").asBoolean(), "window 1 gets its final: " + last);
        assertEquals(0, last.get("predictions").asInt());
        assertEquals(0, last.get("labeled").asInt());
        assertTrue(last.get("metrics").get("label_coverage").isNull(), "no figure for an empty window: " + last);
        assertEquals(1, window(finals(all), T0).get("predictions").asInt());

        KeyValueStore<Bytes, String> history = t.driver.getKeyValueStore(WindowAggregation.HISTORY_STORE);
        List<MetricsHistory.Entry> ofWindow1InHistory = MetricsHistory.ofModel(history, "m").stream()
                .filter(e -> e.windowStart() == T0 + HOUR).toList();
        assertEquals(1, ofWindow1InHistory.size());
        assertEquals(last.toString(), ofWindow1InHistory.get(0).json(), "the history serves the final, not the update");
    }

    @Test
    void aWindowEmptiedBeforeAnythingWentOutStaysSilent() {
        t.prediction("a", T0 + HOUR + 5 * MIN, "1", 0.9); // window 1, no update yet (the wall clock stands)
        t.prediction("a", T0 + 50 * MIN, "0", 0.3);
        List<JsonNode> all = closeAll();
        assertEquals(List.of(T0), all.stream().map(r -> r.get("window_start").asLong()).toList());
        KeyValueStore<Bytes, String> history = t.driver.getKeyValueStore(WindowAggregation.HISTORY_STORE);
        assertEquals(List.of(T0), MetricsHistory.ofModel(history, "m").stream()
                .map(MetricsHistory.Entry::windowStart).toList());
    }

    /** A label of a prediction whose entry expired (the watermark passed its window's close): the id is forgotten. */
    @Test
    void aLabelOfAPredictionWhoseEntryExpiredFindsTheIdForgotten() {
        LateLabel late = labelAfterItsWindowClosed(t);
        JsonNode w0 = late.window0();
        assertEquals(0, late.lateLabels(), "a label of a forgotten id waits for a prediction");
        assertTrue(late.expiredEntries() >= 1, "a's entry (and what the scan reached) expired");
        assertEquals(2, w0.get("predictions").asInt());
        assertEquals(0, w0.get("labeled").asInt());
    }

    /** Window 0's final, and the join's counts right after a's label. */
    private record LateLabel(JsonNode window0, long lateLabels, long expiredEntries) {
    }

    /** Predictions a and b in window 0, then (once stream time passed its close) a prediction c and a's label. */
    private static LateLabel labelAfterItsWindowClosed(TopologyFixture f) {
        f.prediction("a", T0 + MIN, "1", 0.9);            // window [T0, T0+1h), closes at T0+3h
        f.prediction("b", T0 + 2 * MIN, "1", 0.9);
        f.advanceEventTime(T0 + 3 * HOUR + 30_000);       // keyed: the watermark is held within the spacing
        f.prediction("c", T0 + 10 * MIN, "1", 0.9);
        assertEquals(1, f.counters.join().latePredictions());
        f.label("a", T0 + 30 * MIN, "1");                 // within its own delay bound (open windows)
        long lateLabels = f.counters.join().lateLabels();
        long expired = f.counters.join().expiredEntries();
        f.driver.advanceWallClockTime(Duration.ofSeconds(2)); // the held watermark goes out
        f.advanceEventTime(T0 + 10 * HOUR);
        f.driver.advanceWallClockTime(Duration.ofSeconds(2));
        f.advanceEventTime(T0 + 11 * HOUR);
        return new LateLabel(window(finals(f.metrics()), T0), lateLabels, expired);
    }

    @Test
    void aLaterLabelIsACorrection() {
        t.prediction("a", T0 + MIN, "1", 0.9);
        t.label("a", T0 + 10 * MIN, "0");
        t.label("a", T0 + 20 * MIN, "1");
        t.label("a", T0 + 15 * MIN, "0"); // older than the correction: does not win
        JsonNode w = window(closeAll(), T0);
        assertEquals(1, w.get("labeled").asInt());
        assertEquals("{\"labels\":[\"1\"],\"matrix\":[[1]]}", matrix(w));
    }

    @Test
    void labelsBeyondTheMaximumDelayNeverCount() {
        t.prediction("a", T0 + MIN, "1", 0.9);
        t.prediction("b", T0 + 2 * MIN, "1", 0.9);
        t.label("b", T0 + 2 * MIN + 30 * MIN, "1");
        t.label("a", T0 + MIN + 2 * HOUR + 1, "0");     // one ms too late: no pair
        t.label("b", T0 + 2 * MIN + 2 * HOUR + 1, "0"); // too late to be a correction
        JsonNode w = window(closeAll(), T0);
        assertEquals(1, w.get("labeled").asInt());
        assertEquals("{\"labels\":[\"1\"],\"matrix\":[[1]]}", matrix(w));
    }

    @Test
    void aLabelExactlyAtTheBoundCounts() {
        t.prediction("a", T0 + MIN, "1", 0.9);
        t.label("a", T0 + MIN + 2 * HOUR, "1");
        assertEquals(1, window(closeAll(), T0).get("labeled").asInt());
    }

    @Test
    void aLabelFarBeforeItsPredictionDoesNotPair() {
        t.label("a", T0 + MIN, "1");
        t.prediction("a", T0 + MIN + 2 * HOUR + 1, "1", 0.9);
        JsonNode w = window(closeAll(), T0 + 2 * HOUR);
        assertEquals(1, w.get("predictions").asInt());
        assertEquals(0, w.get("labeled").asInt());
    }

    @Test
    void aPairBelongsToThePredictionsWindow() {
        t.prediction("a", T0 + 59 * MIN, "1", 0.8);
        t.label("a", T0 + HOUR + 30 * MIN, "1");
        List<JsonNode> finals = closeAll();
        assertEquals(1, finals.size());
        assertEquals(T0, finals.get(0).get("window_start").asLong());
        assertEquals(T0 + HOUR, finals.get(0).get("window_end").asLong());
        assertEquals(1, finals.get(0).get("labeled").asInt());
    }

    @Test
    void aWindowClosesOnlyAfterItsSizePlusTheMaximumDelay() {
        t.prediction("a", T0 + MIN, "1", 0.8);
        t.advanceEventTime(T0 + 3 * HOUR - 1); // window [T0, T0+1h) closes at T0 + 3h
        assertTrue(finals(t.metrics()).isEmpty());
        t.label("a", T0 + 3 * HOUR - 1, "1"); // out of the delay bound anyway
        t.advanceEventTime(T0 + 3 * HOUR + 10 * MIN);
        List<JsonNode> finals = finals(t.metrics());
        assertEquals(1, finals.size());
        assertEquals(1, finals.get(0).get("predictions").asInt());
        t.advanceEventTime(T0 + 8 * HOUR);
        assertTrue(finals(t.metrics()).isEmpty(), "a window closes once");
    }

    @Test
    void openWindowsEmitRateLimitedUpdates() {
        t.prediction("a", T0 + MIN, "1", 0.8);
        t.label("a", T0 + 2 * MIN, "1");
        t.driver.advanceWallClockTime(Duration.ofSeconds(11));
        List<JsonNode> updates = t.metrics();
        assertEquals(1, updates.size());
        assertEquals(false, updates.get(0).get("final").asBoolean());
        assertEquals(1, updates.get(0).get("labeled").asInt());
        t.driver.advanceWallClockTime(Duration.ofSeconds(11));
        assertTrue(t.metrics().isEmpty(), "no update without a change");
    }

    @Test
    void predictionsForClosedWindowsAreDroppedAndCounted() {
        t.advanceEventTime(T0 + 5 * HOUR);
        t.prediction("late", T0 + MIN, "1", 0.5);
        assertEquals(1, t.counters.join().latePredictions());
        t.advanceEventTime(T0 + 10 * HOUR);
        assertTrue(finals(t.metrics()).stream().noneMatch(r -> r.get("window_start").asLong() == T0));
    }

    @Test
    void expiryEmptiesTheJoinStores() {
        for (int i = 0; i < 50; i++) {
            t.prediction("p" + i, T0 + i * MIN, "1", 0.5);
            if (i % 2 == 0) {
                t.label("p" + i, T0 + i * MIN + 5, "0");
            }
        }
        t.label("ghost", T0 + 10 * MIN, "1");
        KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]> pending =
                t.driver.getKeyValueStore(DelayedJoin.PENDING_STORE);
        assertEquals(51, count(pending));
        t.advanceEventTime(T0 + 12 * HOUR);
        // only the clock labels of the last hours remain; every prediction and the ghost label expired
        try (KeyValueIterator<org.apache.kafka.common.utils.Bytes, byte[]> it = pending.all()) {
            while (it.hasNext()) {
                assertTrue(new String(it.next().key.get(), java.nio.charset.StandardCharsets.UTF_8).startsWith("__clock__"));
            }
        }
        assertTrue(t.counters.join().expiredEntries() >= 51);
    }

    @Test
    void withoutTheRepartitionTheJoinStillRunsOnEventTimeNotRecordTimestamps() {
        io.modelwatch.TopologySettings.Builder b = io.modelwatch.TopologySettings.builder()
                .window(Duration.ofHours(1), Duration.ofHours(2));
        b.repartitionInputs = false;
        try (TopologyFixture direct = new TopologyFixture(b.build())) {
            // producer wall-clock record timestamps, 100 days after the events and 10 minutes apart
            long[] wallClock = {T0 + 100L * 24 * HOUR};
            java.util.function.LongSupplier next = () -> wallClock[0] += 10 * MIN;
            String prediction = "{\"prediction_id\":\"%s\",\"model_id\":\"m\",\"model_version\":\"v1\","
                    + "\"timestamp\":%d,\"predicted\":\"1\",\"scores\":{\"0\":0.2,\"1\":0.8}}";
            String label = "{\"prediction_id\":\"%s\",\"label\":\"%s\",\"timestamp\":%d}";
            direct.predictionJson(String.format(prediction, "a", T0 + MIN), next.getAsLong());
            direct.predictionJson(String.format(prediction, "b", T0 + 2 * MIN), next.getAsLong());
            direct.labelJson(String.format(label, "a", "1", T0 + 30 * MIN), next.getAsLong());
            direct.labelJson(String.format(label, "b", "0", T0 + 40 * MIN), next.getAsLong());
            for (int i = 0; i < 3; i++) {
                direct.labelJson(String.format(label, "clock" + i, "0", T0 + 10 * HOUR + i), next.getAsLong());
            }
            List<JsonNode> finals = finals(direct.metrics());
            assertEquals(0, direct.counters.join().latePredictions(), "nothing is late by event time");
            JsonNode w = window(finals, T0);
            assertEquals(2, w.get("labeled").asInt());
            assertEquals("{\"labels\":[\"0\",\"1\"],\"matrix\":[[0,1],[0,1]]}", matrix(w));
        }
    }

    /**
     * Without the repartition, an event off its join partition is rejected; its timestamp must not move the
     * task's time either: here a label keyed to the other partition, stamped ten hours ahead, would close
     * the first window before the label of its second prediction is read.
     */
    @Test
    void withoutTheRepartitionAnEventOffItsJoinPartitionDoesNotMoveTime() {
        io.modelwatch.TopologySettings.Builder b = io.modelwatch.TopologySettings.builder()
                .window(Duration.ofHours(1), Duration.ofHours(2)).joinPartitions(2);
        b.repartitionInputs = false;
        // the driver reads partition 0: ids joined there, and one joined on partition 1
        List<String> home = new java.util.ArrayList<>();
        String away = null;
        for (int i = 0; home.size() < 2 || away == null; i++) {
            String id = "id-" + i;
            if (io.modelwatch.ingest.JoinPartitioner.partitionOf(
                    id.getBytes(java.nio.charset.StandardCharsets.UTF_8), 2) == 0) {
                home.add(id);
            } else if (away == null) {
                away = id;
            }
        }
        try (TopologyFixture direct = new TopologyFixture(b.build())) {
            direct.prediction(home.get(0), T0 + MIN, "1", 0.8);
            direct.prediction(home.get(1), T0 + 2 * MIN, "1", 0.8);
            direct.label(home.get(0), T0 + 30 * MIN, "1");
            direct.label(away, T0 + 10 * HOUR, "0"); // rejected: not_on_join_partition
            direct.label(home.get(1), T0 + 40 * MIN, "0");
            assertEquals(1, direct.counters.ingest().rejected(
                    io.modelwatch.ingest.RejectReason.NOT_ON_JOIN_PARTITION));
            // (no final here: the driver runs join partition 0 only, and the merge waits for partition 1 too)
            assertEquals(0, direct.counters.join().lateLabels(), "no label late: the rejected one moved no time");
            assertEquals(0, direct.counters.join().latePredictions());
        }
    }

    @Test
    void modelsBeyondTheCardinalityLimitCountUnderTheOverflowName() {
        io.modelwatch.ingest.IngestLimits limits = io.modelwatch.ingest.IngestLimits.DEFAULTS.withCardinality(2, 1, 10);
        TopologyFixture capped = new TopologyFixture(io.modelwatch.TopologySettings.builder()
                .window(Duration.ofHours(1), Duration.ofHours(2)).limitsOf(limits).build());
        try (capped) {
            for (String model : new String[] {"a", "b", "c", "d"}) {
                capped.predictionJson("{\"prediction_id\":\"" + model + "-1\",\"model_id\":\"" + model
                        + "\",\"model_version\":\"v1\",\"timestamp\":" + (T0 + MIN) + ",\"predicted\":\"1\"}", T0 + MIN);
            }
            capped.predictionJson("{\"prediction_id\":\"a-2\",\"model_id\":\"a\",\"model_version\":\"v2\","
                    + "\"timestamp\":" + (T0 + MIN) + ",\"predicted\":\"1\"}", T0 + MIN);
            capped.advanceEventTime(T0 + 10 * HOUR);
            List<JsonNode> finals = finals(capped.metrics());
            java.util.Map<String, Integer> predictions = new java.util.TreeMap<>();
            finals.forEach(r -> predictions.merge(r.get("model_id").asText() + "/" + r.get("model_version").asText(),
                    r.get("predictions").asInt(), Integer::sum));
            assertEquals(java.util.Map.of("a/v1", 1, "a/__overflow__", 1, "b/v1", 1, "__overflow__/v1", 2), predictions);
            assertEquals(2, capped.counters.join().overflow("model"));
            assertEquals(1, capped.counters.join().overflow("version"));
        }
    }

    /** Each name within its limit, the series they make together beyond limits.max-series: they overflow. */
    @Test
    void seriesBeyondTheirLimitCountUnderTheOverflowVersionOrValue() {
        io.modelwatch.ingest.IngestLimits limits = io.modelwatch.ingest.IngestLimits.DEFAULTS.withMaxSeries(3);
        TopologyFixture capped = new TopologyFixture(io.modelwatch.TopologySettings.builder()
                .window(Duration.ofHours(1), Duration.ofHours(2)).slices(List.of("cloud")).limitsOf(limits).build());
        try (capped) {
            String[][] sent = {{"a", "v1", "aws"}, {"a", "v1", "gcp"}, {"a", "v1", "azure"}, {"a", "v2", "aws"}};
            for (int i = 0; i < sent.length; i++) {
                capped.predictionJson("{\"prediction_id\":\"p" + i + "\",\"model_id\":\"" + sent[i][0]
                        + "\",\"model_version\":\"" + sent[i][1] + "\",\"timestamp\":" + (T0 + MIN)
                        + ",\"predicted\":\"1\",\"tags\":{\"cloud\":\"" + sent[i][2] + "\"}}", T0 + MIN);
            }
            capped.advanceEventTime(T0 + 10 * HOUR);
            java.util.Map<String, Integer> predictions = new java.util.TreeMap<>();
            finals(capped.metrics()).forEach(r -> predictions.put(r.get("model_version").asText() + "/"
                    + r.path("slice").path("cloud").asText("*"), r.get("predictions").asInt()));
            // a/v1 and its aws slice are two series, gcp the third; azure and v2 overflow, v2's slice with it
            assertEquals(java.util.Map.of("v1/*", 3, "v1/aws", 1, "v1/gcp", 1, "v1/__overflow__", 1,
                    "__overflow__/*", 1, "__overflow__/__overflow__", 1), predictions);
            assertEquals(3, capped.counters.join().overflow("series"));
        }
    }

    /**
     * A producer's model, version or slice value spelled {@code __overflow__} was counted there with no limit
     * reached, passing for overflow: it goes to the dead-letter topic, and the good predictions around it count.
     */
    @Test
    void aProducerCannotPassForTheOverflowName() {
        TopologyFixture t = new TopologyFixture(io.modelwatch.TopologySettings.builder()
                .window(Duration.ofHours(1), Duration.ofHours(2)).slices(List.of("cloud")).build());
        try (t) {
            String[][] sent = {{"a-1", "a", "v1", "aws"}, {"x-1", "__overflow__", "v1", "aws"},
                {"x-2", "a", "__overflow__", "aws"}, {"x-3", "a", "v1", "__overflow__"}, {"a-2", "a", "v1", "gcp"}};
            for (String[] p : sent) {
                t.predictionJson("{\"prediction_id\":\"" + p[0] + "\",\"model_id\":\"" + p[1] + "\",\"model_version\":\""
                        + p[2] + "\",\"timestamp\":" + (T0 + MIN) + ",\"predicted\":\"1\",\"tags\":{\"cloud\":\"" + p[3]
                        + "\"}}", T0 + MIN);
            }
            t.advanceEventTime(T0 + 10 * HOUR);
            java.util.Map<String, Integer> predictions = new java.util.TreeMap<>();
            for (JsonNode r : finals(t.metrics())) {
                JsonNode slice = r.get("slice");
                predictions.merge(r.get("model_id").asText() + "/" + r.get("model_version").asText()
                        + (slice == null ? "" : "/" + slice.get("cloud").asText()), r.get("predictions").asInt(),
                        Integer::sum);
            }
            assertEquals(java.util.Map.of("a/v1", 2, "a/v1/aws", 1, "a/v1/gcp", 1), predictions);
            List<String> reasons = new ArrayList<>();
            t.deadLetters.readRecordsToList().forEach(r -> reasons.add(new String(
                    r.headers().lastHeader(io.modelwatch.ingest.DeadLetters.REASON).value(),
                    java.nio.charset.StandardCharsets.UTF_8)));
            assertEquals(List.of("reserved_value", "reserved_value", "reserved_value"), reasons);
            assertEquals(2, t.counters.ingest().predictions());
        }
    }

    /**
     * A slice is named dimension=value: were {@code a} and {@code a=b} both sliced by, tag {@code a=b} valued
     * {@code c} and tag {@code a} valued {@code b=c} would both be slice {@code a=b=c}. Such a configuration is
     * refused; a tag of any other name is dropped unchecked (only configured tags make slices), so the predictions
     * that carry tags with '=' or ',' in their names or values count, sliced by their configured tag with its value
     * whole, and nothing goes to the dead-letter topic.
     */
    @Test
    void tagNamesHoldingEqualsOrCommasCostNoRecordAndCannotBeSlicedBy() {
        for (String dimension : new String[] {"a=b", "=a", "a,b", ""}) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> io.modelwatch.TopologySettings.builder().slices(List.of("a", dimension)).build(), dimension);
            assertTrue(e.getMessage().startsWith("slices: "), e.getMessage());
        }
        TopologyFixture t = new TopologyFixture(io.modelwatch.TopologySettings.builder()
                .window(Duration.ofHours(1), Duration.ofHours(2)).slices(List.of("a")).build());
        try (t) {
            String[] tags = {"{\"a\":\"b=c\",\"a=b\":\"c\"}", "{\"a=b\":\"c\",\"x,y\":\"1,2\"}",
                "{\"a\":\"b=c\",\"=\":\"=\",\",\":\",\"}", "{\"a\":\"b\\u003dc\",\"a\\u003db\":\"c\"}",
                "{\"a\":\"c\"}"};
            for (int i = 0; i < tags.length; i++) {
                t.predictionJson("{\"prediction_id\":\"p" + i + "\",\"model_id\":\"m\",\"model_version\":\"v1\","
                        + "\"timestamp\":" + (T0 + MIN) + ",\"predicted\":\"1\",\"tags\":" + tags[i] + "}", T0 + MIN);
            }
            t.advanceEventTime(T0 + 10 * HOUR);
            java.util.Map<String, Integer> predictions = new java.util.TreeMap<>();
            for (JsonNode r : finals(t.metrics())) {
                predictions.merge(r.has("slice") ? r.get("slice").toString() : "", r.get("predictions").asInt(),
                        Integer::sum);
            }
            assertEquals(java.util.Map.of("", 5, "{\"a\":\"b=c\"}", 3, "{\"a\":\"c\"}", 1), predictions);
            assertEquals(List.of(), t.deadLetters.readRecordsToList());
            assertEquals(5, t.counters.ingest().predictions());
        }
    }

    private static long count(KeyValueStore<?, byte[]> store) {
        long n = 0;
        try (KeyValueIterator<?, byte[]> it = store.all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }
}
