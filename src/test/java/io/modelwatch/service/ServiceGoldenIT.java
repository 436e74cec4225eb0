package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.GoldenResources;
import io.modelwatch.ReferenceCheck;
import io.modelwatch.config.ModelwatchConfig;
import io.modelwatch.embedded.EmbeddedKafkaCluster;
import io.modelwatch.replay.Replay;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference stream through the real service on a real (in-process KRaft) broker with
 * exactly_once_v2 and several partitions: the final metrics on the topic equal scikit-learn's, with the
 * default topology and with {@code repartition-inputs: false} (inputs keyed by prediction id).
 */
class ServiceGoldenIT {

    private static final int PARTITIONS = 3;

    @Test
    void referenceStreamThroughKafkaMatchesScikitLearn(@TempDir Path stateDir) throws Exception {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1)) {
            kafka.createTopic("predictions", PARTITIONS, 1);
            kafka.createTopic("labels", PARTITIONS, 1);
            JsonNode params = GoldenResources.params("basic");
            ModelwatchConfig config = ModelwatchConfig.load(null,
                    GoldenResources.serviceEnv(kafka.bootstrapServers(), "modelwatch-golden-it", stateDir, PARTITIONS));
            assertEquals("exactly_once_v2", config.processingGuarantee());

            long[] offPartition = new long[1];
            long lastTs = produceReferenceStream(kafka.bootstrapServers(), offPartition);
            assertTrue(offPartition[0] > 100, "labels off their prediction's partition: " + offPartition[0]);
            try (ModelwatchService service = new ModelwatchService(config).start()) {
                assertTrue(service.awaitRunning(Duration.ofSeconds(60)), "service did not reach RUNNING");
                advancePartitions(kafka.bootstrapServers(), clockTime(params, lastTs), PARTITIONS);
                assertFinalsMatchTheReference(kafka.bootstrapServers());
                assertEquals(0, service.counters().join().latePredictions(), "nothing dropped as late");
                assertEquals(0, service.counters().join().lateLabels(), "no label dropped as late");
                var ingest = service.counters().ingest();
                assertEquals(ingest.predictions() + ingest.labels() - offPartition[0], ingest.onJoinPartition(),
                        "every event counted on its join partition but the labels keyed by another id");
                assertTrue(service.view().latestMetrics().size() > 0, "interactive queries answer");
                assertOnlyEventsOffTheirJoinPartitionTookTheTopic(kafka.bootstrapServers(), offPartition[0],
                        ingest.predictions() + ingest.labels());
            }
            assertAlertsTopicIsCompacted(kafka.bootstrapServers());
        }
    }

    /**
     * Events read on their join partition go straight to the join in the same task: the join-input topic
     * carries the others (here the labels keyed by another id) and the ingest watermarks, not every event.
     * Its end offsets count every record ever written (Kafka Streams purges what was read).
     */
    private static void assertOnlyEventsOffTheirJoinPartitionTookTheTopic(String bootstrap, long offPartition,
                                                                         long events) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", bootstrap))) {
            String topic = "modelwatch-golden-it-join-input-repartition";
            var partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions();
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest =
                    new java.util.HashMap<>();
            partitions.forEach(p -> latest.put(new org.apache.kafka.common.TopicPartition(topic, p.partition()),
                    org.apache.kafka.clients.admin.OffsetSpec.latest()));
            long written = 0;
            for (var r : admin.listOffsets(latest).all().get().values()) {
                written += r.offset();
            }
            // transaction markers take offsets too: one per partition and commit at most
            assertTrue(written >= offPartition, "the events off their join partition went through the topic: "
                    + written + " records for " + offPartition);
            // every event through the topic (the design before) would write at least `events` records; the
            // watermarks (one per minute of event time per ingest partition and join partition: the
            // reference stream is sparse, a few events a minute) make up most of the rest
            assertTrue(written < events, "the events on their join partition did not take the topic: " + written
                    + " records for " + offPartition + " events off their join partition of " + events);
        }
    }

    /** A FIRING alert of a model gone quiet is never re-emitted: time-based retention must not take it. */
    private static void assertAlertsTopicIsCompacted(String bootstrap) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", bootstrap))) {
            var resource = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "model-alerts");
            var config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            assertEquals("compact", config.get("cleanup.policy").value());
            assertEquals(Long.toString(Duration.ofDays(7).toMillis()), config.get("min.compaction.lag.ms").value());
        }
    }

    /**
     * With {@code repartition-inputs: false} each join task reads its own input partitions, and its time is
     * theirs. Here the last partition gets no traffic at all (the reference stream without the predictions
     * and labels whose id hashes there): its join task says it is idle after {@code IngestProgress.IDLE_AFTER}
     * without input, and windows close without it. (Before that marker such a partition held every window
     * open: no final, ever.) The finals equal those of {@code replay} over the same events.
     */
    @Test
    void keyedInputsWithAPartitionWithoutTrafficCloseEveryWindow(@TempDir Path stateDir) throws Exception {
        int quiet = PARTITIONS - 1;
        List<String> predictions = GoldenResources.lines("basic", "predictions.jsonl").stream()
                .filter(l -> partition(id(l)) != quiet).toList();
        List<String> labels = GoldenResources.lines("basic", "labels.jsonl").stream()
                .filter(l -> partition(id(l)) != quiet).toList();
        Path predictionsFile = Files.write(stateDir.resolve("predictions.jsonl"), predictions);
        Path labelsFile = Files.write(stateDir.resolve("labels.jsonl"), labels);
        java.io.StringWriter replayed = new java.io.StringWriter();
        Replay.run(GoldenResources.settings("basic").slices(List.of("cloud")).build(), predictionsFile, labelsFile,
                replayed, null);
        List<JsonNode> want = replayed.toString().lines().filter(l -> !l.isBlank()).map(GoldenResources::parse)
                .toList();
        assertTrue(want.size() > 100, "replay's finals: " + want.size());

        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1)) {
            kafka.createTopic("predictions", PARTITIONS, 1);
            kafka.createTopic("labels", PARTITIONS, 1);
            JsonNode params = GoldenResources.params("basic");
            Map<String, String> env = GoldenResources.serviceEnv(kafka.bootstrapServers(), "modelwatch-golden-keyed-it",
                    stateDir.resolve("state"), PARTITIONS);
            env.put("MODELWATCH_REPARTITION_INPUTS", "false");
            ModelwatchConfig config = ModelwatchConfig.load(null, env);
            assertEquals(false, config.topology().repartitionInputs());

            long[] offPartition = new long[1];
            long lastTs = produce(kafka.bootstrapServers(), predictions, labels, offPartition, true);
            assertEquals(0, offPartition[0], "every label on its prediction's partition");
            try (ModelwatchService service = new ModelwatchService(config).start()) {
                assertTrue(service.awaitRunning(Duration.ofSeconds(60)), "service did not reach RUNNING");
                advancePartitions(kafka.bootstrapServers(), clockTime(params, lastTs), quiet);
                List<JsonNode> finals = readFinals(kafka.bootstrapServers(), want.size(), Duration.ofMinutes(3));
                assertEquals(want.size(), finals.size(), "final records on the topic");
                ReferenceCheck check = ReferenceCheck.compare(want, finals, 1e-9);
                assertTrue(check.ok(), check.toString());
                assertEquals(want.size(), check.matched);
                assertEquals(0, service.counters().join().latePredictions(), "nothing dropped as late");
                assertEquals(0, service.counters().join().lateLabels(), "no label dropped as late");
                assertEquals(0, service.counters().window().lateContributions(), "no contribution came too late");
            }
        }
    }

    private static String id(String line) {
        return GoldenResources.parse(line).get("prediction_id").asText();
    }

    /** Every whole-model and slice window has a single and a rolling final record, equal to scikit-learn's. */
    private static void assertFinalsMatchTheReference(String bootstrap) {
        List<JsonNode> expected = GoldenResources.records("basic", "expected.jsonl");
        int total = 2 * (expected.size() + GoldenResources.records("basic", "expected_slices.jsonl").size());
        List<JsonNode> finals = readFinals(bootstrap, total, Duration.ofMinutes(3));
        assertEquals(total, finals.size(), "final records on the topic");
        for (String file : List.of("expected.jsonl", "expected_rolling.jsonl", "expected_slices.jsonl")) {
            List<JsonNode> want = GoldenResources.records("basic", file);
            ReferenceCheck check = ReferenceCheck.compare(want, finals, 1e-9);
            assertTrue(check.ok(), file + ": " + check);
            assertEquals(want.size(), check.matched, file);
        }
    }

    /** Past the close of the last window: its end plus twice the label delay, and two minutes. */
    private static long clockTime(JsonNode params, long lastTs) {
        return lastTs + Duration.parse(params.get("window").asText()).toMillis()
                + 2 * Duration.parse(params.get("max_label_delay").asText()).toMillis() + 120_000;
    }

    /**
     * Produces both files merged by timestamp as producers would: predictions keyed by prediction id, labels
     * by a ticket id of their own (the default repartitions the inputs, so any keying must give the same
     * result) or, with {@code keyedLabels}, by prediction id too. Returns the last timestamp;
     * {@code offPartition[0]}: labels not on their prediction's partition.
     */
    private static long produceReferenceStream(String bootstrap, long[] offPartition) {
        return produce(bootstrap, GoldenResources.lines("basic", "predictions.jsonl"),
                GoldenResources.lines("basic", "labels.jsonl"), offPartition, false);
    }

    private static long produce(String bootstrap, List<String> predictions, List<String> labels, long[] offPartition,
                                boolean keyedLabels) {
        long last = 0;
        try (KafkaProducer<String, String> producer = producer(bootstrap)) {
            int p = 0;
            int l = 0;
            while (p < predictions.size() || l < labels.size()) {
                boolean takePrediction = l >= labels.size() || (p < predictions.size()
                        && ts(predictions.get(p)) <= ts(labels.get(l)));
                String line = takePrediction ? predictions.get(p++) : labels.get(l++);
                JsonNode event = GoldenResources.parse(line);
                last = Math.max(last, GoldenResources.timestamp(event));
                String id = event.get("prediction_id").asText();
                String key = takePrediction || keyedLabels ? id : "ticket-" + id;
                if (partition(key) != partition(id)) {
                    offPartition[0]++;
                }
                producer.send(new ProducerRecord<>(takePrediction ? "predictions" : "labels", key, line));
            }
            producer.flush();
        }
        return last;
    }

    /**
     * Clock events (see {@link io.modelwatch.ClockEvents}), into each of the first {@code count} partitions, to move
     * their event time past the last window.
     */
    private static void advancePartitions(String bootstrap, long ts, int count) {
        try (KafkaProducer<String, String> producer = producer(bootstrap)) {
            for (String id : io.modelwatch.ClockEvents.ids(PARTITIONS, count)) {
                producer.send(new ProducerRecord<>("predictions", id, io.modelwatch.ClockEvents.prediction(id, ts)));
                producer.send(new ProducerRecord<>("labels", id, io.modelwatch.ClockEvents.label(id, ts)));
            }
        }
    }

    /** The default partitioner's choice for a string key. */
    private static int partition(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }

    private static long ts(String line) {
        return GoldenResources.timestamp(GoldenResources.parse(line));
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static List<JsonNode> readFinals(String bootstrap, int atLeast, Duration timeout) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "golden-it-reader");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<JsonNode> finals = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of("model-metrics"));
            while (finals.size() < atLeast && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> {
                    JsonNode v = GoldenResources.parse(r.value());
                    if (v.get("final").asBoolean()) {
                        finals.add(v);
                    }
                });
            }
        }
        return finals;
    }
}
