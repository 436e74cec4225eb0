package io.modelwatch.join;

import io.modelwatch.StateStores;
import io.modelwatch.ingest.JoinInput;
import io.modelwatch.window.AggregateInput;
import io.modelwatch.window.AggregationKey;
import io.modelwatch.window.WindowSpec;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/** The join stage: its processor and the stores it owns (RocksDB, changelogged). */
public final class DelayedJoin implements ProcessorSupplier<byte[], JoinInput, AggregationKey, AggregateInput> {

    public static final String PROCESSOR = "delayed-join";
    public static final String PENDING_STORE = "join-pending";
    public static final String CARDINALITY_STORE = "join-cardinality";
    /** The last watermark the partition sent: windows closing at or before it are final downstream. */
    public static final String WATERMARK_STORE = "join-watermark";

    private final WindowSpec windows;
    private final List<String> sliceDimensions;
    private final int labelCap;
    private final Duration watermarkInterval;
    private final int joinPartitions;
    private final JoinCounters counters;
    private final boolean inMemory;
    private final io.modelwatch.ingest.IngestLimits limits;
    private final boolean ingestWatermarks;
    private final Duration watermarkMinSpacing;

    /**
     * ingestWatermarks: the inputs arrive through the join-input topic, with the ingest tasks' watermarks
     * ({@code ingest.IngestProgress}); false when this task reads the inputs itself.
     */
    public DelayedJoin(WindowSpec windows, List<String> sliceDimensions, int labelCap, Duration watermarkInterval,
                       int joinPartitions, JoinCounters counters, boolean inMemory,
                       io.modelwatch.ingest.IngestLimits limits, boolean ingestWatermarks) {
        this(windows, sliceDimensions, labelCap, watermarkInterval, joinPartitions, counters, inMemory, limits,
                ingestWatermarks, Duration.ZERO);
    }

    /**
     * watermarkMinSpacing: without ingest watermarks (this task reads the inputs itself), the least wall-clock
     * time between two of its own watermarks (zero: one per interval of stream time; see
     * {@code ingest.IngestProgress}, which spaces the ingest watermarks otherwise).
     */
    public DelayedJoin(WindowSpec windows, List<String> sliceDimensions, int labelCap, Duration watermarkInterval,
                       int joinPartitions, JoinCounters counters, boolean inMemory,
                       io.modelwatch.ingest.IngestLimits limits, boolean ingestWatermarks, Duration watermarkMinSpacing) {
        this.windows = windows;
        this.sliceDimensions = List.copyOf(sliceDimensions);
        this.labelCap = labelCap;
        this.watermarkInterval = watermarkInterval;
        this.joinPartitions = joinPartitions;
        this.counters = counters;
        this.inMemory = inMemory;
        this.limits = limits;
        this.ingestWatermarks = ingestWatermarks;
        this.watermarkMinSpacing = watermarkMinSpacing;
    }

    @Override
    public Processor<byte[], JoinInput, AggregationKey, AggregateInput> get() {
        return new DelayedJoinProcessor(PENDING_STORE, windows, sliceDimensions, labelCap, watermarkInterval,
                joinPartitions, counters, limits, DelayedJoinProcessor.MIN_SCAN_CHUNK,
                DelayedJoinProcessor.MAX_SCAN_PER_PUNCTUATION, inMemory, ingestWatermarks,
                ingestWatermarks ? 0 : watermarkMinSpacing.toMillis());
    }

    @Override
    public Set<StoreBuilder<?>> stores() {
        // ordered, so the topology description is the same on every run
        return new java.util.LinkedHashSet<>(java.util.List.of(
                Stores.keyValueStoreBuilder(StateStores.keyValue(PENDING_STORE, inMemory), Serdes.Bytes(),
                        Serdes.ByteArray()),
                Stores.keyValueStoreBuilder(StateStores.small(CARDINALITY_STORE), Serdes.String(),
                        Serdes.ByteArray()),
                Stores.keyValueStoreBuilder(StateStores.small(WATERMARK_STORE), Serdes.Integer(),
                        Serdes.Long())));
    }

    /** Watermarks go to every partition of the aggregation stage; contributions by key hash. */
    public static boolean isWatermark(AggregationKey key) {
        return key.equals(DelayedJoinProcessor.WATERMARK_KEY);
    }
}
