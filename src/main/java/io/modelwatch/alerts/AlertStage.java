package io.modelwatch.alerts;

import io.modelwatch.StateStores;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.BytesDeserializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The alert stage: {@code alert-evaluate} (downstream of {@code window-aggregate}, same
 * sub-topology, so one (model, version, slice) is always judged by the same task) with its
 * {@code alert-state} store, and the {@code alert-rules} global store fed by the compacted rules
 * topic ({@code rules-source} → {@code rules-update}).
 */
public final class AlertStage implements ProcessorSupplier<String, String, String, String> {

    public static final String PROCESSOR = "alert-evaluate";
    public static final String STATE_STORE = "alert-state";
    public static final String RULES_STORE = "alert-rules";
    public static final String RULES_SOURCE = "rules-source";
    public static final String RULES_PROCESSOR = "rules-update";
    public static final String SINK = "alerts-sink";

    private final List<AlertRule> rules;
    private final int topologyRolling;
    private final Duration windowSize;
    private final AlertCounters counters;
    private final List<String> sliceDimensions;

    /** Validates the rules against the topology (a {@link RulesException} at start-up). */
    public AlertStage(List<AlertRule> rules, int topologyRolling, Duration windowSize, List<String> sliceDimensions,
                      AlertCounters counters) {
        Rules.checkAgainst(rules, topologyRolling);
        this.sliceDimensions = List.copyOf(sliceDimensions);
        this.rules = List.copyOf(rules);
        this.topologyRolling = topologyRolling;
        this.windowSize = windowSize;
        this.counters = counters;
    }

    @Override
    public Processor<String, String, String, String> get() {
        return new AlertEvaluator(rules, topologyRolling, windowSize, sliceDimensions, counters);
    }

    @Override
    public Set<StoreBuilder<?>> stores() {
        return Set.of(Stores.keyValueStoreBuilder(StateStores.small(STATE_STORE), Serdes.String(),
                Serdes.ByteArray()));
    }

    /**
     * Adds the rules topic as the global store every evaluator reads (rule name → rule JSON), as bytes: the
     * readers decode them ({@link RulesTopicEntry}), so that bytes which are not UTF-8 are refused, not replaced.
     */
    public static void addRulesStore(Topology topology, String rulesTopic) {
        StoreBuilder<KeyValueStore<Bytes, byte[]>> store = Stores.keyValueStoreBuilder(
                StateStores.small(RULES_STORE), Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled();
        topology.addGlobalStore(store, RULES_SOURCE, new BytesDeserializer(), new ByteArrayDeserializer(), rulesTopic,
                RULES_PROCESSOR, RulesUpdate::new);
    }

    /** Copies the topic into the store as is (restoration does the same, bypassing this); a tombstone deletes. */
    static final class RulesUpdate implements Processor<Bytes, byte[], Void, Void> {
        private KeyValueStore<Bytes, byte[]> store;

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore(RULES_STORE);
        }

        @Override
        public void process(Record<Bytes, byte[]> record) {
            if (record.key() == null) {
                return;
            }
            if (record.value() == null) {
                store.delete(record.key());
            } else {
                store.put(record.key(), record.value());
            }
        }
    }
}
