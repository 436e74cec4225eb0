package io.modelwatch.reliability;

import static io.modelwatch.reliability.GoldenKafka.log;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.config.ModelwatchConfig;
import io.modelwatch.embedded.EmbeddedKafkaCluster;
import io.modelwatch.reliability.GoldenKafka.Event;
import io.modelwatch.service.ModelwatchService;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly once through hard crashes: two instances of the service share the work on a one-broker
 * cluster with exactly_once_v2; one runs in a separate JVM ({@code modelwatch run}) and is killed
 * with SIGKILL (no clean close, open transactions left behind) three times mid-stream and
 * restarted. The final metrics must still equal the reference, with exactly one final record per
 * window, and the surviving in-process instance must keep answering interactive queries while the
 * other is dead.
 *
 * <p>The three kills differ: (1) mid-chunk, the survivor takes over after the session timeout and
 * processes on alone before the victim comes back; (2) right after a chunk was produced, restarted
 * at once (the new process, with the same state directory and so the same transactional ids, fences
 * its zombie); (3) mid-chunk while the first windows close and their final records are emitted.
 * Which records are in flight at each kill depends on timing; the outcome must not.
 */
class FailoverIT {

    private static final int PARTITIONS = 4;
    /** The predictions of the reference stream's first four windows (about a third of it), to keep CI time. */
    private static final int WINDOWS = 4;
    private static final String APP_ID = "modelwatch-failover-it";
    private static final Set<String> MODEL_VERSIONS = Set.of("fraud/v1", "fraud/v2", "intent/2026.11");

