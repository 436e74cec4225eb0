package io.modelwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.alerts.AlertRule;
import io.modelwatch.alerts.Rules;
import io.modelwatch.embedded.EmbeddedKafkaCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rules publish} and {@code rules delete} against a real broker: what lands on the rules topic. */
class RulesCommandIT {

    @Test
    void publishWritesEachValidRuleUnderItsNameAndDeleteATombstone(@TempDir Path dir) throws Exception {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1)) {
            kafka.createTopic("team-rules", 1, 1);
            Path config = Files.writeString(dir.resolve("modelwatch.yaml"), "kafka:\n  bootstrap-servers: "
                    + kafka.bootstrapServers() + "\ntopics:\n  rules: team-rules\n");
            Path rules = Files.writeString(dir.resolve("rules.yaml"), """
                    rules:
                      - {name: f1-floor, models: ["fraud*"], metric: f1, below: 0.8, for_windows: 2}
                      - {name: coverage, models: ["*"], metric: label_coverage, below: 0.5, enabled: false}
                    """);
            Path invalid = Files.writeString(dir.resolve("invalid.yaml"), """
                    rules:
                      - {name: ok, models: ["*"], metric: f1, below: 0.8}
                      - {name: bad, models: ["*"], metric: f1, below: 8}
                    """);

            String[] refused = RulesCommandTest.run("rules", "publish", invalid.toString(), "--config", config.toString());
            assertEquals("2", refused[0]);
            assertTrue(refused[2].contains("bad"), refused[2]);

            String[] published = RulesCommandTest.run("rules", "publish", rules.toString(), "--config",
                    config.toString());
            assertEquals("0", published[0], published[2]);
            assertTrue(published[1].contains("published f1-floor to team-rules"), published[1]);
            // the topic was made with the broker's defaults: its rules would go with its retention, said as the
            // service says it at start-up
            assertTrue(published[2].contains("warning: rules topic team-rules has cleanup.policy=delete, not compact"),
                    published[2]);
            String[] deleted = RulesCommandTest.run("rules", "delete", "coverage", "never-published", "--config",
                    config.toString());
            assertEquals("0", deleted[0], deleted[2]);
            assertTrue(deleted[1].contains("deleted coverage from team-rules"), deleted[1]);
            assertTrue(deleted[1].contains("never-published: no value on team-rules, nothing to delete"), deleted[1]);
            String[] again = RulesCommandTest.run("rules", "delete", "coverage", "--config", config.toString());
            assertEquals("0", again[0], again[2]);
            assertTrue(again[1].contains("coverage: no value on team-rules"), "a tombstone is no value: " + again[1]);

            List<ConsumerRecord<String, String>> records = readAll(kafka.bootstrapServers(), "team-rules", 3);
            assertEquals(List.of("f1-floor", "coverage", "coverage"), records.stream().map(ConsumerRecord::key).toList(),
                    "nothing of the invalid file, then the two rules, then the tombstone");
            List<AlertRule> expected = Rules.load(rules);
            for (int i = 0; i < 2; i++) {
                AlertRule onTopic = Rules.parseJson(records.get(i).key(), records.get(i).value());
                assertEquals(expected.get(i), onTopic, "the topic's value reads back as the file's rule");
            }
            assertNull(records.get(2).value(), "a tombstone");
            assertEquals(3, endOffset(kafka.bootstrapServers(), "team-rules"), "no tombstone for a name not on the topic");

            // a compacted rules topic: no warning
            kafka.createTopic("compacted-rules", 1, 1, java.util.Map.of("cleanup.policy", "compact"));
            Path compacted = Files.writeString(dir.resolve("compacted.yaml"), "kafka:\n  bootstrap-servers: "
                    + kafka.bootstrapServers() + "\ntopics:\n  rules: compacted-rules\n");
            String[] quiet = RulesCommandTest.run("rules", "publish", rules.toString(), "--config", compacted.toString());
            assertEquals("0", quiet[0], quiet[2]);
            assertTrue(!quiet[2].contains("warning"), quiet[2]);

            // a rules topic that does not exist is said so, and not made (a broker's auto-creation would not compact it)
            Path elsewhere = Files.writeString(dir.resolve("elsewhere.yaml"), "kafka:\n  bootstrap-servers: "
                    + kafka.bootstrapServers() + "\ntopics:\n  rules: no-such-rules\n");
            String[] missing = RulesCommandTest.run("rules", "publish", rules.toString(), "--config",
                    elsewhere.toString());
            assertEquals("1", missing[0]);
            assertTrue(missing[2].contains("modelwatch rules publish: the rules topic no-such-rules (topics.rules) does"
                    + " not exist"), missing[2]);
            try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                    java.util.Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
                assertTrue(!admin.listTopics().names().get().contains("no-such-rules"), "not created");
            }
        }
    }

    private static long endOffset(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(),
                new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            return c.endOffsets(List.of(tp)).get(tp);
        }
    }

    private static List<ConsumerRecord<String, String>> readAll(String bootstrap, String topic, int n) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(),
                new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < n && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
