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
 * that puts ids into {@code model_id} or a tag cannot grow state without bound, and the series they make together
 * ({@code limits.max-series}): each name within its limit, their product (1000 models x 100 versions x 1000
 * values) filled the heap with window state and gauges. Admitted names are
 * remembered in a changelogged store (the same names stay admitted after a restart) and mirrored
 * in memory by the names themselves, so the per-record check is a hash lookup of strings whose hash
 * is already known (the parser's cached names), with no key built per record; the store key
 * ({@code m\0model}, {@code v\0model\0version}, {@code s\0dimension\0value}) is built on admission only.
 *
 * <p>Versions come and go (a build id per deployment): one that made no prediction for {@link #forgetAfterMs} of
 * event time is forgotten, with its series, when a new version of its model (or a new series) needs the room. Kept
 * for good, a model deployed daily had every version after its 100th counted under the overflow version, and
 * rules on it silently judged nothing. A version's last prediction time is stored with it (to within a sixteenth
 * of the span), so a restart resumes its idle clock; one stored by an older build without it counts as seen at the
 * first prediction after the restart.
 */
final class CardinalityGuard {

    private static final byte[] PRESENT = new byte[0];
    /** How long a version goes without a prediction before it may be forgotten, unless told otherwise. */
    static final long DEFAULT_FORGET_AFTER_MS = java.time.Duration.ofDays(7).toMillis();
    private final KeyValueStore<String, byte[]> store;
    private final IngestLimits limits;
    private final JoinCounters counters;
    private final long forgetAfterMs;
    /** How far a version's last prediction time moves before the store hears of it again. */
    private final long storeEveryMs;
    private final Set<String> models = new HashSet<>();
    /** Admitted versions by (admitted) model name, each with its last prediction's time; values by dimension. */
    private final Map<String, Map<String, Seen>> versions = new HashMap<>();
    private final Map<String, Set<String>> slices = new HashMap<>();
    /** Per model, the event time before which none of its versions can have been idle long enough (no scan). */
    private final Map<String, long[]> noneIdleBefore = new HashMap<>();
    private long seriesNoneIdleBefore = Long.MIN_VALUE;
    /** The latest prediction time seen, and the first one seen since the guard was made (restored versions'). */
    private long now = Long.MIN_VALUE;
    private long firstSeen = Long.MIN_VALUE;
    /** The model and version of the prediction being placed: never forgotten while its series are admitted. */
    private String placingModel;
    private String placingVersion;

    /**
     * A version's latest prediction time ({@code Long.MIN_VALUE}: restored from a build that stored none, and not
     * seen since), and the time last written to the store, which is rewritten once the two are a sixteenth of the
     * forget span apart: a restart resumes the idle clock instead of starting it again (a service redeployed every
     * week would otherwise never forget a version), at one write per version and sixteenth of the span.
     */
    private static final class Seen {
        long at;
        long stored;

        Seen(long at) {
            this.at = at;
            this.stored = at;
        }
    }
    /** Admitted series: model, version, then slice dimension to values (a version's entry is its whole-model series). */
    private final Map<String, Map<String, Map<String, Set<String>>>> series = new HashMap<>();
    /** Admitted series, the overflow names' aside (bounded by the other limits). */
    private int seriesCount;

    CardinalityGuard(KeyValueStore<String, byte[]> store, IngestLimits limits, JoinCounters counters) {
        this(store, limits, counters, DEFAULT_FORGET_AFTER_MS);
    }

    /** With versions forgotten after {@code forgetAfterMs} (at least 1 ms) without a prediction. */
    CardinalityGuard(KeyValueStore<String, byte[]> store, IngestLimits limits, JoinCounters counters,
                     long forgetAfterMs) {
        this.store = store;
        this.limits = limits;
        this.counters = counters;
        this.forgetAfterMs = Math.max(1, forgetAfterMs);
        this.storeEveryMs = Math.max(1, this.forgetAfterMs / 16);
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            it.forEachRemaining(kv -> restore(kv.key, kv.value));
        }
    }

    private void restore(String key, byte[] value) {
        String rest = key.substring(2);
        if (key.charAt(0) == 'm') {
            models.add(rest);
            return;
        }
        if (key.charAt(0) == 'c') {
            String[] parts = rest.split("\u0000", -1);
            Map<String, Set<String>> ofVersion = series.computeIfAbsent(parts[0], m -> new HashMap<>())
                    .computeIfAbsent(parts[1], v -> new HashMap<>());
            if (parts.length == 4) {
                ofVersion.computeIfAbsent(parts[2], d -> new HashSet<>()).add(parts[3]);
            }
            seriesCount++;
            return;
        }
        // the group is all but the last part, as it was counted when admitted
        int last = rest.lastIndexOf('\u0000');
        if (key.charAt(0) == 'v') {
            Seen seen = new Seen(Long.MIN_VALUE);
            if (value != null && value.length == Long.BYTES) {
                // the time stored lags the last prediction by less than a sixteenth of the span (it is rewritten
                // once it lags that much): counted from the latest it can be, a version is forgotten up to a
                // sixteenth late after a restart, never early (while its window could still be open)
                seen.stored = java.nio.ByteBuffer.wrap(value).getLong();
                seen.at = seen.stored + storeEveryMs - 1;
            }
            versions.computeIfAbsent(rest.substring(0, last), g -> new HashMap<>()).put(rest.substring(last + 1), seen);
            return;
        }
        slices.computeIfAbsent(rest.substring(0, last), g -> new HashSet<>()).add(rest.substring(last + 1));
    }

    String model(String modelId) {
        if (models.contains(modelId)) {
            return modelId;
        }
        return admit(models, modelId, limits.maxModels(), "model", "m\u0000" + modelId);
    }

    /** The version a prediction of {@code modelId} made at {@code timestampMs} counts under. */
    String version(String modelId, String version, long timestampMs) {
        placingModel = modelId;
        placingVersion = version;
        if (timestampMs > now) {
            now = timestampMs;
            if (firstSeen == Long.MIN_VALUE) {
                firstSeen = timestampMs;
            }
        }
        Map<String, Seen> admitted = versions.get(modelId);
        if (admitted != null) {
            Seen seen = admitted.get(version);
            if (seen != null) {
                if (timestampMs > seen.at) {
                    seen.at = timestampMs;
                    if (seen.stored == Long.MIN_VALUE || timestampMs - seen.stored >= storeEveryMs) {
                        seen.stored = timestampMs;
                        store.put(versionKey(modelId, version), lastSeenValue(timestampMs));
                    }
                }
                return version;
            }
        } else {
            admitted = new HashMap<>(); // bounded: admitted models and the overflow name
            versions.put(modelId, admitted);
        }
        if (admitted.size() >= limits.maxVersionsPerModel() && !forgetIdle(modelId, admitted)) {
            counters.overflowed("version");
            return IngestLimits.OVERFLOW;
        }
        admitted.put(version, new Seen(timestampMs));
        store.put(versionKey(modelId, version), lastSeenValue(timestampMs));
        // the gates may say "none idle before" a time later than this version's own: bring them forward
        long idleAt = timestampMs + forgetAfterMs;
        long[] until = noneIdleBefore.get(modelId);
        if (until != null && idleAt < until[0]) {
            until[0] = idleAt;
        }
        seriesNoneIdleBefore = Math.min(seriesNoneIdleBefore, idleAt);
        return version;
    }

    /** A version's store key: {@code v\0model\0version}. */
    private static String versionKey(String modelId, String version) {
        return "v\u0000" + modelId + "\u0000" + version;
    }

    /** A version's stored value: its last prediction time, 8 bytes (an older build reads the key alone). */
    private static byte[] lastSeenValue(long timestampMs) {
        return java.nio.ByteBuffer.allocate(Long.BYTES).putLong(timestampMs).array();
    }

    /**
     * Forgets the versions of {@code modelId} idle for {@link #forgetAfterMs}, with their series; whether any
     * went. Scans only once one can be idle (a full model of busy versions costs no scan per prediction).
     */
    private boolean forgetIdle(String modelId, Map<String, Seen> admitted) {
        long[] until = noneIdleBefore.computeIfAbsent(modelId, m -> new long[] {Long.MIN_VALUE});
        if (now < until[0]) {
            return false;
        }
        boolean forgot = false;
        long oldest = Long.MAX_VALUE;
        for (java.util.Iterator<Map.Entry<String, Seen>> it = admitted.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Seen> e = it.next();
            long at = e.getValue().at == Long.MIN_VALUE ? firstSeen : e.getValue().at;
            boolean placing = modelId.equals(placingModel) && e.getKey().equals(placingVersion);
            if (now - at >= forgetAfterMs && !placing) {
                it.remove();
                forgetVersion(modelId, e.getKey());
                forgot = true;
            } else {
                oldest = Math.min(oldest, at);
            }
        }
        // none left: nothing can become idle until a version is admitted (version() brings the gate forward then)
        until[0] = oldest == Long.MAX_VALUE ? Long.MAX_VALUE : oldest + forgetAfterMs;
        return forgot;
    }

    /** Drops a forgotten version's admission and its series (theirs counted, the overflow values' never). */
    private void forgetVersion(String modelId, String version) {
        store.put(versionKey(modelId, version), null); // a tombstone without reading the value
        counters.forgotten();
        Map<String, Map<String, Set<String>>> ofModel = series.get(modelId);
        Map<String, Set<String>> ofVersion = ofModel == null ? null : ofModel.remove(version);
        if (ofVersion == null) {
            return;
        }
        String prefix = "c\u0000" + modelId + "\u0000" + version;
        store.put(prefix, null);
        seriesCount--;
        for (Map.Entry<String, Set<String>> dim : ofVersion.entrySet()) {
            for (String value : dim.getValue()) {
                if (!value.equals(IngestLimits.OVERFLOW)) {
                    store.put(prefix + "\u0000" + dim.getKey() + "\u0000" + value, null);
                    seriesCount--;
                }
            }
        }
    }

    /** Forgets idle versions of every model to make room for a series; whether there is room now. */
    private boolean forgetIdleEverywhere() {
        if (now < seriesNoneIdleBefore) {
            return false;
        }
        boolean forgot = false;
        long next = Long.MAX_VALUE;
        for (Map.Entry<String, Map<String, Seen>> model : versions.entrySet()) {
            forgot |= forgetIdle(model.getKey(), model.getValue());
            next = Math.min(next, noneIdleBefore.get(model.getKey())[0]);
        }
        seriesNoneIdleBefore = next;
        // a forgotten version whose series had overflowed frees none: only a freed series makes room
        return forgot && seriesCount < limits.maxSeries();
    }

    String sliceValue(String dimension, String value) {
        return admitIn(slices, dimension, value, limits.maxSliceValues(), "slice", 's');
    }

    /**
     * The version a prediction of the admitted {@code model} and {@code version} counts under: itself when its
     * whole-model series is admitted (or within {@code limits.max-series}), else the overflow version.
     */
    String series(String model, String version) {
        Map<String, Map<String, Set<String>>> ofModel = series.get(model);
        if (ofModel != null && ofModel.containsKey(version)) {
            return version;
        }
        if (ofModel == null) {
            ofModel = new HashMap<>();
            series.put(model, ofModel); // bounded: admitted models and the overflow name
        }
        if (!version.equals(IngestLimits.OVERFLOW) && !roomForSeries("c\u0000" + model + "\u0000" + version)) {
            return series(model, IngestLimits.OVERFLOW);
        }
        ofModel.put(version, new HashMap<>());
        return version;
    }

    /**
     * The value a prediction of the admitted series ({@link #series}) counts under in {@code dimension}: itself
     * when that slice's series is admitted (or within {@code limits.max-series}), else the overflow value.
     */
    String sliceSeries(String model, String version, String dimension, String value) {
        Map<String, Set<String>> ofVersion = series.get(model).get(version);
        Set<String> values = ofVersion.get(dimension);
        if (values != null && values.contains(value)) {
            return value;
        }
        if (values == null) {
            values = new HashSet<>();
            ofVersion.put(dimension, values); // bounded: configured dimensions
        }
        if (!value.equals(IngestLimits.OVERFLOW) && !roomForSeries(
                "c\u0000" + model + "\u0000" + version + "\u0000" + dimension + "\u0000" + value)) {
            return sliceSeries(model, version, dimension, IngestLimits.OVERFLOW);
        }
        values.add(value);
        return value;
    }

    /**
     * Admits one more series under {@code storeKey} (counted and stored) when {@code limits.max-series} leaves
     * room; else counts the overflow. The overflow names' series need no room (the other limits bound them).
     */
    private boolean roomForSeries(String storeKey) {
        if (seriesCount >= limits.maxSeries() && !forgetIdleEverywhere()) {
            counters.overflowed("series");
            return false;
        }
        seriesCount++;
        store.put(storeKey, PRESENT);
        return true;
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
