package io.modelwatch.window;

import io.modelwatch.StateStores;
import java.time.Duration;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/** The window-state merge stage: its processor and the stores it owns (RocksDB, changelogged). */
public final class WindowAggregation implements ProcessorSupplier<AggregationKey, AggregateInput, String, String> {

    public static final String PROCESSOR = "window-aggregate";
    /** The latest partial aggregate of each window from each join partition. */
    public static final String PARTIALS_STORE = "window-partials";
    public static final String INDEX_STORE = "window-index";
    public static final String WATERMARK_STORE = "window-watermarks";
    /** Emitted metrics records, for the HTTP API (interactive queries); see {@link MetricsHistory}. */
    public static final String HISTORY_STORE = "metrics-history";
    /** Where each series' newest records are in {@link #HISTORY_STORE}; see {@link MetricsLatest}. */
    public static final String LATEST_STORE = "metrics-latest";

    private final WindowSpec windows;
    private final int rolling;
    private final int historyWindows;
    private final Duration updateInterval;
    private final WindowCounters counters;
    private final boolean inMemory;

    /** {@code historyWindows}: closed windows {@link #HISTORY_STORE} keeps of each key ({@code history-windows}). */
    public WindowAggregation(WindowSpec windows, int rolling, int historyWindows, Duration updateInterval,
                             WindowCounters counters, boolean inMemory) {
        this.windows = windows;
        this.rolling = rolling;
        this.historyWindows = historyWindows;
        this.updateInterval = updateInterval;
        this.counters = counters;
        this.inMemory = inMemory;
    }

    /** The aggregate of one window still held in {@link #PARTIALS_STORE} (open, or kept for rolling), or null. */
    public static io.modelwatch.metrics.WindowAggregate readAggregate(
            org.apache.kafka.streams.state.ReadOnlyKeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]> partials,
            AggregationKey key, long windowStart) {
        return WindowAggregateProcessor.read(partials, WindowKeys.prefix(windowStart, key));
    }

    @Override
    public Processor<AggregationKey, AggregateInput, String, String> get() {
        return new WindowAggregateProcessor(windows, rolling, historyWindows, updateInterval, counters);
    }

    @Override
    public Set<StoreBuilder<?>> stores() {
        // ordered, so the topology description is the same on every run
        return new java.util.LinkedHashSet<>(java.util.List.of(
                Stores.keyValueStoreBuilder(StateStores.keyValue(PARTIALS_STORE, inMemory), Serdes.Bytes(),
                        Serdes.ByteArray()).withCachingEnabled(),
                Stores.keyValueStoreBuilder(StateStores.small(INDEX_STORE), Serdes.Bytes(),
                        Serdes.ByteArray()).withCachingEnabled(),
                Stores.keyValueStoreBuilder(StateStores.small(WATERMARK_STORE), Serdes.Integer(),
                        Serdes.Long()),
                Stores.keyValueStoreBuilder(StateStores.keyValue(HISTORY_STORE, inMemory), Serdes.Bytes(),
                        Serdes.String()).withCachingEnabled(),
                Stores.keyValueStoreBuilder(StateStores.small(LATEST_STORE), Serdes.Bytes(),
                        Serdes.ByteArray())));
    }
}
