package io.modelwatch.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes local state that belongs to another Kafka cluster, or to changelog topics since deleted or created again,
 * before Kafka Streams starts on it: such state passes Kafka Streams' own check whenever the new changelog reaches
 * past the store's offset, and the windows would be silently wrong (see {@link StateOwner}). Which cluster and
 * topics the state belongs to is recorded once Kafka Streams runs. State without a record (a first start, or kept
 * by an older modelwatch) is kept, as before; so is every state when the Admin calls fail (a missing Describe ACL,
 * say): one WARN line, and the service starts as it did without the check.
 */
final class LocalStateGuard {

    private static final Logger LOG = LoggerFactory.getLogger(LocalStateGuard.class);

    /**
     * The waits before describing the changelogs again while some are not described (UnknownTopicOrPartition: a
     * broker's metadata that lags their creation, an instance RUNNING before it was assigned anything); the last
     * one repeats until all are, or the service closes.
     */
    static final List<Duration> RETRY_DELAYS = List.of(Duration.ofSeconds(1), Duration.ofSeconds(5),
            Duration.ofSeconds(15), Duration.ofSeconds(30));

    private final Path appDir;
    private final Path file;
    private final Set<String> changelogs;
    private final Properties adminProperties;
    private final Describer describer;
    private final List<Duration> retryDelays;
    private final AtomicBoolean recording = new AtomicBoolean();
    private volatile String mismatch;
    private volatile boolean recordNeeded;
    private volatile boolean closed;
    /** The thread that records, once started (tests join it). */
    volatile Thread recorder;

    /**
     * @param stateDir        the state-dir, which holds the application's directory ({@code <application-id>})
     * @param applicationId   the application id
     * @param changelogs      the changelog topics of the topology's stores
     * @param adminProperties for the Admin that records the owner once Kafka Streams runs
     */
    LocalStateGuard(Path stateDir, String applicationId, Set<String> changelogs, Properties adminProperties) {
        this(stateDir, applicationId, changelogs, adminProperties, StateOwner::describe, RETRY_DELAYS);
    }

    /**
     * With {@code describer} in place of {@link StateOwner#describe} and {@code retryDelays} in place of
     * {@link #RETRY_DELAYS} (tests: a cluster without a broker).
     */
    LocalStateGuard(Path stateDir, String applicationId, Set<String> changelogs, Properties adminProperties,
            Describer describer, List<Duration> retryDelays) {
        this.appDir = stateDir.resolve(applicationId);
        this.file = StateOwner.file(stateDir, applicationId);
        this.changelogs = Set.copyOf(changelogs);
        this.adminProperties = adminProperties;
        this.describer = describer;
        this.retryDelays = List.copyOf(retryDelays);
    }

    /** The cluster's id and the ids of those of {@code changelogs} that exist, as {@code admin} describes them. */
    @FunctionalInterface
    interface Describer {
        StateOwner describe(Admin admin, Set<String> changelogs) throws InterruptedException, ExecutionException;
    }

    /**
     * Compares the record, if any, with the cluster and topics {@code admin} sees (the topic set-up's Admin).
     * Failures of the Admin calls are logged, but an interrupt is thrown on, as the topic set-up does.
     */
    void check(Admin admin) throws InterruptedException {
        if (!Files.isDirectory(appDir)) {
            recordNeeded = true; // no local state: nothing to check, whatever a record left says
            return;
        }
        Optional<StateOwner> read = StateOwner.read(file);
        if (read.isEmpty()) {
            recordNeeded = true;
            return;
        }
        StateOwner recorded = read.get();
        try {
            StateOwner now = describer.describe(admin, changelogs);
            mismatch = recorded.mismatch(now, changelogs).orElse(null);
            recordNeeded = mismatch != null || !recorded.changelogTopics().keySet().containsAll(changelogs);
        } catch (ExecutionException | RuntimeException e) {
            LOG.warn("cannot check that the local state in {} belongs to this cluster's changelog topics ({}): keeping "
                    + "it as it is", appDir, reason(e));
        }
    }

    /**
     * Deletes the local state found foreign with {@code cleanUp} ({@link KafkaStreams#cleanUp}, which must run
     * before {@link KafkaStreams#start()}). The record stays as it is until Kafka Streams runs and it is written
     * anew: should the clean-up fail or the process die before then, the next start finds the same mismatch and
     * deletes what is left.
     */
    void beforeStart(Runnable cleanUp) {
        String why = mismatch;
        if (why == null) {
            return;
        }
        LOG.warn("the local state in {} was kept for {}: deleting it, every store is restored from its changelog topic",
                appDir, why);
        cleanUp.run();
    }

    /**
     * Kafka Streams runs: its changelog topics exist, or are about to be visible. Records their owner, once, when
     * it changed or was not recorded, as soon as every changelog of the topology is described (a record without
     * one would guard nothing for it); on a thread of its own (Admin calls, up to {@code kafka.startup-timeout}
     * each, and the waits between them), not the stream thread that reports the state.
     */
    void running() {
        if (!recordNeeded || closed || !recording.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(this::record, "modelwatch-state-owner");
        t.setDaemon(true);
        recorder = t;
        t.start();
    }

    private void record() {
        try (Admin admin = Admin.create(adminProperties)) {
            StateOwner now = describer.describe(admin, changelogs);
            for (int retry = 0; !closed && !missing(now).isEmpty(); retry++) {
                Duration wait = retryDelays.get(Math.min(retry, retryDelays.size() - 1));
                if (retry == retryDelays.size() - 1) {
                    LOG.warn("changelog topics {} are still unknown to the cluster: the owner of the local state in "
                            + "{} is recorded once they are known (asking again every {} s)", missing(now), appDir,
                            wait.toSeconds());
                }
                Thread.sleep(wait.toMillis());
                now = describer.describe(admin, changelogs);
            }
            if (!closed && Files.isDirectory(appDir)) {
                now.write(file);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing
        } catch (ExecutionException | IOException | RuntimeException e) {
            LOG.warn("cannot record which cluster and changelog topics the local state in {} belongs to ({}): the "
                    + "record is left as it was", appDir, reason(e));
        }
    }

    /** The topology's changelogs {@code owner} has no topic id for, by name. */
    private List<String> missing(StateOwner owner) {
        return changelogs.stream().filter(t -> !owner.changelogTopics().containsKey(t)).sorted().toList();
    }

    /** Stops recording, if under way (the service closes). */
    void close() {
        closed = true;
        Thread t = recorder;
        if (t != null) {
            t.interrupt();
        }
    }

    private static String reason(Exception e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return OneLine.of(message);
    }
}
