package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The wait for Kafka Streams' state-directory lock, held by another process as a stopping instance holds it. */
class StateDirLockTest {

    @TempDir
    Path stateDir;

    /** Another JVM that holds {@code appDir/.lock} for {@code millis}, returned once it holds it. */
    private static Process holdLock(Path appDir, long millis) throws Exception {
        Files.createDirectories(appDir);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(),
                appDir.resolve(StateDirLock.LOCK_FILE).toString(), Long.toString(millis))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("locked", out.readLine());
        return p;
    }

    @Test
    void noStateYetOrAFreeLockGoesOnAtOnce() throws Exception {
        Path appDir = stateDir.resolve("modelwatch");
        StateDirLock.awaitFree(appDir, Duration.ZERO); // no directory, no lock file
        Files.createDirectories(appDir);
        Files.createFile(appDir.resolve(StateDirLock.LOCK_FILE));
        StateDirLock.awaitFree(appDir, Duration.ZERO); // a lock file nobody holds (a process that exited)
        assertTrue(StateDirLock.isFree(appDir.resolve(StateDirLock.LOCK_FILE)));
    }

    @Test
    void waitsForAnotherProcessToLetGo() throws Exception {
        Path appDir = stateDir.resolve("modelwatch");
        Process holder = holdLock(appDir, 1500);
        try {
            long start = System.nanoTime();
            assertFalse(StateDirLock.isFree(appDir.resolve(StateDirLock.LOCK_FILE)));
            StateDirLock.awaitFree(appDir, Duration.ofSeconds(60));
            long waitedMs = (System.nanoTime() - start) / 1_000_000;
            // it cannot have been free before the holder let go, 1.5 s after it took the lock
            assertTrue(waitedMs >= 1000, "returned after " + waitedMs + " ms");
            assertTrue(holder.waitFor(10, TimeUnit.SECONDS), "the holder exited");
            assertTrue(StateDirLock.isFree(appDir.resolve(StateDirLock.LOCK_FILE)));
        } finally {
            holder.destroyForcibly();
        }
    }

    @Test
    void aLockHeldPastThePatienceIsAClearError() throws Exception {
        Path appDir = stateDir.resolve("modelwatch");
        Process holder = holdLock(appDir, 60_000);
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> StateDirLock.awaitFree(appDir, Duration.ofMillis(600)));
            assertTrue(e.getMessage().contains(appDir.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("each instance needs a state-dir of its own"), e.getMessage());
            assertTrue(holder.isAlive());
        } finally {
            holder.destroyForcibly();
            holder.waitFor(10, TimeUnit.SECONDS);
        }
        // its lock goes with the process
        StateDirLock.awaitFree(appDir, Duration.ofSeconds(10));
    }
}
