package io.modelwatch.join;

import io.modelwatch.ingest.IngestLimits;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Caps the distinct models, versions and slice values one join partition admits, so a producer
 * that puts ids into {@code model_id} or a tag cannot grow state without bound. Admitted names are
 * remembered in a changelogged store (the same names stay admitted after a restart) and mirrored
 * in memory, so the per-record check is a hash lookup.
 */
final class CardinalityGuard {

    private static final byte[] PRESENT = new byte[0];
    private final KeyValueStore<String, byte[]> store;
    private final IngestLimits limits;
    private final JoinCounters counters;
    private final Set<String> admitted = new HashSet<>();
    private final Map<String, Integer> counts = new HashMap<>();

    CardinalityGuard(KeyValueStore<String, byte[]> store, IngestLimits limits, JoinCounters counters) {
        this.store = store;
        this.limits = limits;
        this.counters = counters;
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            it.forEachRemaining(kv -> {
                admitted.add(kv.key);
                counts.merge(group(kv.key), 1, Integer::sum);
            });
        }
    }

    String model(String modelId) {
        return admit("m\u0000" + modelId, modelId, limits.maxModels(), "model");
    }

    String version(String modelId, String version) {
        return admit("v\u0000" + modelId + "\u0000" + version, version, limits.maxVersionsPerModel(), "version");
    }

    String sliceValue(String dimension, String value) {
        return admit("s\u0000" + dimension + "\u0000" + value, value, limits.maxSliceValues(), "slice");
    }

    private String admit(String key, String name, int limit, String kind) {
        if (admitted.contains(key)) {
            return name;
        }
        String group = group(key);
        int n = counts.getOrDefault(group, 0);
        if (n >= limit) {
            counters.overflowed(kind);
            return IngestLimits.OVERFLOW;
        }
        admitted.add(key);
        counts.put(group, n + 1);
        store.put(key, PRESENT);
        return name;
    }

    /** The key without its last part: what the limit counts within (all models; one model's versions; ...). */
    private static String group(String key) {
        return key.substring(0, key.lastIndexOf('\u0000'));
    }
}