    @Test
    void killedInstanceLosesNothingAndCountsNothingTwice(@TempDir Path dir) throws Exception {
        long t0 = System.nanoTime();
        GoldenKafka.Golden golden = GoldenKafka.Golden.firstWindows(WINDOWS);
        List<List<Event>> chunks = GoldenKafka.chunks(golden.events());
        log("FailoverIT: %d events in %d chunks, %d final records expected", golden.events().size(), chunks.size(),
                golden.expectedFinals());
        assertTrue(chunks.size() >= 10, "the test needs at least ten chunks, got " + chunks.size());
        // a broker that aborts a dead instance's open transaction quickly (default: checked every 10 s)
        Map<String, Object> broker = Map.of("transaction.abort.timed.out.transaction.cleanup.interval.ms", 1000,
                "group.min.session.timeout.ms", 2000);
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1, broker);
             Admin admin = GoldenKafka.admin(kafka.bootstrapServers());
             KafkaProducer<byte[], byte[]> producer = GoldenKafka.producer(kafka.bootstrapServers())) {
            kafka.createTopic(GoldenKafka.PREDICTIONS, PARTITIONS, 1);
            kafka.createTopic(GoldenKafka.LABELS, PARTITIONS, 1);
            log("cluster up");
            Map<String, String> envA = env(kafka.bootstrapServers(), dir.resolve("state-a"));
            Map<String, String> envB = env(kafka.bootstrapServers(), dir.resolve("state-b"));
            ChildService b = new ChildService(envB, dir.resolve("instance-b.log"));
            try (ModelwatchService a = new ModelwatchService(ModelwatchConfig.load(null, envA)).start()) {
                assertTrue(a.awaitRunning(Duration.ofSeconds(60)), "in-process instance did not reach RUNNING");
                log("instance A running");
                b.start();
                Set<String> members = awaitSharedWork(admin, Set.of(), b);
                log("two instances share the work");
                List<Duration> deadWithAnswers = new ArrayList<>();

                for (int i = 0; i < chunks.size(); i++) {
                    List<Event> chunk = chunks.get(i);
                    List<Event> first = chunk.subList(0, chunk.size() / 2);
                    List<Event> second = chunk.subList(chunk.size() / 2, chunk.size());
                    switch (i) {
                        case 2 -> {
                            // kill 1: mid-chunk; the survivor takes over and goes on alone for a while
                            GoldenKafka.send(producer, first);
                            awaitSomeProgress(admin);
                            b.kill();
                            GoldenKafka.send(producer, second);
                            deadWithAnswers.add(queryWhileDead(a, admin, true));
                            consumed(admin, b);
                            b.start();
                            members = awaitSharedWork(admin, members, b);
                        }
                        case 4 -> {
                            // kill 2: with the chunk in flight, restarted at once (the new process fences its zombie)
                            GoldenKafka.send(producer, chunk);
                            b.kill();
                            deadWithAnswers.add(queryWhileDead(a, admin, false));
                            b.start();
                            members = awaitSharedWork(admin, members, b);
                        }
                        case 8 -> {
                            // kill 3: mid-chunk while windows close (final records being emitted)
                            GoldenKafka.send(producer, first);
                            b.kill();
                            GoldenKafka.send(producer, second);
                            deadWithAnswers.add(queryWhileDead(a, admin, false));
                            b.start();
                            members = awaitSharedWork(admin, members, b);
                        }
                        default -> GoldenKafka.send(producer, chunk);
                    }
                    consumed(admin, b);
                    log("chunk %d of %d (%d events) consumed", i + 1, chunks.size(), chunk.size());
                }
                assertEquals(3, b.kills, "hard kills");
                assertEquals(3, deadWithAnswers.size());

                GoldenKafka.sendClockEvents(producer, PARTITIONS, GoldenKafka.clockTime(golden.lastTimestamp()));
                List<JsonNode> finals = GoldenKafka.readFinals(kafka.bootstrapServers(), golden.expectedFinals(),
                        Duration.ofMinutes(2), Duration.ofSeconds(2));
                golden.assertMatches(finals);
                GoldenKafka.assertNothingLate("instance A", a.counters());
                assertEquals(KafkaStreams.State.RUNNING, a.streams().state(), "the in-process instance still runs");
                assertTrue(b.isAlive(), "the separate instance still runs:\n" + b.logTail());
                log("FailoverIT passed in %.1f s; queries answered %s after each kill", (System.nanoTime() - t0) / 1e9,
                        deadWithAnswers);
            } finally {
                b.stop();
            }
        }
    }

    private static Map<String, String> env(String bootstrap, Path stateDir) {
        Map<String, String> env = io.modelwatch.GoldenResources.serviceEnv(bootstrap, APP_ID, stateDir, PARTITIONS);
        // a dead member leaves the group after 3 s instead of 45 s
        env.put("MODELWATCH_KAFKA_PROPERTY_SESSION_TIMEOUT_MS", "3000");
        env.put("MODELWATCH_KAFKA_PROPERTY_HEARTBEAT_INTERVAL_MS", "500");
        // a dead instance's open transaction is aborted after 5 s (it blocks read_committed readers until then)
        env.put("MODELWATCH_KAFKA_PROPERTY_PRODUCER_TRANSACTION_TIMEOUT_MS", "5000");
        // every instance counts as caught up, so a restarted instance gets its share of stateful tasks back
        // at once (and restores them) instead of warming up until a probing rebalance ten minutes later
        env.put("MODELWATCH_KAFKA_PROPERTY_ACCEPTABLE_RECOVERY_LAG", Long.toString(Long.MAX_VALUE / 2));
        return env;
    }

    private static void consumed(Admin admin, ChildService b) {
        GoldenKafka.awaitConsumed(admin, APP_ID, List.of(GoldenKafka.PREDICTIONS, GoldenKafka.LABELS),
                Duration.ofMinutes(2), () -> "instance B:\n" + b.logTail());
    }

    /** Waits until the application committed some input, so the instances are busy with the chunk. */
    private static void awaitSomeProgress(Admin admin) {
        Map<?, Long> before = GoldenKafka.lag(admin, APP_ID, List.of(GoldenKafka.PREDICTIONS, GoldenKafka.LABELS));
        long total = before.values().stream().mapToLong(Long::longValue).sum();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            long now = GoldenKafka.lag(admin, APP_ID, List.of(GoldenKafka.PREDICTIONS, GoldenKafka.LABELS))
                    .values().stream().mapToLong(Long::longValue).sum();
            if (now < total) {
                return;
            }
            GoldenKafka.sleep(20);
        }
    }

    /**
     * Queries the surviving instance while the other is dead, until it answered with metrics and,
     * when {@code untilTakeover}, until the group dropped the dead member, the survivor runs all
     * tasks and answers for every model version (the dead instance's included). Returns how long
     * after the kill the first non-empty answer came.
     */
    private static Duration queryWhileDead(ModelwatchService a, Admin admin, boolean untilTakeover) {
        long killed = System.nanoTime();
        long deadline = killed + TimeUnit.SECONDS.toNanos(60);
        Duration answered = null;
        boolean takenOver = !untilTakeover;
        Set<String> models = Set.of();
        while (System.nanoTime() < deadline && (answered == null || !takenOver)) {
            List<JsonNode> latest = a.view().latestMetrics();
            if (answered == null && !latest.isEmpty()) {
                answered = Duration.ofNanos(System.nanoTime() - killed);
            }
            if (!takenOver) {
                models = latest.stream().filter(r -> r.path("slice").isMissingNode() || r.path("slice").isNull()
                        || r.path("slice").isEmpty())
                        .map(r -> r.get("model_id").asText() + "/" + r.get("model_version").asText())
                        .collect(Collectors.toCollection(java.util.TreeSet::new));
                ConsumerGroupDescription g = describe(admin);
                takenOver = g != null && g.groupState() == GroupState.STABLE && g.members().size() == 1
                        && a.streams().state() == KafkaStreams.State.RUNNING && models.equals(MODEL_VERSIONS);
            }
            GoldenKafka.sleep(50);
        }
        assertTrue(answered != null, "the surviving instance answered no query with metrics while the other was dead");
        assertTrue(takenOver, "the surviving instance did not take over the dead one's work; it answers for " + models);
        log("killed instance: survivor answered queries after %d ms%s", answered.toMillis(), untilTakeover
                ? ", took over all tasks and answered for " + models + " after "
                        + (System.nanoTime() - killed) / 1_000_000 + " ms" : "");
        return answered;
    }

    /**
     * Waits until the group is stable with two members, at least one of them new since
     * {@code before} (the restarted instance, not the dead member it replaces), each with
     * partitions assigned. Returns the member ids.
     */
    private static Set<String> awaitSharedWork(Admin admin, Set<String> before, ChildService b) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        String state = "";
        while (System.nanoTime() < deadline) {
            assertTrue(b.isAlive(), "instance B exited:\n" + b.logTail());
            ConsumerGroupDescription g = describe(admin);
            if (g != null) {
                Set<String> ids = g.members().stream().map(MemberDescription::consumerId).collect(Collectors.toSet());
                boolean assigned = g.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty());
                state = g.groupState() + " " + ids;
                if (g.groupState() == GroupState.STABLE && ids.size() == 2 && !before.containsAll(ids) && assigned) {
                    return ids;
                }
            }
            GoldenKafka.sleep(100);
        }
        throw new AssertionError("the two instances did not form a stable group: " + state + "\n" + b.logTail());
    }

    private static ConsumerGroupDescription describe(Admin admin) {
        try {
            return admin.describeConsumerGroups(List.of(APP_ID)).all().get(10, TimeUnit.SECONDS).get(APP_ID);
        } catch (Exception e) {
            return null;
        }
    }

    /** {@code modelwatch run} in its own JVM, configured by environment, killable with SIGKILL. */
    static final class ChildService {
        private final Map<String, String> env;
        private final Path logFile;
        private Process process;
        int kills;

        ChildService(Map<String, String> env, Path logFile) {
            this.env = new HashMap<>(env);
            this.logFile = logFile;
        }

        void start() throws IOException {
            String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(javaBin, "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), "io.modelwatch.cli.Main", "run");
            pb.environment().keySet().removeIf(k -> k.startsWith("MODELWATCH_"));
            pb.environment().putAll(env);
            pb.redirectErrorStream(true);
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            Files.writeString(logFile, "==== start " + (kills + 1) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            process = pb.start();
            log("instance B started (pid %d)", process.pid());
        }

        /** SIGKILL: no shutdown hook, no clean close, transactions left open. */
        void kill() throws InterruptedException {
            assertTrue(isAlive(), "instance B should be running before it is killed:\n" + logTail());
            process.destroyForcibly();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "instance B did not die");
            kills++;
            log("instance B killed hard (kill %d, exit %d)", kills, process.exitValue());
        }

        boolean isAlive() {
            return process != null && process.isAlive();
        }

        void stop() throws InterruptedException {
            if (process != null && process.isAlive()) {
                process.destroy();
                if (!process.waitFor(40, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }

        String logTail() {
            try {
                List<String> lines = Files.readAllLines(logFile, StandardCharsets.ISO_8859_1);
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }
    }
}
