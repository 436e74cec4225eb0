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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * State restoration when an instance is lost: two instances share the work, one stops mid-stream without
 * leaving the group (as a crashed one would), and the survivor takes over every task, restoring their
 * state from the changelogs (no standby) or promoting its warm standby copies ({@code standby-replicas: 1}). The time until the survivor runs
 * every task is measured and printed ({@code RESTORATION ...} line; a measurement, not an assertion);
 * what is asserted is that the final metrics still equal the reference.
 */
class RestorationIT {

    private static final int PARTITIONS = 4;
    private static final int WINDOWS = 4;

    @ParameterizedTest(name = "standby-replicas {0}")
    @ValueSource(ints = {0, 1})
    void theSurvivorTakesOverEveryTask(int standbys, @TempDir Path dir) throws Exception {
        // the lost instance does not leave the group (as after a crash): noticed by the session timeout
        takeOver("modelwatch-restoration-it-" + standbys, standbys, false, null, Duration.ofMinutes(3), dir);
    }

    /**
     * A clean stop leaves the group ({@code leave-group-on-stop}, the default): the survivor takes over at
     * once. The session timeout is two minutes here, longer than the wait, so only the leave can explain
     * the takeover.
     */
    @Test
    void aCleanStopHandsOverWithoutWaitingForTheSessionTimeout(@TempDir Path dir) throws Exception {
        takeOver("modelwatch-restoration-it-stop", 0, true, "120000", Duration.ofSeconds(60), dir);
    }

