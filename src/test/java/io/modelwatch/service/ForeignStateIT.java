package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.Stderr;
import io.modelwatch.config.ModelwatchConfig;
import io.modelwatch.embedded.EmbeddedKafkaCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local state that does not belong to the cluster or the changelog topics it is started against: the start-up
 * check deletes it (one WARN line) and every store is restored from the changelogs.
 */
class ForeignStateIT {

    private static final String APP = "modelwatch-foreign-state-it";
    private static final long BASE = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** The changelogs of the stores kept on disk (the others are in memory, restored from their changelogs). */
    private static final List<String> ROCKSDB_CHANGELOGS = List.of("join-pending-changelog",
            "window-partials-changelog", "metrics-history-changelog");

    /**
     * A state-dir used with cluster A, then with a new cluster B under the same application id (as after
     * {@code modelwatch broker} was stopped and started again). The case Kafka Streams cannot see: B's changelogs
     * already reach the offsets A's stores hold (another instance of the application ran on B first), so Kafka
     * Streams kept A's local state and added B's changelog tail to it: the API answered with A's model on
     * cluster B, {@code {model-a=200, model-b=200}}, without a word in the log.
     */
    @Test
    void stateKeptForAnotherClusterIsDeletedAndRestoredFromTheNewClustersChangelogs(@TempDir Path dir)
            throws Exception {
        Path state = dir.resolve("state");
        Map<TopicPartition, Long> stored;
        String clusterA;
        try (EmbeddedKafkaCluster a = EmbeddedKafkaCluster.start(1); Admin admin = admin(a)) {
            createInputs(a);
            clusterA = admin.describeCluster().clusterId().get();
            try (ModelwatchService service = start(a, state)) {
                send(a, "model-a", 0, 200);
                awaitLabeled(service, "model-a", 200);
                awaitRecord(state, clusterA);
            }
            // the offsets the local stores hold (in RocksDB itself with Kafka Streams 4.4) are at most these
            stored = endOffsets(admin, ROCKSDB_CHANGELOGS.stream().map(t -> new TopicPartition(APP + "-" + t, 0))
                    .toList());
        }
        assertEquals(ROCKSDB_CHANGELOGS.size(), stored.size(), stored.toString());

        try (EmbeddedKafkaCluster b = EmbeddedKafkaCluster.start(1); Admin admin = admin(b)) {
            createInputs(b);
            String clusterB = admin.describeCluster().clusterId().get();
            // another instance of the application (a state-dir of its own) writes B's changelogs up to A's offsets
            int sent = 0;
            try (ModelwatchService other = start(b, dir.resolve("other"))) {
                while (!reached(admin, stored)) {
                    assertTrue(sent < 3000, "B's changelogs did not reach A's offsets: " + stored + " "
                            + endOffsets(admin, stored.keySet()));
                    send(b, "model-b", sent, 50);
                    sent += 50;
                    awaitLabeled(other, "model-b", sent);
                }
            }
            int onB = sent;
            String log = Stderr.tee(() -> {
                try (ModelwatchService service = start(b, state)) {
                    awaitLabeled(service, "model-b", onB);
                    assertEquals(Map.of("model-b", (long) onB), labeled(service), "cluster B's windows alone");
                    awaitRecord(state, clusterB);
                }
            });
            List<String> warnings = log.lines().filter(l -> l.contains("LocalStateGuard")).toList();
            assertEquals(List.of("[main] WARN io.modelwatch.service.LocalStateGuard - the local state in "
                    + state.resolve(APP) + " was kept for Kafka cluster " + clusterA + ", not this one (" + clusterB
                    + "): deleting it, every store is restored from its changelog topic"), warnings, log);
        }
    }

