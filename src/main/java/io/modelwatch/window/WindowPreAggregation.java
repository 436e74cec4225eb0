package io.modelwatch.window;

import java.time.Duration;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;

/** Pre-aggregation of windows in the join task (see {@link WindowPreAggregateProcessor}); it has no store. */
public final class WindowPreAggregation
        implements ProcessorSupplier<AggregationKey, AggregateInput, AggregationKey, AggregateInput> {

    public static final String PROCESSOR = "window-preaggregate";

    private final WindowSpec windows;
    private final Duration updateInterval;
    private final WindowCounters counters;

    public WindowPreAggregation(WindowSpec windows, Duration updateInterval, WindowCounters counters) {
        this.windows = windows;
        this.updateInterval = updateInterval;
        this.counters = counters;
    }

    @Override
    public Processor<AggregationKey, AggregateInput, AggregationKey, AggregateInput> get() {
        return new WindowPreAggregateProcessor(windows, updateInterval, counters);
    }
}
