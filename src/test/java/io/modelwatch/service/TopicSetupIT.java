package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.config.ModelwatchConfig;
import io.modelwatch.embedded.EmbeddedKafkaCluster;
import io.modelwatch.ingest.DeadLetters;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Start-up against a real broker when the input topics no longer have the partition count the application's
 * internal topics were made with (partitions added to the inputs): a clear refusal, not stream threads that
 * fail at every rebalance. The dead-letter topic: made to take the largest dead letter, or, made by someone
 * else too small, left as it is with a warning.
 */
class TopicSetupIT {

    private static EmbeddedKafkaCluster kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafkaCluster.start(1);
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @Test
    void inputsWithMorePartitionsThanTheInternalTopicsAreRefusedWithTheWayOut() {
        ModelwatchConfig config = config("grown", "grown-predictions", "grown-labels");
        kafka.createTopic("grown-predictions", 6, 1);
        kafka.createTopic("grown-labels", 6, 1);
        // made by a first start with 3 input partitions
        kafka.createTopic("grown-app-join-input-repartition", 3, 1);
        kafka.createTopic("grown-app-join-pending-changelog", 3, 1);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TopicSetup.prepare(config, admin()));
        assertTrue(e.getMessage().contains("has 3 partitions but the input topics have 6"), e.getMessage());
        // a command to copy: this cluster, this application, its input topics
        assertTrue(e.getMessage().contains("kafka-streams-application-reset.sh --bootstrap-server "
                + config.bootstrapServers() + " --application-id grown-app --input-topics grown-predictions,grown-labels"
                + " --to-earliest"), e.getMessage());
    }

    @Test
    void internalTopicsPartitionedAsTheInputsPass() {
        ModelwatchConfig config = config("same", "same-predictions", "same-labels");
        kafka.createTopic("same-predictions", 3, 1);
        kafka.createTopic("same-labels", 3, 1);
        for (String internal : TopicSetup.partitionedAsTheInputs("same-app")) {
            kafka.createTopic(internal, 3, 1);
        }
        assertEquals(3, TopicSetup.prepare(config, admin()));
    }

    /**
     * With {@code repartition-inputs: false} a missing input is made with the other input's count (they must be
     * co-partitioned), not with {@code topics.partitions}, which the check right after would refuse at every start.
     */
    @Test
    void aMissingCoPartitionedInputIsMadeWithTheOtherInputsCount() throws Exception {
        kafka.createTopic("copart-predictions", 3, 1);
        ModelwatchConfig config = ModelwatchConfig.load(null, Map.of(
                "MODELWATCH_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "MODELWATCH_APPLICATION_ID", "copart-app",
                "MODELWATCH_REPARTITION_INPUTS", "false",
                "MODELWATCH_TOPICS_PARTITIONS", "6",
                "MODELWATCH_TOPICS_PREDICTIONS", "copart-predictions",
                "MODELWATCH_TOPICS_LABELS", "copart-labels",
                "MODELWATCH_TOPICS_METRICS", "copart-metrics",
                "MODELWATCH_TOPICS_DEAD_LETTER", "copart-dlq",
                "MODELWATCH_TOPICS_ALERTS", "copart-alerts",
                "MODELWATCH_TOPICS_RULES", "copart-rules"));
        assertEquals(3, TopicSetup.prepare(config, admin()));
        try (Admin admin = Admin.create(admin())) {
            var described = admin.describeTopics(List.of("copart-labels", "copart-metrics")).allTopicNames().get();
            assertEquals(3, described.get("copart-labels").partitions().size(), "as the predictions");
            assertEquals(6, described.get("copart-metrics").partitions().size(), "topics.partitions");
        }
    }

    @Test
    void theDeadLetterTopicIsMadeForTheLargestDeadLetter() throws Exception {
        ModelwatchConfig config = config("made", "made-predictions", "made-labels");
        kafka.createTopic("made-predictions", 1, 1);
        kafka.createTopic("made-labels", 1, 1);
        TopicSetup.prepare(config, admin());
        int needed = DeadLetters.topicMaxMessageBytes(config.topology().limits().maxRecordBytes());
        assertEquals(Integer.toString(needed), maxMessageBytes("made-dlq"));
        try (Admin admin = Admin.create(admin())) {
            assertEquals(Optional.empty(), TopicSetup.deadLetterTopicTooSmall(admin, config));
        }
    }

    @Test
    void aDeadLetterTopicMadeTooSmallBySomeoneElseIsLeftAsItIsWithAWarning() throws Exception {
        ModelwatchConfig config = config("small", "small-predictions", "small-labels");
        kafka.createTopic("small-predictions", 1, 1);
        kafka.createTopic("small-labels", 1, 1);
        kafka.createTopic("small-dlq", 1, 1, Map.of("max.message.bytes", "500000"));
        TopicSetup.prepare(config, admin());
        assertEquals("500000", maxMessageBytes("small-dlq"), "not altered");
        int needed = DeadLetters.topicMaxMessageBytes(config.topology().limits().maxRecordBytes());
        try (Admin admin = Admin.create(admin())) {
            String warning = TopicSetup.deadLetterTopicTooSmall(admin, config).orElseThrow();
            assertTrue(warning.contains("small-dlq") && warning.contains("500000") && warning.contains(Integer.toString(needed)),
                    warning);
        }
    }

    /** A rules topic made uncompacted (a broker's auto-creation at a first console producer) gets a warning. */
    @Test
    void aRulesTopicThatIsNotCompactedIsLeftAsItIsWithAWarning() throws Exception {
        ModelwatchConfig config = config("loose", "loose-predictions", "loose-labels");
        kafka.createTopic("loose-predictions", 1, 1);
        kafka.createTopic("loose-labels", 1, 1);
        kafka.createTopic("loose-rules", 1, 1);
        TopicSetup.prepare(config, admin());
        try (Admin admin = Admin.create(admin())) {
            String warning = TopicSetup.rulesTopicNotCompacted(admin, config).orElseThrow();
            assertTrue(warning.contains("loose-rules") && warning.contains("cleanup.policy=delete"), warning);
        }
        ModelwatchConfig tight = config("tight", "tight-predictions", "tight-labels");
        kafka.createTopic("tight-predictions", 1, 1);
        kafka.createTopic("tight-labels", 1, 1);
        TopicSetup.prepare(tight, admin()); // makes tight-rules
        try (Admin admin = Admin.create(admin())) {
            assertTrue(admin.listTopics().names().get().contains("tight-rules"));
            assertEquals(Optional.empty(), TopicSetup.rulesTopicNotCompacted(admin, tight), "the one it made");
        }
    }

    /**
     * An alerts topic that does not compact alone (compact,delete deletes by retention too) loses long FIRING
     * episodes from a restarted feed: left as it is, with a warning.
     */
    @Test
    void anAlertsTopicThatDoesNotCompactAloneIsLeftAsItIsWithAWarning() throws Exception {
        ModelwatchConfig config = config("lossy", "lossy-predictions", "lossy-labels");
        kafka.createTopic("lossy-predictions", 1, 1);
        kafka.createTopic("lossy-labels", 1, 1);
        kafka.createTopic("lossy-alerts", 1, 1);
        kafka.createTopic("both-alerts", 1, 1, Map.of("cleanup.policy", "compact,delete"));
        TopicSetup.prepare(config, admin());
        assertEquals("delete", cleanupPolicy("lossy-alerts"), "not altered");
        ModelwatchConfig made = config("kept", "kept-predictions", "kept-labels");
        kafka.createTopic("kept-predictions", 1, 1);
        kafka.createTopic("kept-labels", 1, 1);
        TopicSetup.prepare(made, admin()); // makes kept-alerts
        try (Admin admin = Admin.create(admin())) {
            String warning = TopicSetup.alertsTopicNotCompacted(admin, "lossy-alerts").orElseThrow();
            assertTrue(warning.contains("lossy-alerts") && warning.contains("cleanup.policy=delete"), warning);
            assertEquals(Optional.empty(), TopicSetup.alertsTopicNotCompacted(admin, "kept-alerts"), "the one it made");
            assertTrue(TopicSetup.alertsTopicNotCompacted(admin, "both-alerts").orElseThrow()
                    .contains("cleanup.policy=compact,delete"));
        }
    }

    private static String cleanupPolicy(String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = Admin.create(admin())) {
            return admin.describeConfigs(List.of(resource)).all().get().get(resource).get("cleanup.policy").value();
        }
    }

    private static String maxMessageBytes(String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = Admin.create(admin())) {
            return admin.describeConfigs(List.of(resource)).all().get().get(resource).get("max.message.bytes").value();
        }
    }

    private static ModelwatchConfig config(String prefix, String predictions, String labels) {
        return ModelwatchConfig.load(null, Map.of("MODELWATCH_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "MODELWATCH_APPLICATION_ID", prefix + "-app", "MODELWATCH_TOPICS_PREDICTIONS", predictions,
                "MODELWATCH_TOPICS_LABELS", labels, "MODELWATCH_TOPICS_METRICS", prefix + "-metrics",
                "MODELWATCH_TOPICS_DEAD_LETTER", prefix + "-dlq", "MODELWATCH_TOPICS_ALERTS", prefix + "-alerts",
                "MODELWATCH_TOPICS_RULES", prefix + "-rules"));
    }

    private static Properties admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return p;
    }
}
