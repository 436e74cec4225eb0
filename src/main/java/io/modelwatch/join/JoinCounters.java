package io.modelwatch.join;

import java.util.concurrent.atomic.LongAdder;

/** Counts of what the join dropped or expired, for operators (exported as metrics). */
public final class JoinCounters {

    private final LongAdder latePredictions = new LongAdder();
    private final LongAdder versionsForgotten = new LongAdder();
    private final LongAdder lateLabels = new LongAdder();
    private final LongAdder duplicatePredictions = new LongAdder();
    private final LongAdder expired = new LongAdder();
    private final LongAdder replayed = new LongAdder();
    private final LongAdder scanSteps = new LongAdder();
    private final LongAdder scanVisited = new LongAdder();
    private final LongAdder scanNanos = new LongAdder();
    private final LongAdder lookupsRuledOut = new LongAdder();
    private final LongAdder lookupsFound = new LongAdder();
    private final LongAdder lookupsAbsent = new LongAdder();
    private final java.util.Map<String, LongAdder> overflow = new java.util.concurrent.ConcurrentHashMap<>();
    /** Per join partition active here: the entries of its join-pending store, as the task last published them. */
    private final java.util.Map<Integer, Long> pendingByPartition = new java.util.concurrent.ConcurrentHashMap<>();

    void latePrediction() {
        latePredictions.increment();
    }

    void lateLabel() {
        lateLabels.increment();
    }

    void duplicatePrediction() {
        duplicatePredictions.increment();
    }

    void expired(long entries) {
        expired.add(entries);
    }

    /** A record's lookup of its id: ruled out by the filter of held ids, else asked of the store (and found or not). */
    void lookedUp(boolean asked, boolean found) {
        if (!asked) {
            lookupsRuledOut.increment();
        } else if (found) {
            lookupsFound.increment();
        } else {
            lookupsAbsent.increment();
        }
    }

    /** Lookups of join-pending the filter of held ids ruled out: no RocksDB get. */
    public long lookupsRuledOut() {
        return lookupsRuledOut.sum();
    }

    /** Lookups of join-pending that found the id's entry. */
    public long lookupsFound() {
        return lookupsFound.sum();
    }

    /** Lookups of join-pending the filter let through that found nothing (its false positives). */
    public long lookupsAbsent() {
        return lookupsAbsent.sum();
    }

    /** One step of the expiry scan: the entries it visited and the time it took, deletes included. */
    void scanned(long visited, long nanos) {
        scanSteps.increment();
        scanVisited.add(visited);
        scanNanos.add(nanos);
    }

    /**
     * Steps the expiry scan of join-pending took: a slice at each watermark and between records while it owes
     * more, a step from the 1-second punctuator when records do not come.
     */
    public long expiryScanSteps() {
        return scanSteps.sum();
    }

    /** Entries of join-pending the expiry scan visited, expired or not. */
    public long expiryScanVisited() {
        return scanVisited.sum();
    }

    /** Time the stream threads spent in the expiry scan, walking join-pending and deleting what expired. */
    public long expiryScanNanos() {
        return scanNanos.sum();
    }

    void replayed() {
        replayed.increment();
    }

    /** Pending entries handed again to the window pre-aggregation when a join task started. */
    public long replayedEntries() {
        return replayed.sum();
    }

    void overflowed(String kind) {
        overflow.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    void forgotten() {
        versionsForgotten.increment();
    }

    /** Versions the cardinality guard forgot after going without predictions, to make room for new ones. */
    public long versionsForgotten() {
        return versionsForgotten.sum();
    }

    /** Predictions counted under the overflow name, by what overflowed: model, version or slice. */
    public long overflow(String kind) {
        LongAdder a = overflow.get(kind);
        return a == null ? 0 : a.sum();
    }

    public long latePredictions() {
        return latePredictions.sum();
    }

    public long lateLabels() {
        return lateLabels.sum();
    }

    public long duplicatePredictions() {
        return duplicatePredictions.sum();
    }

    public long expiredEntries() {
        return expired.sum();
    }

    /** A join task's count of its pending entries (once a second and when it starts, not per record). */
    void pendingEntries(int partition, long entries) {
        pendingByPartition.put(partition, entries);
    }

    /** The task left this instance (closed, migrated): its store is no longer here. */
    void forgetPendingEntries(int partition) {
        pendingByPartition.remove(partition);
    }

    /** Entries in the join-pending stores of the join tasks active on this instance. */
    public long pendingEntries() {
        long sum = 0;
        for (long n : pendingByPartition.values()) {
            sum += n;
        }
        return sum;
    }
}
