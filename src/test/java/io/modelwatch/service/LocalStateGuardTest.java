package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start-up check and the record, with the cluster's answers made up, and when the Admin calls fail (a broker's
 * answers: ForeignStateIT).
 */
class LocalStateGuardTest {

    private static final String APP = "app";
    private static final String PENDING = "app-join-pending-changelog";
    private static final StateOwner ON_A = new StateOwner("cluster-a", Map.of(PENDING, Uuid.randomUuid()));
    private static final StateOwner ON_B = new StateOwner("cluster-b", Map.of(PENDING, Uuid.randomUuid()));
    private static final String HISTORY = "app-metrics-history-changelog";
    private static final List<Duration> NO_WAIT = List.of(Duration.ZERO);

    /** A missing Describe ACL, a broker that does not answer: one WARN, and the state is kept as without the check. */
    @Test
    void anAdminCallThatFailsKeepsTheStateAsItIsWithOneWarning(@TempDir Path stateDir) throws Exception {
        Path appDir = Files.createDirectory(stateDir.resolve(APP));
        Path file = StateOwner.file(stateDir, APP);
        ON_A.write(file);
        String recorded = Files.readString(file);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // nothing listens there once closed
        }
        Properties p = new Properties();
        p.put("bootstrap.servers", "127.0.0.1:" + port);
        p.put("default.api.timeout.ms", "1000");
        p.put("request.timeout.ms", "1000");
        LocalStateGuard guard = new LocalStateGuard(stateDir, APP, Set.of(PENDING), p);

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream previous = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try (Admin admin = Admin.create(p)) {
            guard.check(admin);
            guard.beforeStart(() -> fail("nothing to delete: Kafka Streams is not touched"));
            guard.running(); // nothing to record
        } finally {
            System.setErr(previous);
        }
        List<String> warnings = err.toString(StandardCharsets.UTF_8).lines()
                .filter(l -> l.contains("io.modelwatch.service")).toList();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("[main] WARN io.modelwatch.service.LocalStateGuard - cannot check that "
                + "the local state in " + appDir + " belongs to this cluster's changelog topics ("), warnings.get(0));
        assertTrue(warnings.get(0).endsWith("): keeping it as it is"), warnings.get(0));
        assertEquals(recorded, Files.readString(file), "the record is left as it was");
    }

    /**
     * The process dies during Kafka Streams' clean-up (SIGKILL, an OutOfMemoryError: here an Error thrown): the
     * record of the state being deleted is left, so the next start finds the same mismatch and deletes what the
     * clean-up left, rather than keeping it as state without a record and recording it as this cluster's.
     */
    @Test
    void aCleanUpThatDiesHalfWayIsDoneAgainAtTheNextStart(@TempDir Path stateDir) throws Exception {
        Path appDir = Files.createDirectories(stateDir.resolve(APP).resolve("0_0"));
        ON_A.write(StateOwner.file(stateDir, APP));

        LocalStateGuard first = new LocalStateGuard(stateDir, APP, Set.of(PENDING), new Properties(),
                (admin, topics) -> ON_B, NO_WAIT);
        first.check(null);
        assertThrows(OutOfMemoryError.class, () -> first.beforeStart(() -> {
            throw new OutOfMemoryError("half-way through the clean-up");
        }));
        assertTrue(Files.isDirectory(appDir), "the task directory the clean-up did not get to");

        LocalStateGuard next = new LocalStateGuard(stateDir, APP, Set.of(PENDING), new Properties(),
                (admin, topics) -> ON_B, NO_WAIT);
        next.check(null);
        AtomicInteger cleanUps = new AtomicInteger();
        next.beforeStart(cleanUps::incrementAndGet);
        assertEquals(1, cleanUps.get(), "the next start deletes the state again");
        assertEquals(Optional.of(ON_A), StateOwner.read(StateOwner.file(stateDir, APP)),
                "the record stays until Kafka Streams runs");
    }

    /** The record is kept beside the application's directory, which Kafka Streams' clean-up deletes whole. */
    @Test
    void theRecordIsBesideTheApplicationsDirectory(@TempDir Path stateDir) {
        assertEquals(stateDir.resolve("app.modelwatch-state-owner.json"), StateOwner.file(stateDir, APP));
    }

    /** A record left after the application's directory was deleted by hand: no state, nothing to delete. */
    @Test
    void aRecordWithoutLocalStateDeletesNothing(@TempDir Path stateDir) throws Exception {
        ON_A.write(StateOwner.file(stateDir, APP));
        LocalStateGuard guard = new LocalStateGuard(stateDir, APP, Set.of(PENDING), new Properties(),
                (admin, topics) -> fail("no state, no question to the cluster"), NO_WAIT);
        guard.check(null);
        guard.beforeStart(() -> fail("nothing to delete"));
    }

    /** As an interrupt in the topic set-up itself: the service's construction stops rather than going on. */
    @Test
    void anInterruptWhileCheckingIsThrownOn(@TempDir Path stateDir) throws Exception {
        Files.createDirectory(stateDir.resolve(APP));
        ON_A.write(StateOwner.file(stateDir, APP));
        LocalStateGuard guard = new LocalStateGuard(stateDir, APP, Set.of(PENDING), new Properties(),
                (admin, topics) -> {
                    throw new InterruptedException("closing");
                }, NO_WAIT);
        assertThrows(InterruptedException.class, () -> guard.check(null));
    }

    /**
     * Kafka Streams runs before every changelog is visible to the Admin (a broker's metadata lagging their creation,
     * an instance RUNNING with nothing assigned): the record waits until all are described, rather than leaving
     * out those not yet known and so guarding nothing for them.
     */
    @Test
    void theRecordWaitsUntilEveryChangelogIsDescribed(@TempDir Path stateDir) throws Exception {
        Files.createDirectory(stateDir.resolve(APP));
        Uuid pending = Uuid.randomUuid();
        StateOwner whole = new StateOwner("cluster-a", Map.of(PENDING, pending, HISTORY, Uuid.randomUuid()));
        AtomicInteger described = new AtomicInteger();
        LocalStateGuard guard = new LocalStateGuard(stateDir, APP, Set.of(PENDING, HISTORY), nowhere(),
                (admin, topics) -> described.incrementAndGet() < 3
                        ? new StateOwner("cluster-a", Map.of(PENDING, pending)) : whole,
                List.of(Duration.ofMillis(10)));
        guard.check(null); // no record: one is needed
        guard.running();
        guard.recorder.join(30_000);
        assertFalse(guard.recorder.isAlive());
        assertEquals(3, described.get());
        assertEquals(Optional.of(whole), StateOwner.read(StateOwner.file(stateDir, APP)));
    }

    /** The service closes while the record waits for a changelog: it stops waiting, and records nothing. */
    @Test
    void closingStopsTheWait(@TempDir Path stateDir) throws Exception {
        Files.createDirectory(stateDir.resolve(APP));
        AtomicInteger described = new AtomicInteger();
        LocalStateGuard guard = new LocalStateGuard(stateDir, APP, Set.of(PENDING, HISTORY), nowhere(),
                (admin, topics) -> {
                    described.incrementAndGet();
                    return ON_A;
                }, List.of(Duration.ofMillis(1), Duration.ofSeconds(30)));
        guard.check(null);
        guard.running();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (described.get() < 2) {
            assertTrue(System.nanoTime() < deadline, "not described again");
            Thread.sleep(5);
        }
        guard.close(); // in the 30 s wait
        guard.recorder.join(30_000);
        assertFalse(guard.recorder.isAlive());
        assertEquals(2, described.get());
        assertFalse(Files.exists(StateOwner.file(stateDir, APP)));
    }

    /** Client properties for an Admin that is created but never asked (the describer makes the answers up). */
    private static Properties nowhere() {
        Properties p = new Properties();
        p.put("bootstrap.servers", "127.0.0.1:9");
        return p;
    }
}
