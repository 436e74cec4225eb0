package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The start-up check when the Admin calls fail (the broker's answers: ForeignStateIT). */
class LocalStateGuardTest {

    private static final String PENDING = "app-join-pending-changelog";

    /** A missing Describe ACL, a broker that does not answer: one WARN, and the state is kept as without the check. */
    @Test
    void anAdminCallThatFailsKeepsTheStateAsItIsWithOneWarning(@TempDir Path appDir) throws Exception {
        Path file = appDir.resolve(StateOwner.FILE_NAME);
        new StateOwner("cluster-a", Map.of("app-join-pending-changelog", Uuid.randomUuid())).write(file);
        String recorded = Files.readString(file);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // nothing listens there once closed
        }
        Properties p = new Properties();
        p.put("bootstrap.servers", "127.0.0.1:" + port);
        p.put("default.api.timeout.ms", "1000");
        p.put("request.timeout.ms", "1000");
        LocalStateGuard guard = new LocalStateGuard(appDir, Set.of("app-join-pending-changelog"), p);

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream previous = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try (Admin admin = Admin.create(p)) {
            guard.check(admin);
            guard.beforeStart(null); // nothing to delete: Kafka Streams is not touched
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

    /** As an interrupt in the topic set-up itself: the service's construction stops rather than going on. */
    @Test
    void anInterruptWhileCheckingIsThrownOn(@TempDir Path appDir) throws Exception {
        new StateOwner("cluster-a", Map.of(PENDING, Uuid.randomUuid())).write(appDir.resolve(StateOwner.FILE_NAME));
        LocalStateGuard guard = new LocalStateGuard(appDir, Set.of(PENDING), new Properties(), (admin, topics) -> {
            throw new InterruptedException("closing");
        });
        assertThrows(InterruptedException.class, () -> guard.check(null));
    }
}
