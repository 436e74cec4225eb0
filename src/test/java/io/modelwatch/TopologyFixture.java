package io.modelwatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/** The production topology (RocksDB stores) in a TopologyTestDriver, with helpers to send JSON events. */
public final class TopologyFixture implements AutoCloseable {

    public static final ObjectMapper JSON = new ObjectMapper();
    public static final long HOUR = Duration.ofHours(1).toMillis();
    /** 2026-11-02T00:00:00Z, a window boundary. */
    public static final long T0 = 1793577600000L;

    public final TopologySettings settings;
    public final ModelwatchTopology.Counters counters = new ModelwatchTopology.Counters();
    public final TopologyTestDriver driver;
    private final Path stateDir;
    private final TestInputTopic<byte[], byte[]> predictions;
    private final TestInputTopic<byte[], byte[]> labels;
    private final TestOutputTopic<String, String> metrics;
    public final TestOutputTopic<byte[], byte[]> deadLetters;

    public TopologyFixture(TopologySettings settings) {
        this.settings = settings;
        try {
            stateDir = Files.createTempDirectory("modelwatch-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "modelwatch-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "test:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(ModelwatchTopology.build(settings, counters), props, Instant.EPOCH);
        predictions = driver.createInputTopic(settings.predictionsTopic(), new ByteArraySerializer(),
                new ByteArraySerializer());
        labels = driver.createInputTopic(settings.labelsTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        metrics = driver.createOutputTopic(settings.metricsTopic(), new StringDeserializer(), new StringDeserializer());
        deadLetters = driver.createOutputTopic(settings.deadLetterTopic(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    /** One-hour windows, the given label delay, no rolling, finals only. */
    public static TopologyFixture hourly(Duration maxLabelDelay) {
        return new TopologyFixture(TopologySettings.builder().window(Duration.ofHours(1), maxLabelDelay).build());
    }

    public void prediction(String id, long ts, String predicted, double scoreOfOne) {
        predictionJson(String.format(java.util.Locale.ROOT,
                "{\"prediction_id\":\"%s\",\"model_id\":\"m\",\"model_version\":\"v1\",\"timestamp\":%d,"
                        + "\"predicted\":\"%s\",\"scores\":{\"0\":%s,\"1\":%s}}",
                id, ts, predicted, Double.toString(1 - scoreOfOne), Double.toString(scoreOfOne)), ts);
    }

    public void predictionJson(String json, long recordTs) {
        predictions.pipeInput(new TestRecord<>(null, json.getBytes(StandardCharsets.UTF_8), null, recordTs));
    }

    public void label(String id, long ts, String label) {
        labelJson("{\"prediction_id\":\"" + id + "\",\"label\":\"" + label + "\",\"timestamp\":" + ts + "}", ts);
    }

    public void labelJson(String json, long recordTs) {
        labels.pipeInput(new TestRecord<>(null, json.getBytes(StandardCharsets.UTF_8), null, recordTs));
    }

    public void labelBytes(byte[] raw, long recordTs) {
        labels.pipeInput(new TestRecord<>(null, raw, null, recordTs));
    }

    /** Moves event time to {@code ts} with a label that matches no prediction. */
    public void advanceEventTime(long ts) {
        label("__clock__" + ts, ts, "0");
    }

    /** All metrics records emitted since the last call, parsed. */
    public List<JsonNode> metrics() {
        List<JsonNode> out = new ArrayList<>();
        for (String v : metrics.readValuesToList()) {
            try {
                out.add(JSON.readTree(v));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    public static List<JsonNode> finals(List<JsonNode> records) {
        return records.stream().filter(r -> r.get("final").asBoolean()).toList();
    }

    @Override
    public void close() {
        driver.close();
        try (Stream<Path> files = Files.walk(stateDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // temp dir
        }
    }
}
