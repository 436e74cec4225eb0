package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

/** The start-up check with the cluster's answers made up, and when the Admin calls fail (a broker's: ForeignStateIT). */
class LocalStateGuardTest {

    private static final String APP = "app";
    private static final String PENDING = "app-join-pending-changelog";
    private static final StateOwner ON_A = new StateOwner("cluster-a", Map.of(PENDING, Uuid.randomUuid()));
    private static final StateOwner ON_B = new StateOwner("cluster-b", Map.of(PENDING, Uuid.randomUuid()));

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
                (admin, topics) -> ON_B);
        first.check(null);
        assertThrows(OutOfMemoryError.class, () -> first.beforeStart(() -> {
            throw new OutOfMemoryError("half-way through the clean-up");
        }));
        assertTrue(Files.isDirectory(appDir), "the task directory the clean-up did not get to");

        LocalStateGuard next = new LocalStateGuard(stateDir, APP, Set.of(PENDING), new Properties(),
                (admin, topics) -> ON_B);
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
                (admin, topics) -> fail("no state, no question to the cluster"));
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
                });
        assertThrows(InterruptedException.class, () -> guard.check(null));
    }
}
