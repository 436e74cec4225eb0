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
 * in memory by the names themselves, so the per-record check is a hash lookup of strings whose hash
 * is already known (the parser's cached names), with no key built per record; the store key
 * ({@code m\0model}, {@code v\0model\0version}, {@code s\0dimension\0value}) is built on admission only.
 */
final class CardinalityGuard {

    private static final byte[] PRESENT = new byte[0];
    private final KeyValueStore<String, byte[]> store;
    private final IngestLimits limits;
    private final JoinCounters counters;
    private final Set<String> models = new HashSet<>();
    /** Admitted versions by (admitted) model name; admitted values by slice dimension. */
    private final Map<String, Set<String>> versions = new HashMap<>();
    private final Map<String, Set<String>> slices = new HashMap<>();

    CardinalityGuard(KeyValueStore<String, byte[]> store, IngestLimits limits, JoinCounters counters) {
        this.store = store;
        this.limits = limits;
        this.counters = counters;
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            it.forEachRemaining(kv -> restore(kv.key));
        }
    }

    private void restore(String key) {
        String rest = key.substring(2);
        if (key.charAt(0) == 'm') {
            models.add(rest);
            return;
        }
        // the group is all but the last part, as it was counted when admitted
        int last = rest.lastIndexOf('\u0000');
        Map<String, Set<String>> groups = key.charAt(0) == 'v' ? versions : slices;
        groups.computeIfAbsent(rest.substring(0, last), g -> new HashSet<>()).add(rest.substring(last + 1));
    }

    String model(String modelId) {
        if (models.contains(modelId)) {
            return modelId;
        }
        return admit(models, modelId, limits.maxModels(), "model", "m\u0000" + modelId);
    }

    String version(String modelId, String version) {
        return admitIn(versions, modelId, version, limits.maxVersionsPerModel(), "version", 'v');
    }

    String sliceValue(String dimension, String value) {
        return admitIn(slices, dimension, value, limits.maxSliceValues(), "slice", 's');
    }

    /** A name within its group (a model's versions, a dimension's values), its store key built on admission. */
    private String admitIn(Map<String, Set<String>> groups, String group, String name, int limit, String kind,
                           char prefix) {
        Set<String> admitted = groups.get(group);
        if (admitted != null && admitted.contains(name)) {
            return name;
        }
        if (admitted == null) {
            // groups are bounded: admitted models (and the overflow name), configured dimensions
            admitted = new HashSet<>();
            groups.put(group, admitted);
        }
        return admit(admitted, name, limit, kind, prefix + "\u0000" + group + "\u0000" + name);
    }

    private String admit(Set<String> admitted, String name, int limit, String kind, String storeKey) {
        if (admitted.size() >= limit) {
            counters.overflowed(kind);
            return IngestLimits.OVERFLOW;
        }
        admitted.add(name);
        store.put(storeKey, PRESENT);
        return name;
    }
}
