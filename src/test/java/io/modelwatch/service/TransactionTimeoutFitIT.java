package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.Stderr;
import io.modelwatch.config.ModelwatchConfig;
import io.modelwatch.embedded.EmbeddedKafkaCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster whose brokers allow transactions of at most 30 s, less than the exactly-once producers' default (the
 * session timeout + 15 s, 60 s): the default is lowered to it, with a warning, and the service runs; a value
 * {@code kafka.properties} sets above it refuses the start, naming both (before, every stream thread was refused
 * in turn and the instance stopped).
 */
class TransactionTimeoutFitIT {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static EmbeddedKafkaCluster kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafkaCluster.start(1, Map.of(TransactionTimeoutFit.BROKER_MAX, 30_000));
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    private static Map<String, String> env(Path dir, String app) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MODELWATCH_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("MODELWATCH_APPLICATION_ID", app);
        env.put("MODELWATCH_STATE_DIR", dir.resolve("state").toString());
        env.put("MODELWATCH_HTTP_PORT", "0");
        env.put("MODELWATCH_UPDATE_INTERVAL", "PT0.2S");
        env.put("MODELWATCH_TOPICS_PREDICTIONS", app + "-predictions");
        env.put("MODELWATCH_TOPICS_LABELS", app + "-labels");
        return env;
    }

    @Test
    void theDefaultIsLoweredToTheBrokersMaximumAndTheServiceRuns(@TempDir Path dir) throws Exception {
        String log = Stderr.tee(() -> {
            try (ModelwatchService service = new ModelwatchService(ModelwatchConfig.load(null,
                    env(dir, "mw-txfit"))).start()) {
                assertTrue(service.awaitRunning(WAIT), "service did not reach RUNNING");
                Map<String, Object> p = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
                try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(),
                        new StringSerializer())) {
                    TestEvents.sendPairs(producer, 40, i -> Integer.toString(i % 2), "mw-txfit-");
                }
                Await.labeled(service, 40, WAIT); // exactly-once commits went through
            }
        });
        assertTrue(log.contains("the brokers allow transactions of at most 30000 ms (transaction.max.timeout.ms)"),
                "the lowered default is said");
        assertTrue(log.lines().noneMatch(l -> l.contains("InvalidTxnTimeoutException")
                || l.contains("stream thread failed")), "no producer refused");
    }

    @Test
    void aTimeoutSetAboveTheBrokersMaximumRefusesTheStart(@TempDir Path dir) throws Exception {
        Map<String, String> env = env(dir, "mw-txfit-set");
        env.put(ModelwatchConfig.kafkaPropertyEnvName("transaction.timeout.ms"), "45000");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new ModelwatchService(ModelwatchConfig.load(null, env)).close());
        assertEquals("kafka.properties sets transaction.timeout.ms 45000 but the brokers allow transactions of at "
                + "most 30000 ms (their transaction.max.timeout.ms): the exactly-once producers would be refused at "
                + "their start; set it to at most 30000", e.getMessage());
    }
}
