package io.modelwatch.service;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for Kafka Streams' lock on the application's state directory ({@code <state-dir>/<application-id>/.lock})
 * while another process holds it: an instance still stopping (its stop takes up to {@code shutdown-timeout}) when a
 * supervisor starts the next one. Kafka Streams itself fails at once then ("Unable to initialize state"), and the
 * new process exited with 1 while the old one was about to let go.
 */
final class StateDirLock {

    private static final Logger LOG = LoggerFactory.getLogger(StateDirLock.class);

    /** Kafka Streams' lock file in the application's state directory ({@code StateDirectory.LOCK_FILE_NAME}). */
    static final String LOCK_FILE = ".lock";
    static final Duration POLL = Duration.ofMillis(250);

    private StateDirLock() {
    }

    /**
     * Returns once no other process holds the lock of {@code appDir} (at once when it has none), having waited up
     * to {@code patience}; throws {@link IllegalStateException} saying who to look for when it is still held then.
     */
    static void awaitFree(Path appDir, Duration patience) throws InterruptedException {
        awaitFree(appDir, patience, POLL, System::nanoTime);
    }

    static void awaitFree(Path appDir, Duration patience, Duration poll, LongSupplier nanoClock)
            throws InterruptedException {
        Path lockFile = appDir.resolve(LOCK_FILE);
        if (!Files.exists(lockFile) || isFree(lockFile)) {
            return;
        }
        LOG.info("the state directory {} is locked by another process (an instance still stopping, or one running "
                + "on the same state-dir): waiting up to {} s for it", appDir, patience.toSeconds());
        long start = nanoClock.getAsLong();
        while (nanoClock.getAsLong() - start < patience.toNanos()) {
            Thread.sleep(poll.toMillis());
            if (isFree(lockFile)) {
                LOG.info("the state directory {} is free after {} ms", appDir,
                        (nanoClock.getAsLong() - start) / 1_000_000);
                return;
            }
        }
        throw new IllegalStateException("the state directory " + appDir + " is still locked by another process after "
                + patience.toSeconds() + " s: another modelwatch (or Kafka Streams application with application id "
                + appDir.getFileName() + ") runs on state-dir " + appDir.getParent() + "; each instance needs a "
                + "state-dir of its own (state-dir, MODELWATCH_STATE_DIR)");
    }

    /** Whether the lock can be taken now; it is let go at once (Kafka Streams takes it for good right after). */
    static boolean isFree(Path lockFile) {
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return false;
            }
            lock.release();
            return true;
        } catch (OverlappingFileLockException e) {
            return false; // held by this JVM (a second service on the same state-dir, in a test)
        } catch (IOException e) {
            return true; // cannot tell: Kafka Streams' own attempt decides, and says why
        }
    }
}
