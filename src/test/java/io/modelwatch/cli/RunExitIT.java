package io.modelwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.Stderr;
import io.modelwatch.embedded.EmbeddedKafkaCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * `run` ends, with status 1 and a line at ERROR saying why, once Kafka Streams stops for good on its own: before,
 * the process lived on with {@code /health} DOWN, which nothing restarts under compose's restart policy or a
 * plain systemd unit. The failure is one that comes back on every try: a dead letter larger than a dead-letter
 * topic made too small by someone else is refused by the broker, which fails the stream thread and each
 * replacement on the same record, until {@code StreamThreadFailures} stops Kafka Streams (ERROR).
 */
class RunExitIT {

    @Test
    void runExitsWithOneWhenKafkaStreamsStopsForGood(@TempDir Path dir) throws Exception {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1)) {
            kafka.createTopic("exit-predictions", 1, 1);
            kafka.createTopic("exit-labels", 1, 1);
            kafka.createTopic("exit-dlq", 1, 1, Map.of("max.message.bytes", "1000"));
            Path config = Files.writeString(dir.resolve("modelwatch.yaml"), String.join("\n",
                    "kafka:",
                    "  bootstrap-servers: " + kafka.bootstrapServers(),
                    "  properties:",
                    // a replaced thread's group member is dropped after this (45 s by default), not at once
                    "    session.timeout.ms: 6000",
                    "application-id: modelwatch-run-exit-it",
                    "state-dir: " + dir.resolve("state"),
                    "topics:",
                    "  predictions: exit-predictions",
                    "  labels: exit-labels",
                    "  metrics: exit-metrics",
                    "  dead-letter: exit-dlq",
                    "  alerts: exit-alerts",
                    "  rules: exit-rules",
                    "  partitions: 1",
                    "http:",
                    "  port: 0",
                    ""));
            try (KafkaProducer<String, String> producer = producer(kafka.bootstrapServers())) {
                // not JSON: a dead letter of about 3 kB, refused by the 1000-byte topic
                producer.send(new ProducerRecord<>("exit-predictions", "bad", "not json " + "x".repeat(3000))).get();
            }
            String log = Stderr.tee(() -> {
                ExecutorService main = Executors.newSingleThreadExecutor();
                try {
                    Future<Integer> run = main.submit(() -> new CommandLine(new Main()).execute("run", "--config",
                            config.toString()));
                    assertEquals(1, run.get(3, TimeUnit.MINUTES), "exit status of run"); // before: it never returned
                } finally {
                    main.shutdownNow();
                }
            });
            assertTrue(log.contains("ERROR io.modelwatch.service.ModelwatchService - closing, and exiting with status 1 "
                    + "to be restarted: Kafka Streams stopped for good (ERROR) without a shutdown asked for; last "
                    + "stream-thread failure: org.apache.kafka.streams.errors.StreamsException: Error encountered "
                    + "sending record to topic exit-dlq"), log);
        }
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }
}
