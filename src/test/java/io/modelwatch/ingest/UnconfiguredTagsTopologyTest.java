package io.modelwatch.ingest;

import static io.modelwatch.TopologyFixture.HOUR;
import static io.modelwatch.TopologyFixture.T0;
import static io.modelwatch.TopologyFixture.finals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.ModelwatchTopology;
import io.modelwatch.TopologyFixture;
import io.modelwatch.TopologySettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Through the whole topology: a prediction whose tags outside {@code slices} would each have been a reject (an
 * empty name, a NUL, {@code __overflow__}, oversized, not a string, more than {@code limits.max-tags} of them)
 * counts for its model and in the slice of its configured tag, nothing goes to the dead-letter topic, and what
 * crosses the join-input topic carries the configured tag only.
 */
class UnconfiguredTagsTopologyTest {

    private static final long MIN = 60_000;

    @AfterEach
    void noHook() {
        EventParser.parseHook = null;
    }

    /** Tags nothing slices by, each of which kept would reject its prediction. */
    private static final String JUNK;

    static {
        StringBuilder b = new StringBuilder("\"\":\"empty name\",\"nul\":\"a\\u0000b\",\"shard\":\"__overflow__\","
                + "\"long\":\"" + "x".repeat(300) + "\",\"" + "k".repeat(300) + "\":\"long name\",\"n\":3,\"o\":{\"a\":[]}");
        for (int i = 0; i < 40; i++) {
            b.append(",\"t").append(i).append("\":\"v\"");
        }
        JUNK = b.toString();
    }

    private static String prediction(String id, String cloud, String predicted) {
        return "{\"prediction_id\":\"" + id + "\",\"model_id\":\"m\",\"model_version\":\"v1\",\"timestamp\":"
                + (T0 + MIN) + ",\"predicted\":\"" + predicted + "\",\"scores\":{\"0\":0.3,\"1\":0.7},\"tags\":{"
                + (cloud == null ? "" : "\"cloud\":\"" + cloud + "\",") + JUNK + "}}";
    }

    @Test
    void aPredictionWithBadUnconfiguredTagsCountsForItsModelAndItsSlice() {
        TopologySettings settings = TopologySettings.builder().window(Duration.ofHours(1), Duration.ofHours(2))
                .slices(List.of("cloud")).build();
        Thread me = Thread.currentThread();
        java.util.concurrent.atomic.AtomicInteger parses = new java.util.concurrent.atomic.AtomicInteger();
        try (TopologyFixture t = new TopologyFixture(settings)) {
            EventParser.parseHook = () -> {
                if (Thread.currentThread() == me) {
                    parses.incrementAndGet();
                }
            };
            t.predictionJson(prediction("a", "aws", "1"), T0 + MIN);
            t.predictionJson(prediction("b", "aws", "1"), T0 + MIN);
            t.predictionJson(prediction("c", "gcp", "1"), T0 + MIN);
            t.predictionJson(prediction("d", null, "1"), T0 + MIN); // no configured tag: the whole model only
            EventParser.parseHook = null;
            // the validating timestamp extractor keeps the same tags as the parser: it accepts each prediction (its
            // event time is stream time) and hands its parse over, one parse a record
            assertEquals(4, parses.get(), "parses of four predictions");
            t.label("a", T0 + 10 * MIN, "1");
            t.label("b", T0 + 10 * MIN, "0");
            t.label("c", T0 + 10 * MIN, "1");
            t.advanceEventTime(T0 + 10 * HOUR);
            Map<String, String> counts = new TreeMap<>();
            for (JsonNode r : finals(t.metrics())) {
                if (r.get("window_start").asLong() == T0 && r.get("model_id").asText().equals("m")) {
                    counts.put(r.has("slice") ? r.get("slice").toString() : "model",
                            r.get("predictions").asInt() + "/" + r.get("labeled").asInt());
                }
            }
            assertEquals(Map.of("model", "4/3", "{\"cloud\":\"aws\"}", "2/2", "{\"cloud\":\"gcp\"}", "1/1"), counts);
            assertEquals(List.of(), t.deadLetters.readRecordsToList(), "nothing on the dead-letter topic");
            assertEquals(0, t.counters.ingest().rejectedTotal());
            assertEquals(4, t.counters.ingest().predictions());
        }
    }

    /** The same defect in the configured tag is still a reject, and the good predictions around it count. */
    @Test
    void aBadConfiguredTagIsStillAReject() {
        TopologySettings settings = TopologySettings.builder().window(Duration.ofHours(1), Duration.ofHours(2))
                .slices(List.of("cloud")).build();
        try (TopologyFixture t = new TopologyFixture(settings)) {
            t.predictionJson(prediction("a", "aws", "1"), T0 + MIN);
            t.predictionJson(prediction("x", "__overflow__", "1"), T0 + MIN);
            t.predictionJson(prediction("y", "x".repeat(300), "1"), T0 + MIN);
            t.predictionJson(prediction("z", "a\\u0000b", "1"), T0 + MIN);
            t.advanceEventTime(T0 + 10 * HOUR);
            List<String> reasons = new ArrayList<>();
            t.deadLetters.readRecordsToList().forEach(r -> reasons.add(new String(
                    r.headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8)));
            assertEquals(List.of("reserved_value", "oversized_field", "nul_character"), reasons);
            assertEquals(1, t.counters.ingest().predictions());
            assertEquals(1, finals(t.metrics()).stream().filter(r -> r.get("window_start").asLong() == T0
                    && r.get("model_id").asText().equals("m") && !r.has("slice")).findFirst().orElseThrow()
                    .get("predictions").asInt());
        }
    }

    /**
     * What the join-input topic carries: the driver reads the inputs' partition 0, so a prediction joined on
     * partition 1 of two crosses the topic. Its record holds the configured tag, not the dropped ones.
     */
    @Test
    void theJoinInputTopicCarriesTheConfiguredTagsOnly() {
        TopologySettings settings = TopologySettings.builder().window(Duration.ofHours(1), Duration.ofHours(2))
                .slices(List.of("cloud")).joinPartitions(2).build();
        String away = null;
        for (int i = 0; away == null; i++) {
            if (JoinPartitioner.partitionOf(("id-" + i).getBytes(StandardCharsets.UTF_8), 2) == 1) {
                away = "id-" + i;
            }
        }
        try (TopologyFixture t = new TopologyFixture(settings)) {
            TestOutputTopic<byte[], byte[]> joinInput = t.driver.createOutputTopic(
                    "modelwatch-test-" + ModelwatchTopology.JOIN_INPUT_TOPIC + "-repartition",
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            t.predictionJson(prediction(away, "aws", "1"), T0 + MIN);
            List<Prediction> crossed = new ArrayList<>();
            for (byte[] value : joinInput.readValuesToList()) {
                if (JoinInputSerde.decode(value) instanceof Prediction p) {
                    crossed.add(p);
                    String bytes = new String(value, StandardCharsets.ISO_8859_1);
                    assertFalse(bytes.contains("shard") || bytes.contains("t39") || bytes.contains("xxxx"), bytes);
                    assertTrue(value.length < 100, "a small record: " + value.length + " bytes");
                }
            }
            assertEquals(1, crossed.size(), "the prediction crossed the join-input topic");
            Prediction p = crossed.get(0);
            assertEquals(away, p.predictionId());
            assertEquals(List.of("cloud"), List.of(p.tagNames()));
            assertEquals(List.of("aws"), List.of(p.tagValues()));
            assertEquals(List.of(), t.deadLetters.readRecordsToList());
        }
    }
}