    private void takeOver(String appId, int standbys, boolean leaveOnStop, String sessionTimeoutMs,
                          Duration takeoverTimeout, Path dir) throws Exception {
        GoldenKafka.Golden golden = GoldenKafka.Golden.firstWindows(WINDOWS);
        List<List<Event>> chunks = GoldenKafka.chunks(golden.events());
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1);
             Admin admin = GoldenKafka.admin(kafka.bootstrapServers());
             KafkaProducer<byte[], byte[]> producer = GoldenKafka.producer(kafka.bootstrapServers())) {
            kafka.createTopic(GoldenKafka.PREDICTIONS, PARTITIONS, 1);
            kafka.createTopic(GoldenKafka.LABELS, PARTITIONS, 1);
            ModelwatchService a = start(kafka, appId, dir.resolve("a"), standbys, true, sessionTimeoutMs);
            ModelwatchService b = start(kafka, appId, dir.resolve("b"), standbys, leaveOnStop, sessionTimeoutMs);
            try {
                awaitTasks(b, t -> !t.isEmpty(), Duration.ofSeconds(90));
                int half = chunks.size() / 2;
                for (List<Event> chunk : chunks.subList(0, half)) {
                    GoldenKafka.send(producer, chunk);
                    GoldenKafka.awaitConsumed(admin, appId, List.of(GoldenKafka.PREDICTIONS, GoldenKafka.LABELS),
                            Duration.ofMinutes(2), null);
                }
                Thread.sleep(3_000); // standbys catch up with the changelogs
                long changelogRecords = changelogRecords(admin, appId);
                Set<String> bTasks = activeTasks(b);

                long lost = System.nanoTime();
                b.close();
                rebalanceSeen = 0;
                Set<String> all = awaitTasks(a, t -> t.containsAll(bTasks), takeoverTimeout);
                long done = System.nanoTime();
                long tookMs = (done - lost) / 1_000_000;
                long afterRebalanceMs = rebalanceSeen == 0 ? -1 : (done - rebalanceSeen) / 1_000_000;
                System.out.printf("RESTORATION standby_replicas=%d left_group=%b took_ms=%d after_rebalance_began_ms=%d "
                        + "tasks_moved=%d changelog_records=%d%n", standbys, leaveOnStop, tookMs, afterRebalanceMs,
                        bTasks.size(), changelogRecords);
                log("standby %d, left group %b: survivor runs all %d tasks %d ms after the stop, %d ms after its "
                        + "rebalance began (%d moved, %d changelog records)", standbys, leaveOnStop, all.size(), tookMs,
                        afterRebalanceMs, bTasks.size(), changelogRecords);

                for (List<Event> chunk : chunks.subList(half, chunks.size())) {
                    GoldenKafka.send(producer, chunk);
                }
                GoldenKafka.awaitConsumed(admin, appId, List.of(GoldenKafka.PREDICTIONS, GoldenKafka.LABELS),
                        Duration.ofMinutes(2), null);
                GoldenKafka.sendClockEvents(producer, PARTITIONS, GoldenKafka.clockTime(golden.lastTimestamp()));
                List<JsonNode> finals = GoldenKafka.readFinals(kafka.bootstrapServers(), golden.expectedFinals(),
                        Duration.ofMinutes(2), Duration.ofSeconds(2));
                golden.assertMatches(finals);
                assertEquals(KafkaStreams.State.RUNNING, a.streams().state(), "the survivor still runs");
                GoldenKafka.assertNothingLate("survivor", a.counters());
            } finally {
                b.close();
                a.close();
            }
        }
    }

    private static ModelwatchService start(EmbeddedKafkaCluster kafka, String appId, Path state, int standbys,
                                           boolean leaveOnStop, String sessionTimeoutMs) throws InterruptedException {
        Map<String, String> env = io.modelwatch.GoldenResources.serviceEnv(kafka.bootstrapServers(), appId, state, PARTITIONS);
        env.put("MODELWATCH_STANDBY_REPLICAS", Integer.toString(standbys));
        env.put("MODELWATCH_LEAVE_GROUP_ON_STOP", Boolean.toString(leaveOnStop));
        if (sessionTimeoutMs != null) {
            env.put("MODELWATCH_KAFKA_PROPERTY_SESSION_TIMEOUT_MS", sessionTimeoutMs);
        }
        ModelwatchService s = new ModelwatchService(ModelwatchConfig.load(null, env)).start();
        assertTrue(s.awaitRunning(Duration.ofSeconds(60)), "service did not reach RUNNING");
        return s;
    }

    private static Set<String> activeTasks(ModelwatchService s) {
        Set<String> out = new HashSet<>();
        for (ThreadMetadata t : s.streams().metadataForLocalThreads()) {
            for (TaskMetadata task : t.activeTasks()) {
                out.add(task.taskId().toString());
            }
        }
        return out;
    }

    /** When the survivor was first seen leaving RUNNING (its rebalance began), System.nanoTime(). */
    private static volatile long rebalanceSeen;

    /** Waits until the instance runs and its active tasks satisfy {@code done}; returns them. */
    private static Set<String> awaitTasks(ModelwatchService s, java.util.function.Predicate<Set<String>> done,
                                          Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> tasks = Set.of();
        while (System.nanoTime() < deadline) {
            KafkaStreams.State state = s.streams().state();
            if (state != KafkaStreams.State.RUNNING && rebalanceSeen == 0) {
                rebalanceSeen = System.nanoTime();
            }
            if (state == KafkaStreams.State.RUNNING) {
                tasks = activeTasks(s);
                if (done.test(tasks)) {
                    return tasks;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("tasks not taken over within " + timeout + ": " + s.streams().state() + " " + tasks);
    }

    private static long changelogRecords(Admin admin, String appId) throws Exception {
        Set<String> topics = admin.listTopics().names().get().stream()
                .filter(t -> t.startsWith(appId) && t.endsWith("-changelog")).collect(Collectors.toSet());
        Map<TopicPartition, OffsetSpec> request = new java.util.HashMap<>();
        admin.describeTopics(topics).allTopicNames().get().forEach((name, d) ->
                d.partitions().forEach(p -> request.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
        return admin.listOffsets(request).all().get().values().stream().mapToLong(i -> i.offset()).sum();
    }
}
