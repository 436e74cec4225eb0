package io.modelwatch.ingest;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Accepted and rejected input records, by kind and reason, for operators. */
public final class IngestCounters {

    private final LongAdder predictions = new LongAdder();
    private final LongAdder labels = new LongAdder();
    private final LongAdder onJoinPartition = new LongAdder();
    private final Map<RejectReason, LongAdder> rejected = new EnumMap<>(RejectReason.class);

    public IngestCounters() {
        for (RejectReason r : RejectReason.values()) {
            rejected.put(r, new LongAdder());
        }
    }

    void accepted(JoinInput input) {
        (input instanceof Prediction ? predictions : labels).increment();
    }

    void countOnJoinPartition() {
        onJoinPartition.increment();
    }

    void reject(RejectReason reason) {
        rejected.get(reason).increment();
    }

    public long predictions() {
        return predictions.sum();
    }

    public long labels() {
        return labels.sum();
    }

    /**
     * Accepted events read from the partition their prediction_id is joined on. Equal to all accepted
     * events when producers key both topics by prediction_id: then {@code repartition-inputs: false} can
     * skip the repartition.
     */
    public long onJoinPartition() {
        return onJoinPartition.sum();
    }

    public long rejected(RejectReason reason) {
        return rejected.get(reason).sum();
    }

    public long rejectedTotal() {
        return rejected.values().stream().mapToLong(LongAdder::sum).sum();
    }
}
