package io.modelwatch.window;

import io.modelwatch.ingest.IngestProgress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * What the merge knows of each join partition besides its watermark: whether its replay is under way (a
 * replay fence: updates are held until its end) and whether it said it is idle (left out of the least
 * watermark). Fences are kept in the watermark store (key {@link #fenceKey}) so a restart of the merge keeps
 * them; idle notices are in memory only.
 */
final class JoinPartitionStatus {

    /**
     * A replay's end comes in the transaction of its reset (exactly-once), so a fence lasts one batch of input.
     * One open this long (counted from its reset, or from the merge's start for a fence restored from the
     * store) lost its end: a join task of a version without it, or at-least-once and a crash mid-replay.
     * Updates then resume, rather than stay silent.
     */
    static final Duration REPLAY_FENCE_TIMEOUT = Duration.ofSeconds(30);
    /**
     * An idle task says so again every idle period; a notice older than two periods came from a task that
     * died or moved, and its partition counts again.
     */
    static final Duration IDLE_NOTICE_VALIDITY = IngestProgress.IDLE_AFTER.multipliedBy(2);

    private final WindowCounters counters;
    private KeyValueStore<Integer, Long> watermarks;
    /** Join partitions whose replay is under way (reset read, its end not yet), with the wall-clock time of the reset. */
    private final Map<Integer, Long> replaying = new HashMap<>();
    /**
     * Join partitions that said they are idle ({@code repartition-inputs: false} only), with the wall-clock
     * time they last said so. After a restart of the merge an idle partition holds windows until its next notice.
     */
    private final Map<Integer, Long> idle = new HashMap<>();

    JoinPartitionStatus(WindowCounters counters) {
        this.counters = counters;
    }

    /**
     * Forgets what is in memory and reads the previous incarnation's fences from the store; their timeout
     * counts from {@code now}: a restart can take longer than it (failure detection, restore), and their ends
     * are still ahead in the input.
     */
    void restore(KeyValueStore<Integer, Long> watermarks, long now) {
        this.watermarks = watermarks;
        replaying.clear();
        idle.clear();
        try (KeyValueIterator<Integer, Long> it = watermarks.range(Integer.MIN_VALUE, fenceKey(0))) {
            while (it.hasNext()) {
                replaying.put(fenceKey(it.next().key), now);
            }
        }
    }

    /** The partition restarted: its replay follows (a fence goes up), and it is not idle any more. */
    void replayStarted(int partition, long now) {
        idle.remove(partition);
        replaying.put(partition, now);
        watermarks.put(fenceKey(partition), now);
    }

    /**
     * The partition's replay ended: its fence goes. Whether that was the last fence up (false when it had
     * none: timed out, or its reset came before the merge's stores).
     */
    boolean replayEnded(int partition) {
        if (replaying.remove(partition) == null) {
            return false;
        }
        watermarks.delete(fenceKey(partition));
        return replaying.isEmpty();
    }

    /** Whether a replay fence is up; one older than {@link #REPLAY_FENCE_TIMEOUT} is taken down first. */
    boolean holdingUpdates(long now) {
        if (replaying.isEmpty()) {
            return false;
        }
        Iterator<Map.Entry<Integer, Long>> it = replaying.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Integer, Long> fence = it.next();
            if (now - fence.getValue() >= REPLAY_FENCE_TIMEOUT.toMillis()) {
                it.remove();
                watermarks.delete(fenceKey(fence.getKey()));
                counters.replayFenceExpired();
            }
        }
        return !replaying.isEmpty();
    }

    void idle(int partition, long now) {
        idle.put(partition, now);
    }

    /** A watermark of the partition: it is active again. */
    void active(int partition) {
        idle.remove(partition);
    }

    /** Whether the partition's watermark holds windows open (it has not said it is idle, lately). */
    boolean holdsWindows(int partition, long now) {
        Long idleSince = idle.get(partition);
        return idleSince == null || now - idleSince >= IDLE_NOTICE_VALIDITY.toMillis();
    }

    /** The watermark store's key of join partition {@code partition}'s replay fence (and back): -2 - partition. */
    static int fenceKey(int partition) {
        return -2 - partition;
    }
}