    /**
     * {@code kafka-streams-application-reset.sh} deleted the application's internal topics (here with its input
     * offsets set to the end, {@code --to-latest}); nobody emptied the state-dir. The start-up check finds the
     * recorded changelogs gone and deletes the local state, so neither the old windows come back nor does Kafka
     * Streams first fail its tasks on the state's offsets past the new changelogs' ends (with the old build:
     * OffsetOutOfRangeException and "task is corrupted" warnings, then the same wipe).
     */
    @Test
    void stateKeptForChangelogsSinceDeletedIsDeletedAtTheNextStart(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1); Admin admin = admin(kafka)) {
            createInputs(kafka);
            String cluster = admin.describeCluster().clusterId().get();
            try (ModelwatchService service = start(kafka, state)) {
                send(kafka, "model-a", 0, 100);
                awaitLabeled(service, "model-a", 100);
                awaitRecord(state, cluster);
            }
            List<String> internal = admin.listTopics().names().get().stream()
                    .filter(t -> t.startsWith(APP + "-") && (t.endsWith("-changelog") || t.endsWith("-repartition")))
                    .sorted().toList();
            admin.deleteTopics(internal).all().get();
            List<TopicPartition> inputs = List.of(new TopicPartition("predictions", 0), new TopicPartition("labels", 0));
            Map<TopicPartition, OffsetAndMetadata> latest = endOffsets(admin, inputs).entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> new OffsetAndMetadata(e.getValue())));
            admin.alterConsumerGroupOffsets(APP, latest).all().get();
            awaitDeleted(admin, internal);

            String log = Stderr.tee(() -> {
                try (ModelwatchService service = start(kafka, state)) {
                    send(kafka, "model-b", 0, 30);
                    awaitLabeled(service, "model-b", 30);
                    assertEquals(Map.of("model-b", 30L), labeled(service), "the windows since the reset alone");
                }
            });
            List<String> warnings = log.lines().filter(l -> l.contains("LocalStateGuard")).toList();
            assertEquals(1, warnings.size(), log);
            assertTrue(warnings.get(0).contains(" - the local state in " + state.resolve(APP) + " was kept for changelog "
                    + "topics deleted since (" + APP + "-alert-state-changelog, "), warnings.get(0));
            for (String store : ROCKSDB_CHANGELOGS) {
                assertTrue(warnings.get(0).contains(APP + "-" + store), warnings.get(0));
            }
            assertTrue(log.lines().noneMatch(l -> l.contains("OffsetOutOfRange") || l.contains("corrupted")), log);
        }
    }

    private static ModelwatchService start(EmbeddedKafkaCluster kafka, Path state) throws InterruptedException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MODELWATCH_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("MODELWATCH_APPLICATION_ID", APP);
        env.put("MODELWATCH_STATE_DIR", state.toString());
        env.put("MODELWATCH_WINDOW", "PT1H");
        env.put("MODELWATCH_MAX_LABEL_DELAY", "PT1H");
        env.put("MODELWATCH_UPDATE_INTERVAL", "PT0.2S");
        env.put("MODELWATCH_TOPICS_PARTITIONS", "1");
        env.put("MODELWATCH_HTTP_PORT", "0");
        ModelwatchService service = new ModelwatchService(ModelwatchConfig.load(null, env)).start();
        assertTrue(service.awaitRunning(WAIT), "service did not reach RUNNING");
        return service;
    }

    private static Admin admin(EmbeddedKafkaCluster kafka) {
        return Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
    }

    private static void createInputs(EmbeddedKafkaCluster kafka) {
        kafka.createTopic("predictions", 1, 1);
        kafka.createTopic("labels", 1, 1);
    }

    /** {@code count} labelled predictions of {@code model}, ids from {@code from}, all in the first (open) window. */
    private static void send(EmbeddedKafkaCluster kafka, String model, int from, int count) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(),
                new StringSerializer())) {
            for (int i = from; i < from + count; i++) {
                String id = model + "-" + i;
                long ts = BASE + i * 100L;
                producer.send(new ProducerRecord<>("predictions", id, "{\"prediction_id\":\"" + id
                        + "\",\"model_id\":\"" + model + "\",\"model_version\":\"1\",\"timestamp\":" + ts
                        + ",\"predicted\":\"" + (i % 2) + "\",\"scores\":{\"0\":0.4,\"1\":0.6}}"));
                producer.send(new ProducerRecord<>("labels", id, "{\"prediction_id\":\"" + id + "\",\"label\":\""
                        + (i % 3 == 0 ? 1 : 0) + "\",\"timestamp\":" + (ts + 1) + "}"));
            }
            producer.flush();
        }
    }

    /** Labelled pairs per model in the latest metrics the instance answers with. */
    private static Map<String, Long> labeled(ModelwatchService service) {
        Map<String, Long> out = new TreeMap<>();
        for (JsonNode r : service.view().latestMetrics()) {
            out.merge(r.get("model_id").asText(), r.get("labeled").asLong(), Long::sum);
        }
        return out;
    }

    private static void awaitLabeled(ModelwatchService service, String model, long count) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Map<String, Long> seen = Map.of();
        while (System.nanoTime() < deadline) {
            try {
                seen = labeled(service);
                if (seen.getOrDefault(model, 0L) == count) {
                    return;
                }
            } catch (RuntimeException notQueryableYet) {
                // stores still restoring
            }
            Thread.sleep(100);
        }
        throw new AssertionError(model + " did not reach " + count + " labelled pairs: " + seen);
    }

    /** Waits until the state directory records {@code clusterId} (written once Kafka Streams runs). */
    private static void awaitRecord(Path state, String clusterId) throws InterruptedException {
        Path file = StateOwner.file(state, APP);
        long deadline = System.nanoTime() + WAIT.toNanos();
        Optional<StateOwner> record = Optional.empty();
        while (System.nanoTime() < deadline) {
            record = StateOwner.read(file);
            if (record.isPresent() && record.get().clusterId().equals(clusterId)
                    && record.get().changelogTopics().size() >= ROCKSDB_CHANGELOGS.size()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(file + " does not record cluster " + clusterId + ": " + record);
    }

    private static void awaitDeleted(Admin admin, List<String> topics) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (admin.listTopics().names().get().stream().anyMatch(topics::contains)) {
            assertTrue(System.nanoTime() < deadline, "topics not deleted: " + topics);
            Thread.sleep(100);
        }
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, Collection<TopicPartition> partitions) {
        try {
            Map<TopicPartition, OffsetSpec> request = partitions.stream()
                    .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
            return admin.listOffsets(request).all().get().entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        } catch (Exception notYet) {
            return Map.of();
        }
    }

    private static boolean reached(Admin admin, Map<TopicPartition, Long> stored) {
        Map<TopicPartition, Long> ends = endOffsets(admin, stored.keySet());
        return !ends.isEmpty() && stored.entrySet().stream()
                .allMatch(e -> ends.getOrDefault(e.getKey(), -1L) >= e.getValue());
    }
}
