package io.modelwatch.reliability;

import static io.modelwatch.reliability.GoldenKafka.log;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.config.ModelwatchConfig;
import io.modelwatch.embedded.EmbeddedKafkaCluster;
import io.modelwatch.reliability.GoldenKafka.Event;
import io.modelwatch.service.ModelwatchService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly once through the loss of a broker: a three-node KRaft cluster (every node broker and
 * controller), every topic with replication factor 3 and {@code min.insync.replicas} 2 (the input
 * topics, the service's own topics and Kafka Streams' internal topics, through
 * {@code MODELWATCH_TOPICS_REPLICATION_FACTOR=3}), exactly_once_v2. The node that coordinates the
 * application's consumer group is stopped in the middle of a chunk, stays down for more than a
 * chunk while the stream goes on (two replicas remain, enough for acks=all), and is restarted in
 * the middle of a later chunk. The final metrics must equal the reference, one final per window.
 */
class BrokerFailoverIT {

    private static final int PARTITIONS = 3;
    private static final String APP_ID = "modelwatch-broker-failover-it";
    /** The predictions of the reference stream's first four windows, to keep CI time. */
    private static final int WINDOWS = 4;

    @Test
    void brokerStoppedAndRestartedMidStreamLosesNothing(@TempDir Path dir) throws Exception {
        long t0 = System.nanoTime();
        GoldenKafka.Golden golden = GoldenKafka.Golden.firstWindows(WINDOWS);
        List<List<Event>> chunks = GoldenKafka.chunks(golden.events());
        log("BrokerFailoverIT: %d events in %d chunks, %d final records expected", golden.events().size(),
                chunks.size(), golden.expectedFinals());
        assertTrue(chunks.size() >= 10, "the test needs at least ten chunks, got " + chunks.size());
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(3);
             Admin admin = GoldenKafka.admin(kafka.bootstrapServers());
             KafkaProducer<byte[], byte[]> producer = GoldenKafka.producer(kafka.bootstrapServers())) {
            Map<String, String> minIsr = Map.of("min.insync.replicas", "2");
            kafka.createTopic(GoldenKafka.PREDICTIONS, PARTITIONS, 3, minIsr);
            kafka.createTopic(GoldenKafka.LABELS, PARTITIONS, 3, minIsr);
            log("cluster of 3 up");
            Map<String, String> env = io.modelwatch.GoldenResources.serviceEnv(kafka.bootstrapServers(), APP_ID, dir.resolve("state"),
                    PARTITIONS);
            env.put("MODELWATCH_TOPICS_REPLICATION_FACTOR", "3");
            try (ModelwatchService service = new ModelwatchService(ModelwatchConfig.load(null, env)).start()) {
                assertTrue(service.awaitRunning(Duration.ofSeconds(60)), "service did not reach RUNNING");
                log("service running");
                assertReplicated(admin);
                int stopped = -1;
                for (int i = 0; i < chunks.size(); i++) {
                    List<Event> chunk = chunks.get(i);
                    List<Event> first = chunk.subList(0, chunk.size() / 2);
                    List<Event> second = chunk.subList(chunk.size() / 2, chunk.size());
                    if (i == 2) {
                        GoldenKafka.send(producer, first);
                        stopped = groupCoordinator(admin);
                        kafka.stopBroker(stopped);
                        log("node %d (the group coordinator) stopped mid-chunk", stopped);
                        GoldenKafka.send(producer, second);
                    } else if (i == 5) {
                        GoldenKafka.send(producer, first);
                        kafka.restartBroker(stopped);
                        log("node %d restarted mid-chunk", stopped);
                        GoldenKafka.send(producer, second);
                    } else {
                        GoldenKafka.send(producer, chunk);
                    }
                    GoldenKafka.awaitConsumed(admin, APP_ID, List.of(GoldenKafka.PREDICTIONS, GoldenKafka.LABELS),
                            Duration.ofMinutes(2), null);
                    log("chunk %d of %d (%d events) consumed", i + 1, chunks.size(), chunk.size());
                }
                for (String topic : List.of(GoldenKafka.PREDICTIONS, GoldenKafka.LABELS, GoldenKafka.METRICS)) {
                    kafka.awaitInSyncReplicas(topic, Duration.ofSeconds(60));
                }
                GoldenKafka.sendClockEvents(producer, PARTITIONS, GoldenKafka.clockTime(golden.lastTimestamp()));
                List<JsonNode> finals = GoldenKafka.readFinals(kafka.bootstrapServers(), golden.expectedFinals(),
                        Duration.ofMinutes(2), Duration.ofSeconds(2));
                golden.assertMatches(finals);
                assertEquals(KafkaStreams.State.RUNNING, service.streams().state(), "the service still runs");
                GoldenKafka.assertNothingLate("service", service.counters());
                assertEquals(List.of(), kafka.fatalFaults(), "no broker hit a fatal fault");
            }
        }
        log("BrokerFailoverIT passed in %.1f s", (System.nanoTime() - t0) / 1e9);
    }

    /** Every topic of the application, internal ones included, has three replicas. */
    private static void assertReplicated(Admin admin) throws Exception {
        List<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                .filter(t -> !t.startsWith("__")).sorted().toList();
        Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
        assertTrue(topics.stream().anyMatch(t -> t.startsWith(APP_ID + "-")), "internal topics exist: " + topics);
        for (TopicDescription d : described.values()) {
            d.partitions().forEach(p -> assertEquals(3, p.replicas().size(), d.name() + " replicas"));
        }
        log("all %d topics have three replicas", topics.size());
    }

    private static int groupCoordinator(Admin admin) throws Exception {
        return admin.describeConsumerGroups(List.of(APP_ID)).all().get(30, TimeUnit.SECONDS).get(APP_ID)
                .coordinator().id();
    }
}
