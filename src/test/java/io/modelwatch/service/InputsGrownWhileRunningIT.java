package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.Stderr;
import io.modelwatch.config.ModelwatchConfig;
import io.modelwatch.embedded.EmbeddedKafkaCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partitions added to the input topics while the service runs: the internal topics keep the old count, so Kafka
 * Streams fails the leader's stream thread at the rebalance that follows, and every replacement the same way. The
 * service stops at the first failure, saying why and what to do, rather than after six failures about 40 s apart.
 */
class InputsGrownWhileRunningIT {

    private static final String APP = "modelwatch-grown-it";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void theServiceStopsAtTheFirstFailureNamingTheWayOut(@TempDir Path dir) throws Exception {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1);
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            kafka.createTopic("predictions", 3, 1);
            kafka.createTopic("labels", 3, 1);
            @SuppressWarnings("unchecked")
            Optional<String>[] why = new Optional[1];
            String log = Stderr.tee(() -> {
                try (ModelwatchService service = new ModelwatchService(ModelwatchConfig.load(null, env(kafka, dir)))
                        .start()) {
                    assertTrue(service.awaitRunning(WAIT), "service did not reach RUNNING");
                    send(kafka, 100);
                    Await.labeled(service, 100, WAIT);
                    admin.createPartitions(Map.of("predictions", NewPartitions.increaseTo(6),
                            "labels", NewPartitions.increaseTo(6))).all().get();
                    long deadline = System.nanoTime() + WAIT.multipliedBy(2).toNanos();
                    while (service.stoppedForGood().isEmpty() && System.nanoTime() < deadline) {
                        Thread.sleep(100);
                    }
                    why[0] = service.stoppedForGood();
                    assertEquals(KafkaStreams.State.ERROR, service.streams().state());
                }
            });
            assertTrue(why[0].isPresent(), "still running after the inputs grew: " + log);
            assertTrue(why[0].get().contains("the input topics have 6 partitions now but this instance and the "
                    + "application's internal topics were made for 3"), why[0].get());
            assertTrue(why[0].get().contains("kafka-streams-application-reset.sh --bootstrap-server "
                    + kafka.bootstrapServers() + " --application-id " + APP + " --input-topics predictions,labels"
                    + " --to-earliest"), why[0].get());
            assertEquals(0, log.lines().filter(l -> l.contains("stream thread failed, replacing it")).count(),
                    "a thread was replaced: " + log);
        }
    }

    private static Map<String, String> env(EmbeddedKafkaCluster kafka, Path dir) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MODELWATCH_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("MODELWATCH_APPLICATION_ID", APP);
        env.put("MODELWATCH_STATE_DIR", dir.toString());
        env.put("MODELWATCH_HTTP_PORT", "0");
        env.put("MODELWATCH_UPDATE_INTERVAL", "PT0.2S");
        // the consumers see the new partitions at their next metadata refresh (5 minutes by default)
        env.put("MODELWATCH_KAFKA_PROPERTY_METADATA_MAX_AGE_MS", "2000");
        return env;
    }

    private static void send(EmbeddedKafkaCluster kafka, int count) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(),
                new StringSerializer())) {
            TestEvents.sendPairs(producer, count, i -> "1");
            producer.flush();
        }
    }
}
