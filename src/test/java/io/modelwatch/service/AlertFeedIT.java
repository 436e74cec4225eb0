package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.modelwatch.embedded.EmbeddedKafkaCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The alert feed on a real broker, the alerts written in transactions as the topology writes them: it catches
 * up although the topic ends with transaction markers and an aborted record (no record to read at the end
 * offset), and reads a partition added to the topic while it runs.
 */
class AlertFeedIT {

    static final String TOPIC = "feed-alerts";

    @Test
    void catchesUpPastTransactionMarkersAndReadsAPartitionAddedLater() throws Exception {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1)) {
            kafka.createTopic(TOPIC, 1, 1, Map.of("cleanup.policy", "compact"));
            try (KafkaProducer<String, String> producer = producer(kafka.bootstrapServers())) {
                producer.initTransactions();
                write(producer, 0, "fraud", "FIRING", true);
                write(producer, 0, "retired", "FIRING", false); // aborted: never read
                Properties client = new Properties();
                client.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
                try (AlertFeed feed = new AlertFeed(AlertFeed.newConsumer(client, Duration.ofMillis(500)), TOPIC,
                        Duration.ofMillis(100))
                        .start()) {
                    await(feed::caughtUp, "the feed caught up with a topic ending in an abort marker");
                    assertEquals(List.of("fraud"), firingModels(feed));

                    try (Admin admin = Admin.create(client)) {
                        admin.createPartitions(Map.of(TOPIC, NewPartitions.increaseTo(2))).all().get();
                    }
                    write(producer, 1, "churn", "FIRING", true);
                    await(() -> firingModels(feed).contains("churn"), "the alert on the added partition");
                    assertEquals(List.of("churn", "fraud"), firingModels(feed).stream().sorted().toList());
                }
            }
        }
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "alert-feed-it");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static void write(KafkaProducer<String, String> producer, int partition, String model, String state,
                              boolean commit) throws Exception {
        producer.beginTransaction();
        String key = "{\"rule\":\"f1-floor\",\"model_id\":\"" + model + "\",\"model_version\":\"v1\",\"slice\":null}";
        String value = "{\"rule\":\"f1-floor\",\"model_id\":\"" + model + "\",\"model_version\":\"v1\",\"slice\":null,"
                + "\"state\":\"" + state + "\",\"timestamp\":1000}";
        producer.send(new ProducerRecord<>(TOPIC, partition, key, value)).get();
        if (commit) {
            producer.commitTransaction();
        } else {
            producer.abortTransaction();
        }
    }

    private static List<String> firingModels(AlertFeed feed) {
        return feed.alerts().stream().filter(a -> "FIRING".equals(a.path("state").asText()))
                .map(a -> a.path("model_id").asText()).toList();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(50);
        }
    }
}
