package io.modelwatch.window;

import io.modelwatch.StateStores;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/** Pre-aggregation of windows in the join task (see {@link WindowPreAggregateProcessor}) and its stores. */
public final class WindowPreAggregation
        implements ProcessorSupplier<AggregationKey, AggregateInput, AggregationKey, AggregateInput> {

    public static final String PROCESSOR = "window-preaggregate";
    public static final String CELLS_STORE = "preaggregate-cells";
    public static final String INDEX_STORE = "preaggregate-index";

    private final WindowSpec windows;
    private final Duration updateInterval;
    private final WindowCounters counters;
    private final boolean inMemory;

    public WindowPreAggregation(WindowSpec windows, Duration updateInterval, WindowCounters counters,
                                boolean inMemory) {
        this.windows = windows;
        this.updateInterval = updateInterval;
        this.counters = counters;
        this.inMemory = inMemory;
    }

    @Override
    public Processor<AggregationKey, AggregateInput, AggregationKey, AggregateInput> get() {
        return new WindowPreAggregateProcessor(windows, updateInterval, counters);
    }

    @Override
    public Set<StoreBuilder<?>> stores() {
        // ordered, so the topology description is the same on every run
        return new LinkedHashSet<>(List.of(
                Stores.keyValueStoreBuilder(StateStores.keyValue(CELLS_STORE, inMemory), Serdes.Bytes(),
                        Serdes.ByteArray()).withCachingEnabled(),
                Stores.keyValueStoreBuilder(StateStores.keyValue(INDEX_STORE, inMemory), Serdes.Bytes(),
                        Serdes.ByteArray()).withCachingEnabled()));
    }
}
