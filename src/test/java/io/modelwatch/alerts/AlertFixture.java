package io.modelwatch.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelwatch.ModelwatchTopology;
import io.modelwatch.TopologySettings;
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
import java.util.Locale;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The full production topology in a TopologyTestDriver, with a generator of windows of a given
 * accuracy and helpers for the rules and alerts topics. Windows are one hour, labels may be 10
 * minutes late; window i's events lie in [i h + 20 min, i h + 50 min] and {@link #close(int)}
 * moves event time to (i + 1) h + 15 min, which closes window i (and only it).
 */
final class AlertFixture implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String APPLICATION_ID = "modelwatch-alerts-test";
    static final long HOUR = Duration.ofHours(1).toMillis();
    static final long MINUTE = 60_000;
    /** 2026-11-02T00:00:00Z, a window boundary. */
    static final long T0 = 1793577600000L;

    final TopologySettings settings;
    final ModelwatchTopology.Counters counters = new ModelwatchTopology.Counters();
    final TopologyTestDriver driver;
    private final Path stateDir;
    private final boolean ownsStateDir;
    private final TestInputTopic<byte[], byte[]> predictions;
    private final TestInputTopic<byte[], byte[]> labels;
    private final TestInputTopic<byte[], byte[]> rules;
    private final TestOutputTopic<String, String> metrics;
    private final TestOutputTopic<String, String> alerts;
    private long seq;

    AlertFixture(TopologySettings settings) {
        this(settings, null);
    }

    /** With {@code stateDir} the caller keeps the directory (restart tests); else a temp dir is used. */
    AlertFixture(TopologySettings settings, Path stateDir) {
        this(settings, stateDir, stateDir == null);
    }

    private AlertFixture(TopologySettings settings, Path stateDir, boolean ownsStateDir) {
        this.settings = settings;
        this.ownsStateDir = ownsStateDir;
        try {
            this.stateDir = stateDir != null ? stateDir : Files.createTempDirectory("modelwatch-alerts");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "test:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, this.stateDir.toString());
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        driver = new TopologyTestDriver(ModelwatchTopology.build(settings, counters), props,
                Instant.ofEpochMilli(T0));
        predictions = driver.createInputTopic(settings.predictionsTopic(), new ByteArraySerializer(),
                new ByteArraySerializer());
        labels = driver.createInputTopic(settings.labelsTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        rules = driver.createInputTopic(settings.rulesTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        metrics = driver.createOutputTopic(settings.metricsTopic(), new StringDeserializer(), new StringDeserializer());
        alerts = driver.createOutputTopic(settings.alertsTopic(), new StringDeserializer(), new StringDeserializer());
    }

    /** Hourly windows, 10 minutes of label delay, finals only, the given file rules. */
    static TopologySettings.Builder hourly(List<AlertRule> fileRules) {
        return TopologySettings.builder().window(Duration.ofHours(1), Duration.ofMinutes(10))
                .updateInterval(Duration.ZERO).rules(fileRules).inMemoryState(true);
    }

    static long windowStart(int i) {
        return T0 + i * HOUR;
    }

    /**
     * Sends {@code pairs} labelled predictions of model {@code model} (version v1) into window i,
     * half of each class, the first round(accuracy · pairs / 2) of each class predicted right (so
     * accuracy, precision, recall and F1 of class "1" all equal the accuracy), plus
     * {@code unlabeled} predictions without a label.
     */
    void window(int i, String model, int pairs, double accuracy, int unlabeled) {
        long start = windowStart(i) + 20 * MINUTE;
        int rightPerClass = (int) Math.round(accuracy * pairs / 2);
        for (int j = 0; j < pairs + unlabeled; j++) {
            long ts = start + j * 1000L * 60 * 25 / Math.max(1, pairs + unlabeled);
            String id = model + "-" + (seq++);
            String truth = j % 2 == 0 ? "1" : "0";
            boolean right = (j / 2) < rightPerClass;
            String predicted = right ? truth : (truth.equals("1") ? "0" : "1");
            double jitter = (j % 17) / 1000.0;
            double scoreOfOne = predicted.equals("1") ? 0.7 + jitter : 0.3 - jitter;
            prediction(id, model, ts, predicted, scoreOfOne);
            if (j < pairs) {
                label(id, ts + 1000, truth);
            }
        }
    }

    void window(int i, int pairs, double accuracy) {
        window(i, "fraud-detector", pairs, accuracy, 0);
    }

    /** Moves event time so that window i closes (its final record and alerts come out). */
    void close(int i) {
        long ts = windowStart(i + 1) + 15 * MINUTE;
        String json = "{\"prediction_id\":\"__clock__" + ts + "\",\"label\":\"0\",\"timestamp\":" + ts + "}";
        labels.pipeInput(new TestRecord<>(null, json.getBytes(StandardCharsets.UTF_8), null, ts));
    }

    void prediction(String id, String model, long ts, String predicted, double scoreOfOne) {
        String json = String.format(Locale.ROOT,
                "{\"prediction_id\":\"%s\",\"model_id\":\"%s\",\"model_version\":\"v1\",\"timestamp\":%d,"
                        + "\"predicted\":\"%s\",\"scores\":{\"0\":%s,\"1\":%s},\"tags\":{\"cloud\":\"%s\"}}",
                id, model, ts, predicted, Double.toString(1 - scoreOfOne), Double.toString(scoreOfOne),
                id.hashCode() % 2 == 0 ? "aws" : "gcp");
        predictions.pipeInput(new TestRecord<>(null, json.getBytes(StandardCharsets.UTF_8), null, ts));
    }

    void label(String id, long ts, String label) {
        String json = "{\"prediction_id\":\"" + id + "\",\"label\":\"" + label + "\",\"timestamp\":" + ts + "}";
        labels.pipeInput(new TestRecord<>(null, json.getBytes(StandardCharsets.UTF_8), null, ts));
    }

    void publishRule(AlertRule rule) {
        publishRule(rule.name(), rule.toJson());
    }

    void publishRule(String name, String json) {
        publishRule(name.getBytes(StandardCharsets.UTF_8), json == null ? null : json.getBytes(StandardCharsets.UTF_8));
    }

    /** A rules-topic record as bytes, which need not be UTF-8. */
    void publishRule(byte[] name, byte[] json) {
        rules.pipeInput(name, json);
    }

    /** The alert records since the last read, with their Kafka timestamps. */
    List<TestRecord<String, String>> alertRecords() {
        return alerts.readRecordsToList();
    }

    /** The metrics records since the last read, with their Kafka timestamps. */
    List<TestRecord<String, String>> metricRecords() {
        return metrics.readRecordsToList();
    }

    /** Alert records emitted since the last call, parsed, in order. */
    List<JsonNode> alerts() {
        List<JsonNode> out = new ArrayList<>();
        for (var kv : alerts.readKeyValuesToList()) {
            try {
                JsonNode v = JSON.readTree(kv.value);
                ((com.fasterxml.jackson.databind.node.ObjectNode) v).set("__key", JSON.readTree(kv.key));
                out.add(v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /** Metrics records emitted since the last call, parsed. */
    List<JsonNode> metrics() {
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

    /** Alerts of the whole model only (rules apply to slices too). */
    static List<JsonNode> wholeModel(List<JsonNode> alerts) {
        return alerts.stream().filter(a -> a.get("slice").isNull()).toList();
    }

    /**
     * Simulates a restart: the instance goes down and a new one takes over the task with the same
     * state directory. TopologyTestDriver#close wipes its state directory and does not keep the
     * RocksDB memtables (Kafka Streams writes RocksDB without a write-ahead log: the changelog is
     * the durable copy), so the new instance restores every task store from its changelog topic,
     * exactly as Kafka Streams does: the records this driver produced to each
     * {@code <application id>-<store>-changelog} topic are applied, in order, to the new store
     * (below the logging layer, as restoration does). The global rules store is rebuilt from the
     * rules topic by the caller, if it was used.
     */
    static AlertFixture restart(AlertFixture old) {
        return restart(old, old.settings);
    }

    /** As {@link #restart(AlertFixture)}, the new instance configured with {@code settings} (a config edited). */
    static AlertFixture restart(AlertFixture old, TopologySettings settings) {
        // a commit flushes the record caches into the changelogs
        old.driver.getAllStateStores().values().forEach(s -> s.commit(java.util.Map.of()));
        java.util.Map<String, List<org.apache.kafka.streams.KeyValue<byte[], byte[]>>> changelogs =
                new java.util.LinkedHashMap<>();
        for (String store : old.driver.getAllStateStores().keySet()) {
            if (store.equals(AlertStage.RULES_STORE)) {
                continue;
            }
            changelogs.put(store, old.driver.createOutputTopic(APPLICATION_ID + "-" + store + "-changelog",
                    new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                    new org.apache.kafka.common.serialization.ByteArrayDeserializer()).readKeyValuesToList());
        }
        old.driver.close();
        AlertFixture fresh = new AlertFixture(settings, old.stateDir, old.ownsStateDir);
        for (var e : changelogs.entrySet()) {
            @SuppressWarnings("unchecked")
            org.apache.kafka.streams.state.KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]> inner =
                    (org.apache.kafka.streams.state.KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]>)
                            innermost(fresh.driver.getAllStateStores().get(e.getKey()));
            for (var kv : e.getValue()) {
                if (kv.value == null) {
                    inner.delete(org.apache.kafka.common.utils.Bytes.wrap(kv.key));
                } else {
                    inner.put(org.apache.kafka.common.utils.Bytes.wrap(kv.key), kv.value);
                }
            }
        }
        return fresh;
    }

    /** The store below the metering, caching and logging layers: what restoration writes into. */
    private static org.apache.kafka.streams.processor.StateStore innermost(
            org.apache.kafka.streams.processor.StateStore store) {
        while (store instanceof org.apache.kafka.streams.state.internals.WrappedStateStore<?, ?, ?> w) {
            store = w.wrapped();
        }
        return store;
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp dir
        }
    }

    @Override
    public void close() {
        driver.close();
        if (ownsStateDir) {
            deleteTree(stateDir);
        }
    }
}
